// What a user map is, as every pass sees it: its value kind (a plain value or the
// aggregation that fills it), its key and value types, and the kernel layout they give
// (key struct, per-CPU value size). The notebook's registry of them is
// bpf/check/map-registry.ts.
import { type Type, sizeOf, tupleLayout, typeName } from "./types.ts";

export type MapValueKind = "value" | "count" | "sum" | "min" | "max" | "avg" | "stats" | "hist" | "lhist" | "tseries";

/** How tseries() folds the values of one interval: the last one (none), or their avg/max/min/sum. */
export type TSeriesAgg = "none" | "avg" | "max" | "min" | "sum";

export interface TSeriesParams {
  readonly intervalNs: bigint;
  readonly numIntervals: bigint;
  readonly agg: TSeriesAgg;
}

export interface LhistParams {
  readonly min: bigint;
  readonly max: bigint;
  readonly step: bigint;
}

export interface MapInfo {
  readonly name: string; // with the '@'
  readonly valueKind: MapValueKind;
  /** Key parts; empty for a scalar map (stored under the u64 key 0). */
  readonly keyTypes: readonly Type[];
  /**
   * bpftrace's key types where they differ from keyTypes, for its messages: integers at
   * their own width (a literal 1 is int8), the widest write, not widened to 64 bits.
   */
  readonly keyTypesWritten?: readonly Type[];
  /** Type of a plain value (valueKind "value"); int64 for the aggregations. */
  readonly valueType: Type;
  readonly lhist?: LhistParams;
  /** hist(n, k): 2^k linear sub-buckets per power of two (k = 0 is bpftrace's default). */
  readonly histK?: number;
  /** tseries(n, interval, count[, agg]); valueType is then the type of n (its sign matters). */
  readonly tseries?: TSeriesParams;
  /** `let @m = lruhash(N)` etc. */
  readonly declaredType?: string;
  readonly maxEntries: number;
  /** Where the map was first defined, e.g. "cell[3]" or "stdin". */
  readonly origin: string;
  /** The key expressions as first written (`@[ppid, comm]`): chart and table headings. */
  readonly keyNames?: readonly string[];
  /** The value's unit where the program makes it plain ("ns", "µs", "bytes"). */
  readonly unit?: string;
}

/** bpftrace's default map size (BPFTRACE_MAX_MAP_KEYS). */
export const DEFAULT_MAX_ENTRIES = 4096;

export function isPerCpu(info: MapInfo): boolean {
  return info.valueKind !== "value";
}

/** Maps whose kernel key ends in a u64 bucket: hist/lhist (the value's bucket), tseries (the interval's). */
export function isBucketed(info: Pick<MapInfo, "valueKind">): boolean {
  return info.valueKind === "hist" || info.valueKind === "lhist" || info.valueKind === "tseries";
}

/** Size of the kernel key: key parts as a C struct, plus a u64 bucket for hist/lhist/tseries. */
export function keyLayout(info: MapInfo): { offsets: number[]; size: number; bucketOffset: number | undefined } {
  const hasBucket = isBucketed(info);
  if (info.keyTypes.length === 0 && !hasBucket) {
    return { offsets: [], size: 8, bucketOffset: undefined };
  }
  const parts = [...info.keyTypes];
  if (hasBucket) parts.push({ k: "int", bits: 64, signed: false });
  const { offsets, size } = tupleLayout(parts);
  const bucketOffset = hasBucket ? offsets.pop() : undefined;
  return { offsets, size: Math.max(size, 1), bucketOffset };
}

/**
 * The type of `$kv` in `for ($kv : @m)`: (key, value), the key a tuple for a multi-key
 * map (u64 for a scalar map), the value int64 for count/sum/min/max/avg.
 */
export function entryType(info: Pick<MapInfo, "keyTypes" | "valueKind" | "valueType">): Type {
  const n = info.keyTypes.length;
  const key: Type = n === 1 ? info.keyTypes[0]! : n === 0 ? { k: "int", bits: 64, signed: false } : { k: "tuple", elements: info.keyTypes };
  const value: Type = info.valueKind === "value" ? info.valueType : { k: "int", bits: 64, signed: true };
  return { k: "tuple", elements: [key, value] };
}

/** Size of one value (per CPU for per-CPU maps). */
export function valueSize(info: MapInfo): number {
  switch (info.valueKind) {
    case "value":
      return Math.max(1, sizeOf(info.valueType));
    case "count":
    case "sum":
    case "hist":
    case "lhist":
      return 8;
    case "min":
    case "max":
    case "avg":
    case "stats":
      return 16; // min/max: {value, is_set}; avg/stats: {total, count}
    case "tseries":
      return 24; // {value, meta, epoch} (bpftrace's tseries_data)
  }
}

export function describeMap(info: MapInfo): string {
  const keys = info.keyTypes.length ? `[${info.keyTypes.map(typeName).join(", ")}]` : "";
  const kind = info.valueKind === "value" ? typeName(info.valueType) : `${info.valueKind}()`;
  return `${info.name}${keys} = ${kind}`;
}
