// Maps a cell prints over time (`interval:s:1 { print(@h); clear(@h); }`): each print()
// of a map is a sample; a map printed twice or more gets one display of its own, a line
// chart (a heatmap for histograms), redrawn each tick while the cell runs and final at
// its end. The printed text still streams as bpftrace prints it.
import type { MapSnapshot } from "../bpf/types/snapshot.ts";
import type { CellContext } from "../kernel/interpreter.ts";
import { timeSeriesDisplay, type Provenance, type Sample } from "./display/index.ts";

/** At most this many samples per map are kept (the oldest go first). */
export const MAX_SAMPLES = 600;

export class PrintedSeries {
  readonly #samples = new Map<string, Sample[]>();
  readonly #shown = new Set<string>();
  readonly #drawing = new Map<string, Promise<void>>();
  #ended = false;

  constructor(
    readonly ctx: CellContext,
    readonly displayId: (name: string) => string,
  ) {}

  /** A print() of `snap`, read when its text was printed. */
  record(snap: MapSnapshot, t = Date.now()): void {
    const list = this.#samples.get(snap.name) ?? [];
    list.push({ t, snap });
    if (list.length > MAX_SAMPLES) list.shift();
    this.#samples.set(snap.name, list);
  }

  /** Redraws each series that changed, unless its previous drawing is still under way. */
  tick(): void {
    for (const [name, samples] of this.#samples) {
      if (samples.length < 2 || this.#drawing.has(name)) continue;
      const drawn = timeSeriesDisplay([...samples])
        .then((d) => {
          if (!this.#ended) this.#show(name, d.data, d.metadata);
        })
        .catch(() => undefined)
        .finally(() => this.#drawing.delete(name));
      this.#drawing.set(name, drawn);
    }
  }

  /** The final charts, with their provenance; nothing is redrawn after. */
  async end(prov?: Provenance): Promise<void> {
    this.#ended = true;
    await Promise.all(this.#drawing.values());
    for (const [name, samples] of this.#samples) {
      if (samples.length < 2) continue;
      const d = await timeSeriesDisplay(samples, prov);
      this.#show(name, d.data, d.metadata);
    }
  }

  /** Stops redrawing (the run failed). */
  abandon(): void {
    this.#ended = true;
  }

  #show(name: string, data: Record<string, unknown>, metadata: Record<string, unknown>): void {
    this.ctx.display(data, { displayId: this.displayId(name), update: this.#shown.has(name), metadata });
    this.#shown.add(name);
  }
}
