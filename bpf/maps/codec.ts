// Key/value codecs: kernel bytes of a user map → a MapSnapshot, per the map's checked
// types (bpf/check/map-registry.ts). Per-CPU values arrive as one 8-byte-aligned copy per
// possible CPU and are combined here (count/sum/hist add; min/max take the set extreme).
import { type MapInfo, keyLayout, valueSize, isPerCpu } from "../check/map-registry.ts";
import { type StackMode, type Type, STACK_DEPTH, sizeOf, tupleLayout } from "../types/types.ts";
import { formatBootTimestamp } from "../runtime/strftime.ts";
import { inetText, macText } from "./value-format.ts";
import type { Aggregate, MapEntry, MapSnapshot, Value } from "./snapshot.ts";

export interface StackOptions {
  readonly pid?: number;
  readonly mode?: StackMode;
  readonly depth?: number;
}

export interface Symbolizer {
  /**
   * Frames of a stack id from the stack map (innermost first), formatted like bpftrace
   * for `mode`: "func+off" (bpftrace), "addr func+off (module)" (perf), "addr" (raw).
   * User stacks come with the pid whose address space they belong to; `depth` names the
   * stack map of kstack(n)/ustack(n).
   */
  stack(id: bigint, user: boolean, opts?: StackOptions): string[];
  /** The symbol name of an address (ksym, or usym in process `pid`), hex when unknown. */
  symbol(addr: bigint, user: boolean, pid?: number): string;
  /** `username`: the name of a uid (from /etc/passwd), or undefined when it has none. */
  userName?(uid: number): string | undefined;
  /** cgroup_path(): the cgroup's paths in the mounted hierarchies whose name matches `filter`. */
  cgroupPath?(id: bigint, filter?: string): string;
  /** CLOCK_REALTIME - CLOCK_BOOTTIME in ns, to print strftime() timestamps. */
  realtimeAtBoot?(): bigint;
  /** Read process `pid`'s memory map now, while it runs (its stacks print later). */
  prime?(pid: number): void;
  /** Forget the per-process state (nothing refers to those stacks any more). */
  forgetProcesses?(): void;
}

const NO_SYMBOLS: Symbolizer = {
  stack: (id) => [`<stack ${id}>`],
  symbol: (addr) => `0x${addr.toString(16)}`,
};

/** Without a clock source: realtime minus monotonic time (equal to boot time while never suspended). */
function approximateRealtimeAtBoot(): bigint {
  return BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
}

let viewBuffer: ArrayBufferLike | undefined;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/**
 * A DataView over the whole buffer under `b`, made once per buffer: a map read-out decodes
 * its entries as views into a few large batch pages, and a DataView per read was most of
 * the time it took.
 */
function viewOf(b: Uint8Array): DataView {
  if (b.buffer !== viewBuffer) {
    viewBuffer = b.buffer;
    view = new DataView(b.buffer);
  }
  return view;
}

function readInt(b: Uint8Array, at: number, bytes: number, signed: boolean): bigint {
  if (at < 0 || at + bytes > b.byteLength) throw new RangeError(`offset ${at} + ${bytes} is outside the ${b.byteLength}-byte value`);
  const dv = viewOf(b);
  const off = b.byteOffset + at;
  switch (bytes) {
    case 1: return BigInt(signed ? dv.getInt8(off) : dv.getUint8(off));
    case 2: return BigInt(signed ? dv.getInt16(off, true) : dv.getUint16(off, true));
    case 4: return BigInt(signed ? dv.getInt32(off, true) : dv.getUint32(off, true));
    default: return signed ? dv.getBigInt64(off, true) : dv.getBigUint64(off, true);
  }
}

export function cString(b: Uint8Array, off: number, size: number): string {
  const slice = b.subarray(off, off + size);
  const end = slice.indexOf(0);
  // decoded in place: no copy of the (up to max_strlen) bytes first
  return Buffer.from(slice.buffer, slice.byteOffset, end < 0 ? slice.byteLength : end).toString("utf8");
}

/** Decode one value of type `t` at `off`. */
export function decodeValue(t: Type, b: Uint8Array, off: number, sym: Symbolizer = NO_SYMBOLS): Value {
  switch (t.k) {
    case "int":
      return { kind: "int", value: readInt(b, off, t.bits / 8, t.signed), signed: t.signed };
    case "bool":
      return { kind: "int", value: BigInt(b[off] ?? 0), signed: false };
    case "string":
      return { kind: "str", value: cString(b, off, t.size) };
    case "buffer":
      return { kind: "buf", bytes: b.slice(off, off + t.size) };
    case "tuple": {
      const { offsets } = tupleLayout(t.elements);
      return { kind: "tuple", elements: t.elements.map((e, i) => decodeValue(e, b, off + offsets[i]!, sym)) };
    }
    case "stack": {
      // A user stack holds the pid in its high 32 bits (bpf/codegen/value-calls.ts).
      const raw = readInt(b, off, 8, true);
      const id = t.user ? BigInt.asIntN(32, raw) : raw;
      const pid = t.user ? Number(BigInt.asUintN(64, raw) >> 32n) : undefined;
      const opts = { ...(pid !== undefined && { pid }), ...(t.mode && { mode: t.mode }), ...(t.limit !== undefined && { depth: t.limit }) };
      let frames = id < 0n ? [] : sym.stack(id, t.user, opts);
      if (t.limit !== undefined) frames = frames.slice(0, t.limit);
      const full = frames.length >= Math.min(t.limit ?? STACK_DEPTH, STACK_DEPTH);
      return { kind: "stack", frames, user: t.user, ...(t.mode && { mode: t.mode }), ...(full && { truncated: true as const }) };
    }
    case "sym": {
      const addr = readInt(b, off, 8, false);
      if (t.table === "cgroup") return { kind: "str", value: sym.cgroupPath?.(addr, t.filter) ?? addr.toString() };
      if (t.table === "username") return { kind: "str", value: sym.userName?.(Number(addr)) ?? addr.toString() };
      const pid = t.user ? Number(readInt(b, off + 8, 8, false)) : undefined;
      return { kind: "text", text: sym.symbol(addr, t.user, pid), origin: t.user ? "usym" : "ksym" };
    }
    case "inet":
      return { kind: "text", text: inetText(Number(readInt(b, off, 8, false)), b.subarray(off + 8, off + 24)), origin: "inet" };
    case "macaddr":
      return { kind: "text", text: macText(b.subarray(off, off + 6)), origin: "mac_address" };
    case "timestamp": {
      const boot = sym.realtimeAtBoot?.() ?? approximateRealtimeAtBoot();
      return { kind: "text", text: formatBootTimestamp(t.format, readInt(b, off, 8, false), boot), origin: "timestamp" };
    }
    case "ptr":
      return { kind: "text", text: `0x${readInt(b, off, 8, false).toString(16)}`, origin: "pointer" };
    case "array": {
      const es = sizeOf(t.element);
      const elements: Value[] = [];
      for (let i = 0; i < t.length; i++) elements.push(decodeValue(t.element, b, off + i * es, sym));
      return { kind: "array", elements };
    }
    case "record":
      return decodeRecord(t, b, off, sym);
    default:
      return { kind: "text", text: "?" };
  }
}

