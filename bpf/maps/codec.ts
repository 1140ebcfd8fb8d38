// Key/value codecs: kernel bytes of a user map → a MapSnapshot, per the map's checked
// types (bpf/check/map-registry.ts). Per-CPU values arrive as one 8-byte-aligned copy per
// possible CPU and are combined here (count/sum/hist add; min/max take the set extreme).
import { type MapInfo, keyLayout, valueSize, isPerCpu } from "../types/map-info.ts";
import { type Type, DEFAULT_STRLEN, sizeOf, tupleLayout } from "../types/types.ts";
import type { Aggregate, MapEntry, MapSnapshot, Value } from "../types/snapshot.ts";
import { type Symbolizer, readInt, cString } from "../functions/decode.ts";
import { aggregations, decoderOf } from "../functions/index.ts";
import type { Aggregation } from "../functions/row.ts";

const NO_SYMBOLS: Symbolizer = {
  stack: (id) => [`<stack ${id}>`],
  symbol: (addr) => `0x${addr.toString(16)}`,
};

/** The types of the language itself; the others are made by functions, whose rows decode them. */
const LANGUAGE_TYPES: ReadonlySet<Type["k"]> = new Set(["int", "bool", "string", "buffer", "tuple", "ptr", "array", "record", "none"]);

/**
 * Which strings were cut at max_strlen, and what is printed after them. Only str() makes
 * them: below bpftrace's 1024 it keeps max_strlen characters of a longer string and no NUL
 * (bpf/functions/strings.ts), so a string of that size without a NUL was cut. A char array
 * of another size that fills its bytes is whole (bpftrace reads one byte more of those).
 */
export interface StrCut {
  readonly size: number;
  readonly trailer: string;
}

/** The StrCut of a program's settings; undefined when str() cannot cut (max_strlen of 1024 or more). */
export function strCut(settings: { readonly maxStrlen: number; readonly strTruncTrailer: string } | undefined): StrCut | undefined {
  return settings && settings.maxStrlen < DEFAULT_STRLEN ? { size: settings.maxStrlen, trailer: settings.strTruncTrailer } : undefined;
}

/**
 * Decode one value of type `t` at `off`. A string cut at max_strlen (`cut`) gets the
 * trailer after it, as bpftrace's types_format.cpp adds str_trunc_trailer.
 */
export function decodeValue(t: Type, b: Uint8Array, off: number, sym: Symbolizer = NO_SYMBOLS, cut?: StrCut): Value {
  const row = LANGUAGE_TYPES.has(t.k) ? undefined : decoderOf(t);
  if (row) return row.value(t, b, off, sym);
  switch (t.k) {
    case "int": {
      const value = readInt(b, off, t.bits / 8, t.signed);
      // a value of a program-defined enum carries its variant's name, when it has one
      const symbol = t.enum?.variants.find((v) => v.value === value)?.name;
      return { kind: "int", value, signed: t.signed, ...(symbol !== undefined && { symbol }) };
    }
    case "bool":
      return { kind: "bool", value: (b[off] ?? 0) !== 0 };
    case "string": {
      const text = cString(b, off, t.size);
      return { kind: "str", value: cut && t.size === cut.size && b.subarray(off, off + t.size).indexOf(0) < 0 ? text + cut.trailer : text };
    }
    case "buffer":
      return { kind: "buf", bytes: b.slice(off, off + t.size) };
    case "tuple": {
      const { offsets } = tupleLayout(t.elements);
      return { kind: "tuple", elements: t.elements.map((e, i) => decodeValue(e, b, off + offsets[i]!, sym, cut)) };
    }
    case "ptr":
      return { kind: "text", text: `0x${readInt(b, off, 8, false).toString(16)}`, origin: "pointer" };
    case "array": {
      const es = sizeOf(t.element);
      const elements: Value[] = [];
      for (let i = 0; i < t.length; i++) elements.push(decodeValue(t.element, b, off + i * es, sym, cut));
      return { kind: "array", elements };
    }
    case "record":
      return decodeRecord(t, b, off, sym, cut);
    case "none":
      // bpftrace's Primitive for Type::none is std::monostate: null in text and JSON
      return { kind: "text", text: "null", origin: "none" };
    default:
      return { kind: "text", text: "?" };
  }
}

