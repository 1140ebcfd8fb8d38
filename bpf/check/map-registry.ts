// The notebook's map registry: what every `@map` is, across cells.
//
// Maps are notebook-global by name (DESIGN.md). The first cell that writes `@x` fixes its
// kind (count, hist, plain value, ...) and its key and value types; a later cell that uses
// `@x` in a conflicting way gets a TypeError naming that cell. Integer widths and string
// sizes may grow only where the kernel map has not been created yet.
import { type Type, sizeOf, tupleLayout, typeName, compatible } from "../types/types.ts";

export type MapValueKind = "value" | "count" | "sum" | "min" | "max" | "avg" | "stats" | "hist" | "lhist";

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
  /** Type of a plain value (valueKind "value"); int64 for the aggregations. */
  readonly valueType: Type;
  readonly lhist?: LhistParams;
  /** hist(n, k): 2^k linear sub-buckets per power of two (k = 0 is bpftrace's default). */
  readonly histK?: number;
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

/** Size of the kernel key: key parts as a C struct, plus a u64 bucket for hist/lhist. */
export function keyLayout(info: MapInfo): { offsets: number[]; size: number; bucketOffset: number | undefined } {
  if (info.keyTypes.length === 0 && info.valueKind !== "hist" && info.valueKind !== "lhist") {
    return { offsets: [], size: 8, bucketOffset: undefined };
  }
  const parts = [...info.keyTypes];
  const hasBucket = info.valueKind === "hist" || info.valueKind === "lhist";
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
  }
}

export function describeMap(info: MapInfo): string {
  const keys = info.keyTypes.length ? `[${info.keyTypes.map(typeName).join(", ")}]` : "";
  const kind = info.valueKind === "value" ? typeName(info.valueType) : `${info.valueKind}()`;
  return `${info.name}${keys} = ${kind}`;
}

/** Checks that `next` (a use in a new cell) agrees with `prev`; returns a message or null. */
export function conflict(prev: MapInfo, next: MapInfo): string | null {
  if (prev.valueKind !== next.valueKind) {
    return `${next.name} is ${describeMap(prev)} (defined in ${prev.origin}); it cannot also be ${describeMap(next)}`;
  }
  if (prev.keyTypes.length !== next.keyTypes.length) {
    return `${next.name} has ${prev.keyTypes.length} key(s) (defined in ${prev.origin}), not ${next.keyTypes.length}`;
  }
  for (let i = 0; i < prev.keyTypes.length; i++) {
    if (!compatible(prev.keyTypes[i]!, next.keyTypes[i]!)) {
      return `${next.name} key ${i + 1} is ${typeName(prev.keyTypes[i]!)} (defined in ${prev.origin}), not ${typeName(next.keyTypes[i]!)}`;
    }
  }
  if (prev.valueKind === "value" && !compatible(prev.valueType, next.valueType)) {
    return `${next.name} holds ${typeName(prev.valueType)} (defined in ${prev.origin}), not ${typeName(next.valueType)}`;
  }
  if (prev.valueKind === "lhist" && prev.lhist && next.lhist) {
    const a = prev.lhist;
    const b = next.lhist;
    if (a.min !== b.min || a.max !== b.max || a.step !== b.step) {
      return `${next.name} is lhist(${a.min}, ${a.max}, ${a.step}) (defined in ${prev.origin})`;
    }
  }
  return null;
}

/** The session's registry. Compile reads it; the runtime adds to it once a program loads. */
export class MapRegistry {
  readonly #maps = new Map<string, MapInfo>();

  get(name: string): MapInfo | undefined {
    return this.#maps.get(name);
  }

  set(info: MapInfo): void {
    this.#maps.set(info.name, info);
  }

  delete(name: string): void {
    this.#maps.delete(name);
  }

  names(): string[] {
    return [...this.#maps.keys()].sort();
  }

  all(): MapInfo[] {
    return [...this.#maps.values()];
  }
}
