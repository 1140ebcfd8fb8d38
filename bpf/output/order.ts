// The order bpftrace prints map entries in, and print(@m, top)'s cut (v0.23
// BPFtrace::print_map / print_map_hist / sort_by_key, Output::map_*_contents).
//
//   count, sum, integer values   by value ascending (signed or unsigned as the type is)
//   min, max                     by value ascending, compared as uint64 (even when signed)
//   avg, stats                   by the integer average ascending
//   hist, lhist                  by the total of all buckets ascending
//   other values (strings, ...)  by key: ints as unsigned, strings bytewise, others as read
//
// bpftrace's value sorts are std::sort over the kernel's iteration order, so ties come out
// in no defined order; ours are stable (snapshot order), and hist ties fall back to key
// order as bpftrace's std::map of keys gives them for small maps.

import type { Aggregate, MapEntry, MapSnapshot, Value } from "../types/snapshot.ts";

const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const I64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** total / count as bpftrace's stats_value computes it (0 for an empty aggregate). */
export function average(count: bigint, total: bigint): bigint {
  return count === 0n ? 0n : total / count;
}

/** The sum of a histogram's buckets. */
export function bucketTotal(buckets: readonly bigint[]): bigint {
  let s = 0n;
  for (const b of buckets) s += b;
  return s;
}

const encoder = new TextEncoder();

/** strncmp over the UTF-8 bytes, as bpftrace compares string keys. */
function compareStrings(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** One key part compared as sort_by_key does; undefined when bpftrace leaves it unsorted. */
function comparePart(a: Value | undefined, b: Value | undefined): number | undefined {
  if (a?.kind === "int" && b?.kind === "int") return cmp(U64(a.value), U64(b.value));
  if (a?.kind === "str" && b?.kind === "str") return compareStrings(a.value, b.value);
  return undefined;
}

/** Key parts; a single tuple key is its elements, as bpftrace keys several parts by a tuple. */
function keyParts(key: readonly Value[]): readonly Value[] {
  const only = key.length === 1 ? key[0] : undefined;
  return only?.kind === "tuple" ? only.elements : key;
}

/** Compares keys field by field, first field first (bpftrace: stable sorts, last field first). */
export function compareKeys(a: readonly Value[], b: readonly Value[]): number {
  const x = keyParts(a);
  const y = keyParts(b);
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = comparePart(x[i], y[i]);
    if (d !== undefined && d !== 0) return d;
  }
  return 0;
}

/**
 * The one number of a map value: the value of count/sum/min/max, the integer average of
 * avg/stats, the total of a histogram's buckets, an integer value; undefined for others.
 * Sorting, charts and %%ts rows all read a value as this number.
 */
export function aggregateNumber(v: Aggregate): bigint | undefined {
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

/** The number an entry is sorted by, or undefined when the map is sorted by key. */
function sortValue(agg: Aggregate, intValues: boolean): bigint | undefined {
  if (agg.kind === "value" && !intValues) return undefined;
  const n = aggregateNumber(agg);
  if (n === undefined) return undefined;
  // bpftrace compares min and max as uint64, even when they are signed
  if (agg.kind === "min" || agg.kind === "max") return U64(n);
  if (agg.kind === "value" && agg.value.kind === "int") return agg.value.signed ? I64(n) : U64(n);
  return n;
}

/** The entries of `snap` in the order bpftrace prints them. */
export function orderEntries(snap: MapSnapshot): MapEntry[] {
  const entries = [...snap.entries];
  const intValues = entries.every((e) => e.value.kind !== "value" || e.value.value.kind === "int");
  const byValue = entries.every((e) => sortValue(e.value, intValues) !== undefined);
  if (snap.valueKind === "hist" || snap.valueKind === "lhist") {
    entries.sort((a, b) => compareKeys(a.key, b.key));
  }
  if (byValue) {
    const keyed = entries.map((e, i) => ({ e, i, v: sortValue(e.value, intValues) ?? 0n }));
    keyed.sort((a, b) => cmp(a.v, b.v) || a.i - b.i);
    return keyed.map((k) => k.e);
  }
  return entries.sort((a, b) => compareKeys(a.key, b.key));
}

/**
 * print(@m, top): the last `top` entries of the printed order (the largest). bpftrace
 * ignores `top` for stats() maps (Output::map_stats_contents applies it to avg only).
 */
export function takeTop(entries: readonly MapEntry[], kind: Aggregate["kind"], top?: number): readonly MapEntry[] {
  if (!top || top <= 0 || kind === "stats" || entries.length <= top) return entries;
  return entries.slice(entries.length - top);
}
