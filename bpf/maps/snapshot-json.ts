// A lossless JSON form of MapSnapshot, kept in each map output's metadata.tracebook.snapshot
// so a notebook replays its maps where the kernel cannot trace (DESIGN.md "What a cell
// means"). Compact tagged arrays: bigints as decimal strings, buffers as base64, a plain
// string as itself. Version 1; decoding rejects anything it did not write.
import type { Aggregate, MapSnapshot, TextOrigin, Value } from "../types/snapshot.ts";

/** The snapshot as JSON-safe data (no bigints, no Uint8Array). */
export type SnapshotJson = {
  readonly v: 1;
  readonly name: string;
  readonly valueKind: Aggregate["kind"];
  readonly keyed: boolean;
  readonly entries: readonly (readonly [readonly unknown[], unknown])[];
  readonly keyNames?: readonly string[];
  readonly unit?: string;
};

const n = (b: bigint): string => b.toString();

function encValue(v: Value): unknown {
  switch (v.kind) {
    case "int": return [v.signed ? "s" : "i", n(v.value), ...(v.symbol !== undefined ? [v.symbol] : [])];
    case "bool": return ["B", v.value ? 1 : 0];
    case "str": return v.value;
    case "stack": return ["k", v.frames, v.user ? 1 : 0, ...(v.mode ? [v.mode] : [])];
    case "tuple": return ["t", v.elements.map(encValue)];
    case "record": return ["r", v.fields.map((f) => [f.name, encValue(f.value)])];
    case "array": return ["a", v.elements.map(encValue)];
    case "buf": return ["b", Buffer.from(v.bytes).toString("base64")];
    case "text": return ["x", v.text, ...(v.origin ? [v.origin] : [])];
  }
}

function encAggregate(a: Aggregate): unknown {
  switch (a.kind) {
    case "value": return ["value", encValue(a.value)];
    case "count": case "sum": case "min": case "max": return [a.kind, n(a.value)];
    case "avg": case "stats": return [a.kind, n(a.count), n(a.total)];
    case "hist": return ["hist", a.buckets.map(n), ...(a.bits !== undefined ? [a.bits] : [])];
    case "lhist": return ["lhist", n(a.min), n(a.max), n(a.step), a.buckets.map(n)];
    case "tseries": return ["tseries", n(a.intervalNs), n(a.numIntervals), a.points.map((p) => [n(p.epoch), n(p.value)]), a.signed];
  }
}

export function snapshotToJson(s: MapSnapshot): SnapshotJson {
  return {
    v: 1,
    name: s.name,
    valueKind: s.valueKind,
    keyed: s.keyed,
    entries: s.entries.map((e) => [e.key.map(encValue), encAggregate(e.value)] as const),
    ...(s.keyNames && { keyNames: [...s.keyNames] }),
    ...(s.unit !== undefined && { unit: s.unit }),
  };
}

function bad(what: string, x: unknown): never {
  throw new Error(`snapshot json: bad ${what}: ${JSON.stringify(x)?.slice(0, 80)}`);
}

function big(x: unknown): bigint {
  if (typeof x !== "string" || !/^-?\d+$/.test(x)) bad("integer", x);
  return BigInt(x);
}

function arr(x: unknown, what: string): unknown[] {
  if (!Array.isArray(x)) bad(what, x);
  return x;
}

function strs(x: unknown, what: string): string[] {
  const a = arr(x, what);
  if (!a.every((s) => typeof s === "string")) bad(what, x);
  return a as string[];
}

/** A key part or plain value back from its JSON form; throws on data it did not write. */
export function decValue(x: unknown): Value {
  if (typeof x === "string") return { kind: "str", value: x };
  const [tag, a, b, c] = arr(x, "value");
  switch (tag) {
    case "i": case "s": return { kind: "int", value: big(a), signed: tag === "s", ...(typeof b === "string" && { symbol: b }) };
    case "B": return { kind: "bool", value: a === 1 };
    case "k": {
      if (c !== undefined && c !== "bpftrace" && c !== "perf" && c !== "raw") bad("stack mode", c);
      return { kind: "stack", frames: strs(a, "frames"), user: b === 1, ...(c !== undefined && { mode: c }) };
    }
    case "t": return { kind: "tuple", elements: arr(a, "tuple").map(decValue) };
    case "a": return { kind: "array", elements: arr(a, "array").map(decValue) };
    case "r": return {
      kind: "record",
      fields: arr(a, "record").map((f) => {
        const [name, v] = arr(f, "field");
        if (typeof name !== "string") bad("field name", f);
        return { name, value: decValue(v) };
      }),
    };
    case "b": {
      if (typeof a !== "string") bad("buf", x);
      return { kind: "buf", bytes: new Uint8Array(Buffer.from(a, "base64")) };
    }
    case "x": {
      if (typeof a !== "string") bad("text", x);
      return { kind: "text", text: a, ...(typeof b === "string" && { origin: b as TextOrigin }) };
    }
    default: return bad("value", x);
  }
}

/** A map value back from its JSON form; throws on data it did not write. */
export function decAggregate(x: unknown): Aggregate {
  const [kind, a, b, c, d] = arr(x, "aggregate");
  switch (kind) {
    case "value": return { kind, value: decValue(a) };
    case "count": case "sum": case "min": case "max": return { kind, value: big(a) };
    case "avg": case "stats": return { kind, count: big(a), total: big(b) };
    case "hist": {
      if (b !== undefined && typeof b !== "number") bad("hist bits", b);
      return { kind, buckets: arr(a, "buckets").map(big), ...(b !== undefined && { bits: b }) };
    }
    case "lhist": return { kind, min: big(a), max: big(b), step: big(c), buckets: arr(d, "buckets").map(big) };
    case "tseries": {
      const points = arr(c, "points").map((p) => {
        const [epoch, value] = arr(p, "point");
        return { epoch: big(epoch), value: big(value) };
      });
      return { kind, intervalNs: big(a), numIntervals: big(b), signed: d === true, points };
    }
    default: return bad("aggregate", x);
  }
}

const KINDS = new Set(["value", "count", "sum", "min", "max", "avg", "stats", "hist", "lhist", "tseries"]);

/** The snapshot back from its JSON form; throws on data it did not write. */
export function snapshotFromJson(x: unknown): MapSnapshot {
  const o = x as Partial<SnapshotJson> | null;
  if (!o || typeof o !== "object" || o.v !== 1 || typeof o.name !== "string" || typeof o.keyed !== "boolean" || !KINDS.has(o.valueKind as string)) bad("snapshot", x);
  return {
    name: o.name,
    valueKind: o.valueKind!,
    keyed: o.keyed,
    entries: arr(o.entries, "entries").map((e) => {
      const [key, value] = arr(e, "entry");
      return { key: arr(key, "key").map(decValue), value: decAggregate(value) };
    }),
    ...(o.keyNames !== undefined && { keyNames: strs(o.keyNames, "keyNames") }),
    ...(typeof o.unit === "string" && { unit: o.unit }),
  };
}
