// Snapshot entries as chart and table rows: key labels, key columns, and the one number a
// chart plots for each aggregate.

import type { Aggregate, MapEntry, MapSnapshot, Value } from "../../bpf/maps/snapshot.ts";
import { average, bucketTotal, keyText, valueText } from "../../bpf/output/index.ts";

/** The key parts (a single tuple key is its elements, as bpftrace prints it). */
export function keyParts(e: MapEntry): readonly Value[] {
  const only = e.key.length === 1 ? e.key[0] : undefined;
  return only?.kind === "tuple" ? only.elements : e.key;
}

/** One key part as a table cell: stacks as their frames, outermost first, joined by ';'. */
export function keyCell(v: Value): string {
  return v.kind === "stack" ? [...v.frames].reverse().join(";") : valueText(v);
}

/** The label of an entry in a chart: bpftrace's key text, or the map name for a scalar. */
export function entryLabel(snap: MapSnapshot, e: MapEntry): string {
  return e.key.length > 0 ? keyText(e.key) : snap.name;
}

/** The number a chart plots: the value, the average, or a histogram's total count. */
export function plotValue(v: Aggregate): bigint | undefined {
  switch (v.kind) {
    case "count":
    case "sum":
    case "min":
    case "max":
      return v.value;
    case "avg":
    case "stats":
      return average(v.count, v.total);
    case "hist":
    case "lhist":
      return bucketTotal(v.buckets);
    case "value":
      return v.value.kind === "int" ? v.value.value : undefined;
  }
}

/** The heading of the value column for a map of this kind. */
export function valueTitle(kind: Aggregate["kind"]): string {
  return kind === "value" ? "value" : kind;
}

/** How many key columns the entries need, and their headings. */
export function keyColumns(entries: readonly MapEntry[]): string[] {
  const n = Math.max(1, ...entries.map((e) => keyParts(e).length));
  return n === 1 ? ["key"] : Array.from({ length: n }, (_, i) => `key ${i + 1}`);
}
