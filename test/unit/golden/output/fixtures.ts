// Map snapshots shared by the output and display tests, built the way the session builds
// them (bucket arrays indexed as bpftrace's kernel side indexes them).

import { histBucketOf } from "../../../../bpf/output/hist.ts";
import type { Aggregate, HistValue, LhistValue, MapEntry, MapSnapshot, Value } from "../../../../bpf/types/snapshot.ts";

export const int = (v: number | bigint, signed = false): Value => ({ kind: "int", value: BigInt(v), signed });
export const str = (value: string): Value => ({ kind: "str", value });
export const tuple = (...elements: Value[]): Value => ({ kind: "tuple", elements });
export const stack = (...frames: string[]): Value => ({ kind: "stack", frames, user: false });

export function snap(name: string, valueKind: Aggregate["kind"], entries: MapEntry[], keyed = true): MapSnapshot {
  return { name, valueKind, keyed, entries };
}

export const scalar = (name: string, value: Aggregate): MapSnapshot =>
  snap(name, value.kind, [{ key: [], value }], false);

export const count = (v: number | bigint): Aggregate => ({ kind: "count", value: BigInt(v) });

/** hist() after recording each of `values`, as bpftrace's hist(v, bits) would. */
export function hist(values: readonly (number | bigint)[], bits = 0): HistValue {
  const buckets: bigint[] = [];
  for (const v of values) {
    const i = histBucketOf(BigInt(v), bits);
    while (buckets.length <= i) buckets.push(0n);
    buckets[i] = (buckets[i] ?? 0n) + 1n;
  }
  return bits ? { kind: "hist", buckets, bits } : { kind: "hist", buckets };
}

/** lhist(v, min, max, step) after recording each of `values` (bpftrace's linear bucketing). */
export function lhist(values: readonly number[], min: number, max: number, step: number): LhistValue {
  const n = Math.floor((max - min) / step);
  const buckets: bigint[] = Array.from({ length: n + 2 }, () => 0n);
  for (const v of values) {
    const i = v < min ? 0 : v >= max ? n + 1 : Math.floor((v - min) / step) + 1;
    buckets[i] = (buckets[i] ?? 0n) + 1n;
  }
  return { kind: "lhist", min: BigInt(min), max: BigInt(max), step: BigInt(step), buckets };
}

export const stats = (values: readonly number[], kind: "avg" | "stats" = "stats"): Aggregate => ({
  kind,
  count: BigInt(values.length),
  total: values.reduce((a, b) => a + BigInt(b), 0n),
});
