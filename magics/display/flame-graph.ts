// Maps keyed by stacks (`@[kstack] = count()`, `@[comm, ustack] = sum(x)`): an icicle
// flame graph (root on top, callees below, width = share of the total) laid out here in
// TypeScript and drawn with Vega-Lite rect and text marks, plus the folded stacks
// ("root;caller;callee 42") that flamegraph.pl and speedscope read.
//
// The chart merges frames by function (`vfs_read+26` and `vfs_read+31` are one vfs_read,
// its offsets in the tooltip); the folded text keeps each frame as the stack printed it.

import type { MapEntry, MapSnapshot, Value } from "../../bpf/types/snapshot.ts";
import { valueText } from "../../bpf/output/index.ts";
import { keyParts, plotValue } from "./map-values.ts";
import { num, spec, type OutputKind } from "./vega-lite.ts";

const WIDTH = 900;
const ROW = 18;
const FONT_SIZE = 10;
/** A generous average glyph width at FONT_SIZE, so a label fits in the width it is given. */
const CHAR_PX = 6.5;
/** Pixels left of and right of a label inside its frame. */
const PAD_PX = 3;
/** A frame gets a label when this many characters fit in it. */
const MIN_LABEL_CHARS = 3;
/** Frames narrower than this share of the total are left out of the chart (not the text). */
const MIN_SHARE = 1 / 3000;
/** How many distinct offsets of a merged frame the tooltip lists. */
const MAX_OFFSETS = 3;

type StackValue = Extract<Value, { kind: "stack" }>;

