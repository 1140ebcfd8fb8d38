// %diff: one map at two moments (two cells' snapshots, or a cell's and now) as a table
// (key, before, after, change, change %) and diverging horizontal bars, increases in one
// colour and decreases in another, the largest changes first. Histograms compare bucket
// by bucket. Pure: two snapshots in, a Rendering out.

import type { HistValue, LhistValue, MapEntry, MapSnapshot } from "../../bpf/types/snapshot.ts";
import { bucketRows, keyText } from "../../bpf/output/index.ts";
import { htmlTable } from "./html.ts";
import { entryLabel, plotValue } from "./map-values.ts";
import { num, spec, type Rendering } from "./vega-lite.ts";

/** How many bars the chart shows; the table has every row. */
export const DIFF_TOP_N = 20;

export const INCREASE_COLOUR = "#d6604d";
export const DECREASE_COLOUR = "#4393c3";

export interface DiffRow {
  readonly key: string;
  readonly before: bigint;
  readonly after: bigint;
  readonly change: bigint;
  /** change / before in percent, one decimal; undefined when before is 0. */
  readonly percent: number | undefined;
}

const isHist = (v: { kind: string }): v is HistValue | LhistValue => v.kind === "hist" || v.kind === "lhist";

/** Each entry (or, for histograms, each entry's bucket) as label → number. */
function points(snap: MapSnapshot): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const e of snap.entries) {
    if (isHist(e.value)) {
      const prefix = e.key.length > 0 ? `${keyText(e.key)} ` : "";
      for (const r of bucketRows(e.value)) out.set(`${prefix}${r.label}`, (out.get(`${prefix}${r.label}`) ?? 0n) + r.count);
    } else {
      const v = plotValue(e.value);
      if (v !== undefined) out.set(label(snap, e), v);
    }
  }
  return out;
}

const label = (snap: MapSnapshot, e: MapEntry): string => entryLabel(snap, e);

/** Whether two snapshots of a map can be compared; a reason when not. */
export function diffIncompatibility(before: MapSnapshot, after: MapSnapshot): string | undefined {
  const hist = (s: MapSnapshot) => s.valueKind === "hist" || s.valueKind === "lhist";
  if (before.entries.length === 0 || after.entries.length === 0) return undefined;
  if (hist(before) !== hist(after) || (hist(before) && before.valueKind !== after.valueKind)) {
    return `${after.name} was a ${before.valueKind} map and is a ${after.valueKind} map now`;
  }
  return undefined;
}

/** Rows for every key in either snapshot (a key missing on one side counts 0), largest |change| first. */
export function diffRows(before: MapSnapshot, after: MapSnapshot): DiffRow[] {
  const b = points(before);
  const a = points(after);
  const keys = [...new Set([...b.keys(), ...a.keys()])];
  const rows = keys.map((key): DiffRow => {
    const x = b.get(key) ?? 0n;
    const y = a.get(key) ?? 0n;
    const change = y - x;
    return { key, before: x, after: y, change, percent: x === 0n ? undefined : Math.round((num(change) / num(x)) * 1000) / 10 };
  });
  const abs = (v: bigint) => (v < 0n ? -v : v);
  const hist = before.valueKind === "hist" || before.valueKind === "lhist" || after.valueKind === "hist" || after.valueKind === "lhist";
  // histogram buckets keep their order; other keys go by the size of their change
  if (hist) return rows;
  return rows.sort((p, q) => (abs(q.change) > abs(p.change) ? 1 : abs(q.change) < abs(p.change) ? -1 : p.key < q.key ? -1 : p.key > q.key ? 1 : 0));
}

const signed = (v: bigint) => (v > 0n ? `+${v}` : String(v));
const pct = (p: number | undefined) => (p === undefined ? "new" : `${p > 0 ? "+" : ""}${p}%`);

/** The text: one aligned line per row, "key: before -> after (change, change %)". */
export function diffText(rows: readonly DiffRow[], name: string, labels: readonly [string, string]): string {
  const head = `${name}: ${labels[0]} -> ${labels[1]}\n`;
  const width = Math.max(0, ...rows.map((r) => r.key.length));
  return head + rows.map((r) => `${r.key.padEnd(width)}  ${r.before} -> ${r.after}  (${signed(r.change)}, ${pct(r.percent)})\n`).join("");
}

export function diff(before: MapSnapshot, after: MapSnapshot, labels: readonly [string, string]): Rendering {
  const rows = diffRows(before, after);
  const name = after.name;
  const text = diffText(rows, name, labels);
  if (rows.length === 0) return { text };
  const html = htmlTable({
    caption: `${name}: ${labels[0]} → ${labels[1]}`,
    columns: ["key", "before", "after", "change", "change %"],
    numeric: [false, true, true, true, true],
    rows: rows.map((r) => [r.key, String(r.before), String(r.after), signed(r.change), pct(r.percent)]),
  });
  const shown = rows.slice(0, DIFF_TOP_N);
  const more = rows.length - shown.length;
  const values = shown.map((r, rank) => ({
    key: r.key,
    rank,
    before: num(r.before),
    after: num(r.after),
    change: num(r.change),
    direction: r.change > 0n ? "increase" : r.change < 0n ? "decrease" : "unchanged",
  }));
  const title = `${name}: ${labels[0]} → ${labels[1]}`;
  const vegaLite = spec({
    title: more > 0 ? { text: title, subtitle: `top ${DIFF_TOP_N} of ${rows.length} changes; the rest in the table` } : title,
    data: { values },
    width: 420,
    height: { step: 18 },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "key", type: "nominal", sort: { field: "rank", op: "min", order: "ascending" }, title: null, axis: { labelLimit: 260 } },
      x: { field: "change", type: "quantitative", title: "change", stack: null, axis: { format: "~s" } },
      color: {
        field: "direction",
        type: "nominal",
        scale: { domain: ["increase", "decrease", "unchanged"], range: [INCREASE_COLOUR, DECREASE_COLOUR, "#bbbbbb"] },
        legend: { title: null, orient: "bottom", direction: "horizontal" },
      },
      tooltip: [
        { field: "key", type: "nominal" },
        { field: "before", type: "quantitative", format: "," },
        { field: "after", type: "quantitative", format: "," },
        { field: "change", type: "quantitative", format: "+," },
      ],
    },
  });
  return { text, html, vegaLite };
}
