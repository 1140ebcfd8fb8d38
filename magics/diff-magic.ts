// %diff @m [CELL [CELL2]]: map @m now against its snapshot at the end of an earlier cell
// (default: the one before the latest cell that displayed it), or two cells' snapshots against each other.
import type { ExecuteOutcome } from "../kernel/interpreter.ts";
import { diffDisplay, diffIncompatibility } from "./display/index.ts";
import { cellNumber, mapHistory } from "./map-history.ts";
import type { MagicContext } from "./interpreter.ts";
import type { MapSnapshot } from "../bpf/types/snapshot.ts";

function usage(msg: string): ExecuteOutcome {
  return { status: "error", ename: "UsageError", evalue: msg, traceback: [msg] };
}

export async function runDiff(m: MagicContext, args: readonly string[]): Promise<ExecuteOutcome> {
  const [name, first, second, ...extra] = args;
  if (!name?.startsWith("@") || extra.length > 0) return usage("%diff: usage: %diff @map [CELL [CELL2]], e.g. %diff @c 3 or %diff @c cell[2] cell[5]");
  const known = m.session.snapshot(name) !== undefined || mapHistory.cellsWith(name).length > 0;
  if (!known) return usage(`%diff: no map ${name} (see %maps)`);
  const pick = (s: string): { cell: number; snap: MapSnapshot } | string => {
    const cell = cellNumber(s);
    if (cell === undefined) return `%diff: '${s}' is not a cell; give a number like 3 or cell[3]`;
    const snap = mapHistory.at(cell, name);
    if (snap) return { cell, snap };
    if (mapHistory.letGo(cell, name)) return `%diff: cell[${cell}]'s snapshot of ${name} is no longer kept (a notebook keeps each map's last ${mapHistory.keep}; the oldest is cell[${mapHistory.cellsWith(name)[0]}])`;
    const had = mapHistory.cellsWith(name);
    return `%diff: cell[${cell}] did not display ${name}; ${had.length ? `cells that did: ${had.map((c) => `cell[${c}]`).join(", ")}` : `no cell has displayed it yet`}`;
  };
  let before: { cell: number; snap: MapSnapshot };
  let after: MapSnapshot;
  let labels: [string, string];
  if (first === undefined) {
    // "now" is what the last cell to display @m showed (plus whatever ran since): the
    // default is the cell before that one, or that one when it is the only one
    const latest = mapHistory.latest(name);
    if (!latest) return usage(`%diff: no earlier snapshot of ${name}; run a cell that writes it (or %print ${name}) first`);
    before = mapHistory.latest(name, latest.cell) ?? latest;
  } else {
    const p = pick(first);
    if (typeof p === "string") return usage(p);
    before = p;
  }
  if (second === undefined) {
    const now = m.session.snapshot(name);
    if (!now) return usage(`%diff: ${name} no longer exists (cleared?); compare two cells: %diff ${name} CELL CELL2`);
    after = now;
    labels = [`cell[${before.cell}]`, "now"];
  } else {
    const p = pick(second);
    if (typeof p === "string") return usage(p);
    after = p.snap;
    labels = [`cell[${before.cell}]`, `cell[${p.cell}]`];
  }
  const why = diffIncompatibility(before.snap, after);
  if (why) return usage(`%diff: ${why}; compare snapshots of the same kind (%diff ${name} CELL CELL2)`);
  const d = await diffDisplay(before.snap, after, labels);
  m.ctx.display(d.data, { metadata: d.metadata });
  return { status: "ok" };
}