/** A struct value's fields (bitfields shifted and masked; pointers as addresses). */
function decodeRecord(t: Extract<Type, { k: "record" }>, b: Uint8Array, off: number, sym: Symbolizer): Value {
  const fields = (t.fields ?? []).map((f) => {
    if (!f.bits) return { name: f.name, value: decodeValue(f.type, b, off + f.offset, sym) };
    const raw = BigInt.asUintN(f.bits.width, readInt(b, off + f.offset, f.bits.loadSize, false) >> BigInt(f.bits.shift));
    const signed = f.type.k === "int" && f.type.signed;
    return { name: f.name, value: { kind: "int" as const, value: signed ? BigInt.asIntN(f.bits.width, raw) : raw, signed } };
  });
  return { kind: "record", fields };
}

/** Combine the per-CPU copies of one value into an Aggregate. */
export function decodeAggregate(info: MapInfo, value: Uint8Array, cpus: number, sym?: Symbolizer): Aggregate {
  const stride = isPerCpu(info) ? Math.ceil(valueSize(info) / 8) * 8 : 0;
  const copies = isPerCpu(info) ? cpus : 1;
  const at = (cpu: number, field: number) => readInt(value, cpu * stride + field * 8, 8, true);
  switch (info.valueKind) {
    case "value":
      return { kind: "value", value: decodeValue(info.valueType, value, 0, sym) };
    case "count":
    case "sum":
    case "hist":
    case "lhist": {
      let total = 0n;
      for (let c = 0; c < copies; c++) total += at(c, 0);
      if (info.valueKind === "count") total = BigInt.asUintN(64, total);
      return { kind: info.valueKind === "sum" ? "sum" : "count", value: total };
    }
    case "min":
    case "max": {
      let best: bigint | undefined;
      for (let c = 0; c < copies; c++) {
        if (at(c, 1) === 0n) continue;
        const v = at(c, 0);
        if (best === undefined || (info.valueKind === "min" ? v < best : v > best)) best = v;
      }
      return { kind: info.valueKind, value: best ?? 0n };
    }
    case "avg":
    case "stats": {
      let total = 0n;
      let count = 0n;
      for (let c = 0; c < copies; c++) {
        total += at(c, 0);
        count += at(c, 1);
      }
      return { kind: info.valueKind, count, total };
    }
  }
}

/** Raw map entries (key bytes, value bytes for all CPUs) → a snapshot. */
export function decodeMap(
  info: MapInfo,
  entries: Iterable<{ key: Uint8Array; value: Uint8Array }>,
  cpus: number,
  sym?: Symbolizer,
): MapSnapshot {
  const layout = keyLayout(info);
  const decodeKey = (k: Uint8Array): Value[] => info.keyTypes.map((t, i) => decodeValue(t, k, layout.offsets[i]!, sym));
  const out: MapEntry[] = [];
  if (info.valueKind === "hist" || info.valueKind === "lhist") {
    const groups = new Map<string, { key: Value[]; buckets: bigint[] }>();
    for (const { key, value } of entries) {
      const bucket = Number(readInt(key, layout.bucketOffset!, 8, false));
      const keyBytes = Buffer.from(key.subarray(0, layout.bucketOffset)).toString("hex");
      let g = groups.get(keyBytes);
      if (!g) {
        g = { key: decodeKey(key), buckets: [] };
        groups.set(keyBytes, g);
      }
      const agg = decodeAggregate(info, value, cpus, sym) as { value: bigint };
      while (g.buckets.length <= bucket) g.buckets.push(0n);
      g.buckets[bucket] = agg.value;
    }
    for (const g of groups.values()) {
      if (info.valueKind === "hist") out.push({ key: g.key, value: { kind: "hist", buckets: g.buckets, ...(info.histK ? { bits: info.histK } : {}) } });
      else {
        const { min, max, step } = info.lhist!;
        out.push({ key: g.key, value: { kind: "lhist", min, max, step, buckets: g.buckets } });
      }
    }
  } else {
    for (const { key, value } of entries) out.push({ key: decodeKey(key), value: decodeAggregate(info, value, cpus, sym) });
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