/** One entry's path, root first: other key parts, then user frames, then kernel frames. */
export function stackPath(e: MapEntry): string[] {
  const parts = keyParts(e);
  const plain = parts.filter((p) => p.kind !== "stack").map((p) => valueText(p));
  const stacks = parts.filter((p): p is StackValue => p.kind === "stack");
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

/**
 * What a box of the chart stands for: a key part that is not a stack (comm, pid), a user
 * or kernel frame, or the stand-in for a stack with no frames. The root ("all") is "key".
 */
export type FrameKind = "key" | "user" | "kernel" | "empty";

/** One frame of the chart's path: the function, and the offset and module it was printed with. */
export interface Frame {
  readonly name: string;
  readonly kind: FrameKind;
  readonly offset?: string;
  readonly module?: string;
}

// "vfs_read+26" (bpftrace prints decimal offsets; "+0x1a" is accepted too).
const OFFSET = /^(.+?)\+(0x[0-9a-f]+|\d+)$/i;
// show_debug_info: "spin+12@/src/work.c:41", "[inlined] myclock@/src/work.c:9"; the line is left
// out of the chart (lines of one function are one box).
const SOURCE_LINE = /^(.+?)@[^@]*:\d+$/;
// stack_mode=perf: "ffffffff8134a1b6 vfs_read+26", "7f3a12c4 malloc+12 (/usr/lib/libc.so.6)".
const PERF = /^[0-9a-f]+ (.+?)(?: \((.*)\))?$/i;

/** A printed frame as function, offset and (perf mode) module; raw-mode addresses stay whole. */
export function parseFrame(text: string, kind: "user" | "kernel", mode: StackValue["mode"]): Frame {
  if (mode === "raw") return { name: text, kind };
  let rest = text;
  let module: string | undefined;
  const perf = mode === "perf" ? PERF.exec(text) : null;
  if (perf) [, rest = text, module] = perf;
  rest = SOURCE_LINE.exec(rest)?.[1] ?? rest;
  const o = OFFSET.exec(rest);
  const base = o ? { name: o[1]!, kind, offset: `+${o[2]!}` } : { name: rest, kind };
  return module !== undefined ? { ...base, module } : base;
}

/**
 * A stack's frames root first; a stack with none is one "[no kernel stack]" frame; a stack
 * that filled its frame limit starts with "[truncated]" (its real root was not recorded), so
 * cut stacks gather under one marked frame instead of posing as roots of their own.
 */
function stackFrames(s: StackValue): Frame[] {
  const kind = s.user ? "user" : "kernel";
  if (s.frames.length === 0) return [{ name: `[no ${kind} stack]`, kind: "empty" }];
  const frames = [...s.frames].reverse().map((f) => parseFrame(f, kind, s.mode));
  return s.truncated ? [{ name: `[truncated ${kind} stack]`, kind: "empty" }, ...frames] : frames;
}

/** The chart's path of an entry, in stackPath's order, frames merged by function. */
export function framePath(e: MapEntry): Frame[] {
  const parts = keyParts(e);
  const plain = parts.filter((p) => p.kind !== "stack").map((p): Frame => ({ name: valueText(p), kind: "key" }));
  const stacks = parts.filter((p): p is StackValue => p.kind === "stack");
  const user = stacks.filter((s) => s.user).flatMap(stackFrames);
  const kernel = stacks.filter((s) => !s.user).flatMap(stackFrames);
  return [...plain, ...user, ...kernel];
}

interface Node {
  readonly name: string;
  readonly kind: FrameKind;
  readonly module: string | undefined;
  value: bigint;
  readonly offsets: Set<string>;
  readonly children: Map<string, Node>;
}

export interface FlameRect {
  /** The frame's path from the root (frames merged as drawn): the same id in two snapshots is the same box. */
  readonly id: string;
  /** The function (or key part), without the offset it was printed with. */
  readonly name: string;
  readonly kind: FrameKind;
  readonly depth: number;
  readonly x0: number;
  readonly x1: number;
  readonly value: number;
  readonly share: number;
  /** The distinct offsets merged into this frame, e.g. "+26, +31"; "" when there were none. */
  readonly offsets: string;
  /** The module (stack_mode=perf user frames); "" when the stack did not print one. */
  readonly module: string;
}

function offsetList(offsets: ReadonlySet<string>): string {
  const all = [...offsets];
  const shown = all.slice(0, MAX_OFFSETS).join(", ");
  return all.length > MAX_OFFSETS ? `${shown} and ${all.length - MAX_OFFSETS} more` : shown;
}

const byName = (a: Node, b: Node): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The frames of every entry as one tree, merged by function, values summed. */
function frameTree(snap: MapSnapshot): Node {
  const newNode = (f: Frame): Node => ({ name: f.name, kind: f.kind, module: f.module, value: 0n, offsets: new Set(), children: new Map() });
  const root = newNode({ name: "all", kind: "key" });
  for (const e of snap.entries) {
    const v = plotValue(e.value);
    if (v === undefined || v <= 0n) continue;
    root.value += v;
    let node = root;
    for (const frame of framePath(e)) {
      const id = `${frame.kind}\0${frame.module ?? ""}\0${frame.name}`;
      let child = node.children.get(id);
      if (!child) node.children.set(id, (child = newNode(frame)));
      child.value += v;
      if (frame.offset !== undefined) child.offsets.add(frame.offset);
      node = child;
    }
  }
  return root;
}

const childId = (parent: string, key: string): string => `${parent}\u0001${key}`;

/** Each frame's value by its path id (FlameRect.id), for comparing two snapshots. */
export function frameValues(snap: MapSnapshot): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (node: Node, id: string): void => {
    out.set(id, num(node.value));
    for (const [key, child] of node.children) walk(child, childId(id, key));
  };
  walk(frameTree(snap), "all");
  return out;
}

/** The partition: each node's [x0, x1) is its parent's span split among children by value. */
export function partition(snap: MapSnapshot): { rects: FlameRect[]; total: number; depth: number } {
  const root = frameTree(snap);
  const total = num(root.value);
  const rects: FlameRect[] = [];
  let maxDepth = 0;
  const walk = (node: Node, id: string, depth: number, x0: number): void => {
    const width = num(node.value);
    if (total === 0 || width / total < MIN_SHARE) return;
    rects.push({
      id,
      name: node.name,
      kind: node.kind,
      depth,
      x0,
      x1: x0 + width,
      value: width,
      share: Math.round((width / total) * 10000) / 100,
      offsets: offsetList(node.offsets),
      module: node.module ?? "",
    });
    maxDepth = Math.max(maxDepth, depth);
    let x = x0;
    // Alphabetical, as flamegraph.pl orders siblings, so the same stacks land in the same place.
    for (const [key, child] of [...node.children.entries()].sort((a, b) => byName(a[1], b[1]))) {
      walk(child, childId(id, key), depth + 1, x);
      x += num(child.value);
    }
  };
  walk(root, "all", 0, 0);
  return { rects, total, depth: maxDepth + 1 };
}

