// %diff: one map at two moments (two cells' snapshots, or a cell's and now) as a table
// (key, before, after, change, change %) and diverging horizontal bars, increases in one
// colour and decreases in another, the largest changes first. Histograms compare bucket
// by bucket. A map keyed by stacks is a differential flame graph instead of bars (as
// Brendan Gregg draws them): the later snapshot's boxes, each coloured by how much its
// frame changed, red where it grew, blue where it shrank; frames gone are in the table.
// Pure: two snapshots in, a Rendering out.

import type { HistValue, LhistValue, MapEntry, MapSnapshot } from "../../bpf/types/snapshot.ts";
import { bucketRows, keyText } from "../../bpf/output/index.ts";
import { htmlTable } from "./html.ts";
import { flameGraph, frameLabel, frameValues, partition, stackPath } from "./flame-graph.ts";
import { entryLabel, plotValue } from "./map-values.ts";
import { num, spec, type Rendering, type VegaLiteSpec } from "./vega-lite.ts";

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

/** A row's key: the stack folded ("main;process_block;checksum") when the map is keyed by stacks. */
const label = (snap: MapSnapshot, e: MapEntry): string => (flameGraph.matches(snap) ? stackPath(e).join(";") : entryLabel(snap, e));

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
  const title = `${name}: ${labels[0]} → ${labels[1]}`;
  if (flameGraph.matches(after)) {
    const chart = diffFlameGraph(before, after, title);
    return chart ? { text, html, vegaLite: chart } : { text, html };
  }
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

const FLAME_WIDTH = 900;
const FLAME_ROW = 18;

/** The chart, or undefined when the later snapshot has nothing to draw. */
function diffFlameGraph(before: MapSnapshot, after: MapSnapshot, title: string): VegaLiteSpec | undefined {
  const { rects, total, depth } = partition(after);
  if (rects.length === 0) return undefined;
  const was = frameValues(before);
  const values = rects.map((r) => {
    const b = was.get(r.id) ?? 0;
    const change = r.value - b;
    // relative change, clamped to [-1, 1]: +1 is new (or more than doubled), -1 almost gone
    const ratio = b === 0 ? 1 : Math.max(-1, Math.min(1, change / b));
    const pct = b === 0 ? "new" : `${change >= 0 ? "+" : ""}${Math.round((change / b) * 1000) / 10}%`;
    return {
      name: r.name,
      depth: r.depth,
      depth2: r.depth + 1,
      mid: r.depth + 0.5,
      x0: r.x0,
      x1: r.x1,
      before: b,
      after: r.value,
      change,
      ratio,
      pct,
      label: frameLabel(r.name, ((r.x1 - r.x0) / total) * FLAME_WIDTH),
      about: `${r.name}: ${b} -> ${r.value} (${change >= 0 ? "+" : ""}${change}, ${pct})`,
    };
  });
  const x = { field: "x0", type: "quantitative", scale: { domain: [0, total], nice: false, zero: true }, axis: null };
  const y = { field: "depth", type: "quantitative", scale: { domain: [0, depth], reverse: true, nice: false }, axis: null };
  return spec({
    title: { text: title, subtitle: "widths: now; colour: change since then (red grew, blue shrank)" },
    data: { values },
    width: FLAME_WIDTH,
    height: depth * FLAME_ROW,
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 0.5, tooltip: true },
        encoding: {
          x,
          x2: { field: "x1" },
          y,
          y2: { field: "depth2" },
          color: {
            field: "ratio",
            type: "quantitative",
            scale: { domain: [-1, 0, 1], range: [DECREASE_COLOUR, "#f2f2f2", INCREASE_COLOUR], clamp: true },
            legend: { title: "change", orient: "bottom", direction: "horizontal", format: "+.0%" },
          },
          description: { field: "about", type: "nominal" },
          tooltip: [
            { field: "name", type: "nominal", title: "frame" },
            { field: "before", type: "quantitative", title: "before", format: "," },
            { field: "after", type: "quantitative", title: "after", format: "," },
            { field: "change", type: "quantitative", title: "change", format: "+," },
            { field: "pct", type: "nominal", title: "change %" },
          ],
        },
      },
      {
        transform: [{ filter: "datum.label !== ''" }],
        mark: { type: "text", align: "left", baseline: "middle", dx: 3, fontSize: 10, aria: false },
        encoding: { x, y: { ...y, field: "mid" }, text: { field: "label", type: "nominal" } },
      },
    ],
  });
}
