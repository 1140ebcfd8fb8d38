// The snapshots each cell displayed, by execution count (cell[N]): what %diff compares.
// Recorded at the end of each DSL cell and each %print; each map's last KEEP_PER_MAP are
// kept (a cell re-run all day with a map of 4096 stacks would otherwise keep every copy).
import type { MapSnapshot } from "../bpf/types/snapshot.ts";

export interface Recorded {
  readonly cell: number;
  readonly snap: MapSnapshot;
}

/** Snapshots kept per map: its last 64 cells'. */
export const KEEP_PER_MAP = 64;

export class MapHistory {
  readonly #byCell = new Map<number, Map<string, MapSnapshot>>();
  /** Per map, the cells that hold a snapshot of it, oldest first. */
  readonly #cells = new Map<string, number[]>();
  /** Per map, the newest cell whose snapshot was let go. */
  readonly #dropped = new Map<string, number>();

  constructor(readonly keep = KEEP_PER_MAP) {}

  record(origin: string, snap: MapSnapshot): void {
    const cell = cellNumber(origin);
    if (cell === undefined) return;
    let maps = this.#byCell.get(cell);
    if (!maps) this.#byCell.set(cell, (maps = new Map()));
    maps.set(snap.name, snap);
    const cells = this.#cells.get(snap.name) ?? [];
    if (!cells.includes(cell)) cells.push(cell);
    cells.sort((a, b) => a - b);
    this.#cells.set(snap.name, cells);
    while (cells.length > this.keep) {
      const old = cells.shift()!;
      const held = this.#byCell.get(old);
      held?.delete(snap.name);
      if (held?.size === 0) this.#byCell.delete(old);
      this.#dropped.set(snap.name, Math.max(old, this.#dropped.get(snap.name) ?? 0));
    }
  }

  /** Whether cell's snapshot of `name` may have been let go (it is older than the kept ones). */
  letGo(cell: number, name: string): boolean {
    return cell <= (this.#dropped.get(name) ?? 0) && this.at(cell, name) === undefined;
  }

  at(cell: number, name: string): MapSnapshot | undefined {
    return this.#byCell.get(cell)?.get(name);
  }

  /** The latest snapshot of `name` recorded before cell `before` (or at all). */
  latest(name: string, before = Infinity): Recorded | undefined {
    const cells = [...this.#byCell.keys()].filter((c) => c < before).sort((a, b) => b - a);
    for (const cell of cells) {
      const snap = this.at(cell, name);
      if (snap) return { cell, snap };
    }
    return undefined;
  }

  cellsWith(name: string): number[] {
    return [...(this.#cells.get(name) ?? [])];
  }
}

/** "cell[3]" or "3" → 3. */
export function cellNumber(s: string): number | undefined {
  const m = /^(?:cell\[(\d+)\]|(\d+))$/.exec(s.trim());
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** The notebook's history (one per kernel process, like the session's maps). */
export const mapHistory = new MapHistory();