/** A struct value's fields (bitfields shifted and masked; pointers as addresses). */
function decodeRecord(t: Extract<Type, { k: "record" }>, b: Uint8Array, off: number, sym: Symbolizer, cut: StrCut | undefined): Value {
  const fields = (t.fields ?? []).map((f) => {
    if (!f.bits) return { name: f.name, value: decodeValue(f.type, b, off + f.offset, sym, cut) };
    const raw = BigInt.asUintN(f.bits.width, readInt(b, off + f.offset, f.bits.loadSize, false) >> BigInt(f.bits.shift));
    const signed = f.type.k === "int" && f.type.signed;
    return { name: f.name, value: { kind: "int" as const, value: signed ? BigInt.asIntN(f.bits.width, raw) : raw, signed } };
  });
  return { kind: "record", fields };
}

/** Combine the per-CPU copies of one value into an Aggregate. */
export function decodeAggregate(info: MapInfo, value: Uint8Array, cpus: number, sym?: Symbolizer, cut?: StrCut): Aggregate {
  const stride = isPerCpu(info) ? Math.ceil(valueSize(info) / 8) * 8 : 0;
  const copies = isPerCpu(info) ? cpus : 1;
  const at = (cpu: number, field: number) => readInt(value, cpu * stride + field * 8, 8, true);
  if (info.valueKind === "value") return { kind: "value", value: decodeValue(info.valueType, value, 0, sym, cut) };
  return aggregation(info).decode(at, copies, info);
}

/** The row of the aggregation a map holds. */
function aggregation(info: MapInfo): Aggregation {
  const agg = aggregations.get(info.valueKind);
  if (!agg) throw new Error(`internal: ${info.name} holds no known aggregation (${info.valueKind})`);
  return agg;
}

/** Raw map entries (key bytes, value bytes for all CPUs) → a snapshot. */
export function decodeMap(
  info: MapInfo,
  entries: Iterable<{ key: Uint8Array; value: Uint8Array }>,
  cpus: number,
  sym?: Symbolizer,
  cut?: StrCut,
): MapSnapshot {
  const layout = keyLayout(info);
  const decodeKey = (k: Uint8Array): Value[] => info.keyTypes.map((t, i) => decodeValue(t, k, layout.offsets[i]!, sym, cut));
  const out: MapEntry[] = [];
  const histogram = info.valueKind === "value" ? undefined : aggregation(info).buckets;
  if (histogram) {
    const groups = new Map<string, { key: Value[]; parts: Map<number, Aggregate> }>();
    for (const { key, value } of entries) {
      const bucket = Number(readInt(key, layout.bucketOffset!, 8, false));
      const keyBytes = Buffer.from(key.subarray(0, layout.bucketOffset)).toString("hex");
      let g = groups.get(keyBytes);
      if (!g) {
        g = { key: decodeKey(key), parts: new Map() };
        groups.set(keyBytes, g);
      }
      g.parts.set(bucket, decodeAggregate(info, value, cpus, sym, cut));
    }
    for (const g of groups.values()) out.push({ key: g.key, value: histogram(g.parts, info) });
  } else {
    for (const { key, value } of entries) out.push({ key: decodeKey(key), value: decodeAggregate(info, value, cpus, sym, cut) });
  }
  return {
    name: info.name, valueKind: info.valueKind, keyed: info.keyTypes.length > 0, entries: out,
    ...(info.keyNames && info.keyNames.length === info.keyTypes.length && { keyNames: info.keyNames }),
    ...(info.unit !== undefined && { unit: info.unit }),
  };
}

/** Bytes per lookup of a map's value (all CPUs for per-CPU maps). */
export function lookupValueSize(info: MapInfo, cpus: number): number {
  return isPerCpu(info) ? Math.ceil(valueSize(info) / 8) * 8 * cpus : valueSize(info);
}
