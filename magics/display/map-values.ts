// Snapshot entries as chart and table rows: key labels, key columns, and the one number a
// chart plots for each aggregate.

import type { MapEntry, MapSnapshot, Value } from "../../bpf/types/snapshot.ts";
import { keyText, valueText } from "../../bpf/output/index.ts";

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
export { aggregateNumber as plotValue } from "../../bpf/output/index.ts";

/** The heading of the value column: the aggregation, and the unit where it is known ("sum (bytes)"). */
export function valueTitle(snap: Pick<MapSnapshot, "valueKind" | "unit">): string {
  const kind = snap.valueKind === "value" ? "value" : snap.valueKind;
  return snap.unit !== undefined && kind !== "count" ? `${kind} (${snap.unit})` : kind;
}

/**
 * How many key columns the entries need, and their headings: the key expressions as the
 * program wrote them (`ppid`, `comm`), or "key 1", "key 2" where they are not known.
 */
export function keyColumns(snap: Pick<MapSnapshot, "keyNames">, entries: readonly MapEntry[]): string[] {
  const n = Math.max(1, ...entries.map((e) => keyParts(e).length));
  const names = snap.keyNames;
  if (names && names.length === n && new Set(names).size === n) return [...names];
  return n === 1 ? ["key"] : Array.from({ length: n }, (_, i) => `key ${i + 1}`);
}

/**
 * The scale for values that span more than two decades (a few large bars would leave the
 * rest under a pixel): symlog (zero stays zero, so bars keep their base), with ticks at the
 * powers of ten, each labelled on its own (vega's shared SI prefix would print 1 as "0k");
 * undefined for a linear scale.
 */
export function skewedScale(values: readonly number[]): { readonly scale: { readonly type: "symlog" }; readonly axis: Record<string, unknown> } | undefined {
  const positive = values.filter((v) => v > 0);
  if (positive.length < 2 || values.some((v) => v < 0)) return undefined;
  const max = Math.max(...positive);
  if (max / Math.min(...positive) <= 100) return undefined;
  const ticks: number[] = [];
  for (let t = 1; t <= max; t *= 10) ticks.push(t);
  return { scale: { type: "symlog" }, axis: { values: ticks, labelExpr: "format(datum.value, '~s')" } };
}
