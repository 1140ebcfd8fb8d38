// A map's rows as %%ts cells get them (tb.map("@m")), and their TypeScript type, from the
// same rules: the runtime shape (rows) and the declaration the cells are checked against
// (mapRowType) must agree, so they live together. Types come from the checker's MapInfo;
// a map known only from a recording (replay) is typed from its recorded values.
import type { MapInfo } from "../bpf/types/map-info.ts";
import type { Type } from "../bpf/types/types.ts";
import type { MapSnapshot, Value } from "../bpf/types/snapshot.ts";
import { aggregateNumber, valueText } from "../bpf/output/index.ts";

/** A Value as a plain JS value: integers as numbers, stacks as their frames, the rest as bpftrace prints it. */
function plain(v: Value): unknown {
  switch (v.kind) {
    case "int": return Number(v.value);
    case "bool": return v.value;
    case "str": return v.value;
    case "tuple": return v.elements.map(plain);
    case "array": return v.elements.map(plain);
    case "record": return Object.fromEntries(v.fields.map((f) => [f.name, plain(f.value)]));
    case "stack": return v.frames;
    default: return valueText(v);
  }
}

/** Rows of a map: {key, value} with plain JS values; hist buckets as arrays. */
export function rows(snap: MapSnapshot): { key: unknown; value: unknown }[] {
  return snap.entries.map((e) => {
    const key = e.key.length === 0 ? null : e.key.length === 1 ? plain(e.key[0]!) : e.key.map(plain);
    const a = e.value;
    let value: unknown;
    if (a.kind === "value") value = plain(a.value);
    else if (a.kind === "stats") value = { count: Number(a.count), total: Number(a.total), average: Number(aggregateNumber(a)) };
    else if (a.kind === "hist" || a.kind === "lhist") value = a.buckets.map(Number);
    // an interval's start in milliseconds since the epoch (Date-ready) and its value
    else if (a.kind === "tseries") value = a.points.filter((p) => p.epoch > 0n).map((p) => ({ t: Number((p.epoch * a.intervalNs) / 1_000_000n), value: Number(p.value) }));
    else value = Number(aggregateNumber(a));
    return { key, value };
  });
}

const ident = /^[A-Za-z_$][\w$]*$/;
const prop = (name: string) => (ident.test(name) ? name : JSON.stringify(name));

/** The TypeScript type of a value of checker type `t`, as plain() makes it. */
export function tsType(t: Type): string {
  switch (t.k) {
    case "int":
      return "number";
    case "bool":
      return "boolean";
    case "string":
    case "buffer":
    case "sym":
    case "ptr":
      return "string";
    case "stack":
      return "string[]";
    case "tuple":
      return `[${t.elements.map(tsType).join(", ")}]`;
    case "array":
      return `${wrap(tsType(t.element))}[]`;
    case "record":
      return t.fields?.length ? `{ ${t.fields.map((f) => `${prop(f.name)}: ${tsType(f.type)}`).join("; ")} }` : "Record<string, unknown>";
    default:
      return "string";
  }
}

const wrap = (s: string) => (/[|&]/.test(s) ? `(${s})` : s);

/** The type of a recorded value (a map known only from a notebook's recording). */
function tsTypeOfValue(v: Value): string {
  switch (v.kind) {
    case "int": return "number";
    case "bool": return "boolean";
    case "str": return "string";
    case "stack": return "string[]";
    case "tuple": return `[${v.elements.map(tsTypeOfValue).join(", ")}]`;
    case "array": return `${v.elements[0] ? wrap(tsTypeOfValue(v.elements[0])) : "unknown"}[]`;
    case "record": return `{ ${v.fields.map((f) => `${prop(f.name)}: ${tsTypeOfValue(f.value)}`).join("; ")} }`;
    default: return "string";
  }
}

function aggregateType(kind: MapSnapshot["valueKind"], value: () => string): string {
  switch (kind) {
    case "value": return value();
    case "stats": return "{ count: number; total: number; average: number }";
    case "hist":
    case "lhist": return "number[]";
    case "tseries": return "{ t: number; value: number }[]";
    default: return "number";
  }
}

const keyType = (parts: readonly string[]) => (parts.length === 0 ? "null" : parts.length === 1 ? parts[0]! : `[${parts.join(", ")}]`);

/** `MapRow<K, V>` for a map the checker knows. */
export function mapRowType(info: MapInfo): string {
  return `MapRow<${keyType(info.keyTypes.map(tsType))}, ${aggregateType(info.valueKind, () => tsType(info.valueType))}>`;
}

/** `MapRow<K, V>` for a recorded map, from its first entry. */
export function recordedRowType(snap: MapSnapshot): string {
  const first = snap.entries[0];
  if (!first) return "MapRow";
  const v = first.value;
  return `MapRow<${keyType(first.key.map(tsTypeOfValue))}, ${aggregateType(snap.valueKind, () => (v.kind === "value" ? tsTypeOfValue(v.value) : "number"))}>`;
}

/** The `interface TbMaps { ... }` that types tb.map for this notebook's maps. */
export function tbMapsDeclaration(infos: readonly MapInfo[], recorded: readonly MapSnapshot[]): string {
  const lines = new Map<string, string>();
  for (const s of recorded) lines.set(s.name, recordedRowType(s));
  for (const i of infos) lines.set(i.name, mapRowType(i));
  const body = [...lines].sort(([a], [b]) => a.localeCompare(b)).map(([name, t]) => `  ${JSON.stringify(name)}: ${t};`);
  return `interface TbMaps {\n${body.join("\n")}${body.length ? "\n" : ""}}\n`;
}
