// Maps keyed by stacks (`@[kstack] = count()`, `@[comm, ustack] = sum(x)`): an icicle
// flame graph (root on top, callees below, width = share of the total) laid out here in
// TypeScript and drawn with Vega-Lite rect marks, plus the folded stacks
// ("root;caller;callee 42") that flamegraph.pl and speedscope read.

import type { MapEntry, MapSnapshot, Value } from "../../bpf/maps/snapshot.ts";
import { valueText } from "../../bpf/output/index.ts";
import { keyParts, plotValue } from "./map-values.ts";
import { num, spec, type OutputKind } from "./vega-lite.ts";

const WIDTH = 900;
const ROW = 18;
/** Frames narrower than this share of the total are left out of the chart (not the text). */
const MIN_SHARE = 1 / 3000;

/** One entry's path, root first: other key parts, then user frames, then kernel frames. */
export function stackPath(e: MapEntry): string[] {
  const parts = keyParts(e);
  const plain = parts.filter((p) => p.kind !== "stack").map((p) => valueText(p));
  const stacks = parts.filter((p): p is Extract<Value, { kind: "stack" }> => p.kind === "stack");
  const user = stacks.filter((s) => s.user).flatMap((s) => [...s.frames].reverse());
  const kernel = stacks.filter((s) => !s.user).flatMap((s) => [...s.frames].reverse());
  return [...plain, ...user, ...kernel];
}

/** Folded stacks, one "a;b;c value\n" line per entry, sorted as stackcollapse sorts them. */
export function foldedStacks(snap: MapSnapshot): string {
  const lines = snap.entries.flatMap((e) => {
    const v = plotValue(e.value);
    return v !== undefined ? [`${stackPath(e).map((f) => f.replaceAll(";", ":")).join(";")} ${v}`] : [];
  });
  return lines.sort().map((l) => `${l}\n`).join("");
}

interface Node {
  readonly name: string;
  value: bigint;
  readonly children: Map<string, Node>;
}

export interface FlameRect {
  readonly name: string;
  readonly depth: number;
  readonly x0: number;
  readonly x1: number;
  readonly value: number;
  readonly share: number;
}

/** The partition: each node's [x0, x1) is its parent's span split among children by value. */
export function partition(snap: MapSnapshot): { rects: FlameRect[]; total: number; depth: number } {
  const root: Node = { name: "all", value: 0n, children: new Map() };
  for (const e of snap.entries) {
    const v = plotValue(e.value);
    if (v === undefined || v <= 0n) continue;
    root.value += v;
    let node = root;
    for (const frame of stackPath(e)) {
      let child = node.children.get(frame);
      if (!child) node.children.set(frame, (child = { name: frame, value: 0n, children: new Map() }));
      child.value += v;
      node = child;
    }
  }
  const total = num(root.value);
  const rects: FlameRect[] = [];
  let maxDepth = 0;
  const walk = (node: Node, depth: number, x0: number): void => {
    const width = num(node.value);
    if (total === 0 || width / total < MIN_SHARE) return;
    rects.push({ name: node.name, depth, x0, x1: x0 + width, value: width, share: Math.round((width / total) * 10000) / 100 });
    maxDepth = Math.max(maxDepth, depth);
    let x = x0;
    // Alphabetical, as flamegraph.pl orders siblings, so the same stacks land in the same place.
    for (const child of [...node.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      walk(child, depth + 1, x);
      x += num(child.value);
    }
  };
  walk(root, 0, 0);
  return { rects, total, depth: maxDepth + 1 };
}

/** A warm flame colour derived from the frame name, stable across renders. */
function flameColour(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  const r = 205 + (h % 50);
  const g = 80 + ((h >>> 8) % 130);
  const b = 40 + ((h >>> 16) % 40);
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

export const flameGraph: OutputKind = {
  name: "flame-graph",
  matches: (snap) =>
    snap.entries.length > 0 &&
    snap.entries.every((e) => keyParts(e).some((p) => p.kind === "stack") && plotValue(e.value) !== undefined) &&
    snap.valueKind !== "hist" &&
    snap.valueKind !== "lhist",
  render(snap: MapSnapshot) {
    const text = foldedStacks(snap);
    const { rects, total, depth } = partition(snap);
    if (rects.length === 0) return { text };
    const values = rects.map((r) => ({
      ...r,
      depth2: r.depth + 1,
      mid: r.depth + 0.5,
      fill: flameColour(r.name),
      // Room for the label in pixels; Vega truncates the text to it with an ellipsis.
      room: Math.max(0, ((r.x1 - r.x0) / total) * WIDTH - 6),
    }));
    const x = { field: "x0", type: "quantitative", scale: { domain: [0, total], nice: false, zero: true }, axis: null };
    const y = { field: "depth", type: "quantitative", scale: { domain: [0, depth], reverse: true, nice: false }, axis: null };
    const vegaLite = spec({
      title: snap.name,
      data: { values },
      width: WIDTH,
      height: depth * ROW,
      layer: [
        {
          mark: { type: "rect", stroke: "white", strokeWidth: 0.5, tooltip: true },
          encoding: {
            x,
            x2: { field: "x1" },
            y,
            y2: { field: "depth2" },
            color: { field: "fill", type: "nominal", scale: null },
            tooltip: [
              { field: "name", type: "nominal", title: "frame" },
              { field: "value", type: "quantitative", title: snap.valueKind },
              { field: "share", type: "quantitative", title: "% of total" },
            ],
          },
        },
        {
          transform: [{ filter: "datum.room > 24" }],
          mark: { type: "text", align: "left", baseline: "middle", dx: 3, fontSize: 10, limit: { expr: "datum.room" } },
          encoding: { x, y: { ...y, field: "mid" }, text: { field: "name", type: "nominal" } },
        },
      ],
    });
    return { text, vegaLite };
  },
};
