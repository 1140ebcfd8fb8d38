// Replay: a saved notebook is a record (each map output keeps its snapshot and provenance
// in metadata.tracebook), so where this kernel cannot trace — no CAP_BPF/CAP_PERFMON, or
// `%replay on` — a DSL cell shows what it showed when it ran, marked as replayed, and
// attaches nothing. The recording is found in the notebook files of the kernel's working
// directory (front ends start kernels in the notebook's directory), or in the file
// `%replay FILE` names: the cell with the same cell id (JupyterLab and nbclient send it in
// the execute_request), else the same source.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CellContext } from "../kernel/interpreter.ts";
import type { MapSnapshot } from "../bpf/types/snapshot.ts";
import { snapshotFromJson } from "../bpf/maps/snapshot-json.ts";
import { mapDisplay, provenanceLine, type MimeBundle, type Provenance } from "./display/index.ts";
import { capEff, CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN } from "./doctor.ts";

/** One output of a saved cell, as nbformat keeps it. */
interface SavedOutput {
  readonly output_type: string;
  readonly name?: string;
  readonly text?: string | string[];
  readonly data?: MimeBundle;
  readonly metadata?: Record<string, unknown>;
  readonly ename?: string;
  readonly evalue?: string;
  readonly traceback?: string[];
}

interface SavedCell {
  readonly id?: string;
  readonly cell_type: string;
  readonly source: string | string[];
  readonly outputs?: readonly SavedOutput[];
}

export interface Recording {
  /** The notebook it came from. */
  readonly file: string;
  readonly outputs: readonly SavedOutput[];
}

const joined = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : (v ?? ""));

/** Whether this process may load tracing programs: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN. */
export function canTrace(caps = capEff()): boolean {
  const has = (c: bigint) => ((caps >> c) & 1n) === 1n;
  return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
}

/** The cells of every readable notebook, cached by path and mtime. */
const cache = new Map<string, { mtimeMs: number; cells: readonly SavedCell[] }>();

function cellsOf(file: string): readonly SavedCell[] {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return [];
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.cells;
  let cells: readonly SavedCell[] = [];
  try {
    const nb = JSON.parse(readFileSync(file, "utf8")) as { cells?: SavedCell[] };
    cells = Array.isArray(nb.cells) ? nb.cells : [];
  } catch {
    // not a notebook, or unreadable: it holds no recording
  }
  cache.set(file, { mtimeMs, cells });
  return cells;
}

/** A recorded output is worth replaying when it shows something: not an empty run. */
const recorded = (c: SavedCell): boolean => c.cell_type === "code" && (c.outputs?.length ?? 0) > 0;

export class Replay {
  /** auto: replay where this kernel cannot trace; on: always; off: never. */
  mode: "auto" | "on" | "off" = "auto";
  /** The notebook `%replay FILE` named; else the .ipynb files of the working directory. */
  file: string | undefined;
  /** The maps the replayed cells showed, by name (latest wins), for %%ts cells. */
  readonly maps = new Map<string, MapSnapshot>();

  constructor(readonly traceable: () => boolean = () => canTrace()) {}

  /** Why cells replay now instead of tracing; undefined when they trace. */
  reason(): string | undefined {
    if (this.mode === "off") return undefined;
    if (this.mode === "on") return "%replay on";
    return this.traceable() ? undefined : "this kernel cannot trace: it has neither CAP_BPF with CAP_PERFMON nor CAP_SYS_ADMIN";
  }

  /** The notebooks searched, newest first. */
  files(): string[] {
    if (this.file) return [resolve(this.file)];
    let names: string[];
    try {
      names = readdirSync(process.cwd()).filter((n) => n.endsWith(".ipynb"));
    } catch {
      return [];
    }
    const mtime = (f: string) => {
      try {
        return statSync(f).mtimeMs;
      } catch {
        return 0;
      }
    };
    return names.map((n) => join(process.cwd(), n)).sort((a, b) => mtime(b) - mtime(a));
  }

  /** The recording of a cell: by cell id, else by its exact source. */
  find(cellId: string | undefined, source: string): Recording | undefined {
    const files = this.files();
    if (cellId !== undefined) {
      for (const file of files) {
        const c = cellsOf(file).find((x) => x.id === cellId && recorded(x));
        if (c) return { file, outputs: c.outputs! };
      }
    }
    const want = source.trim();
    for (const file of files) {
      const c = cellsOf(file).find((x) => recorded(x) && joined(x.source).trim() === want);
      if (c) return { file, outputs: c.outputs! };
    }
    return undefined;
  }

  /** Where recordings are looked for, for messages. */
  where(): string {
    return this.file ? this.file : `the notebooks in ${process.cwd()}`;
  }

  /**
   * Shows a recording again: a line saying where and when it was recorded, then its
   * outputs in order; map outputs are drawn again from their snapshots (the same text,
   * table and chart) and remembered for %%ts cells. Returns the recorded error, if the
   * cell ended with one.
   */
  async show(rec: Recording, ctx: CellContext, why: string): Promise<SavedOutput | undefined> {
    const provs = rec.outputs.map((o) => (o.metadata?.tracebook as Provenance | undefined)).filter((p): p is Provenance => p?.host !== undefined);
    const first = provs[0];
    const from = first ? `replayed from ${first.host}, ${first.started.replace("T", " ").replace(/\.\d+Z$/, " UTC")}` : "replayed";
    ctx.display({ "text/plain": `${from} (${rec.file}); nothing attached: ${why}` }, { metadata: { tracebook: { replayed: { file: rec.file, reason: why } } } });
    let error: SavedOutput | undefined;
    for (const o of rec.outputs) {
      if (o.output_type === "stream") {
        ctx.stream(o.name === "stderr" ? "stderr" : "stdout", joined(o.text));
      } else if (o.output_type === "error") {
        error = o;
      } else if (o.output_type === "display_data" || o.output_type === "execute_result") {
        const meta = o.metadata?.tracebook as (Provenance & { snapshot?: unknown }) | undefined;
        let snap: MapSnapshot | undefined;
        try {
          snap = meta?.snapshot !== undefined ? snapshotFromJson(meta.snapshot) : undefined;
        } catch {
          snap = undefined; // a snapshot this version cannot read: show what was saved
        }
        if (snap && meta) {
          this.maps.set(snap.name, snap);
          const { snapshot: _s, ...prov } = meta;
          const d = await mapDisplay(snap, prov);
          const tracebook = { ...(d.metadata.tracebook as object), replayed: { file: rec.file, provenance: provenanceLine(prov) } };
          ctx.display(d.data, { metadata: { ...d.metadata, tracebook } });
        } else if (o.data) {
          ctx.display(o.data, { metadata: { ...(o.metadata ?? {}) } });
        }
      }
    }
    return error;
  }
}