/**
 * The label a frame `px` pixels wide gets: the name, or as much of it as fits followed by
 * "…"; "" when fewer than MIN_LABEL_CHARS characters fit.
 */
export function frameLabel(name: string, px: number): string {
  const fits = Math.floor((px - 2 * PAD_PX) / CHAR_PX);
  if (fits < MIN_LABEL_CHARS) return "";
  return name.length <= fits ? name : `${name.slice(0, fits - 1)}…`;
}

/** Colour families: warm for kernel frames, green for user frames, greys for the rest. */
export const KIND_COLOURS: Readonly<Record<FrameKind, string>> = {
  kernel: "#e8702a",
  user: "#3fa362",
  key: "#9e9e9e",
  empty: "#d4d4d4",
};

/**
 * A shade for the frame, stable across renders, so neighbours of one family stay apart
 * (flamegraph.pl varies the hue within a palette the same way): an opacity in [0.55, 1].
 */
function frameShade(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return 0.55 + (h % 46) / 100;
}

const KIND_ORDER: readonly FrameKind[] = ["kernel", "user", "key", "empty"];

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
    const values = rects.map(({ id: _id, ...r }) => ({
      ...r,
      depth2: r.depth + 1,
      mid: r.depth + 0.5,
      shade: frameShade(r.name),
      // Cut here rather than by Vega's `limit`: without a canvas, vega's toSVG guesses
      // 0.8 em per character and would cut most labels short.
      label: frameLabel(r.name, ((r.x1 - r.x0) / total) * WIDTH),
      // the full name on hover in the SVG (svg.ts turns a mark's description into its <title>)
      about: `${r.name}${r.offsets ? ` (${r.offsets})` : ""}: ${r.value} ${snap.valueKind}, ${r.share}% of the total (${r.kind === "empty" ? "no stack" : r.kind})`,
    }));
    const present = KIND_ORDER.filter((k) => rects.some((r) => r.kind === k));
    // The root is "key" but no key part: the legend shows "key" only for real ones.
    const legendKinds = present.filter((k) => k !== "key" || rects.some((r) => r.kind === k && r.depth > 0));
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
            color: {
              field: "kind",
              type: "nominal",
              scale: { domain: present, range: present.map((k) => KIND_COLOURS[k]) },
              legend: {
                title: null,
                orient: "bottom",
                direction: "horizontal",
                values: legendKinds,
                labelExpr: "datum.label === 'empty' ? 'no stack' : datum.label + (datum.label === 'key' ? ' part' : ' frame')",
              },
            },
            opacity: { field: "shade", type: "quantitative", scale: null },
            description: { field: "about", type: "nominal" },
            tooltip: [
              { field: "name", type: "nominal", title: "frame" },
              { field: "kind", type: "nominal", title: "kind" },
              ...(rects.some((r) => r.offsets !== "") ? [{ field: "offsets", type: "nominal", title: "offsets" }] : []),
              ...(rects.some((r) => r.module !== "") ? [{ field: "module", type: "nominal", title: "module" }] : []),
              { field: "value", type: "quantitative", title: snap.valueKind },
              { field: "share", type: "quantitative", title: "% of total" },
            ],
          },
        },
        {
          transform: [{ filter: "datum.label !== ''" }],
          mark: { type: "text", align: "left", baseline: "middle", dx: PAD_PX, fontSize: FONT_SIZE, aria: false },
          encoding: { x, y: { ...y, field: "mid" }, text: { field: "label", type: "nominal" } },
        },
      ],
    });
    return { text, vegaLite };
  },
};
