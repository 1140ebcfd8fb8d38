// The checker's maps: what each `@map` is, from what the program assigns to it (its value
// kind, key and value types, growing to the widest use), reads of it in expressions, and
// the agreement with the maps of the notebook's earlier cells (check/map-registry.ts).
import type * as A from "../lang/ast.ts";
import { constInt } from "../lang/const-fold.ts";
import { diagnostic } from "../types/diagnostic.ts";
import type { MapInfo } from "../types/map-info.ts";
import { type Type, compatible, inMemory, int, isScalar, none, s64, typeName, u64, unify } from "../types/types.ts";
import { aggregations } from "../functions/index.ts";
import type { Aggregation } from "../functions/row.ts";
import { conflict } from "./map-registry.ts";
import { keyLabel, valueUnit } from "./map-labels.ts";
import { structValueType } from "./record-value.ts";
import { closest } from "../types/suggest.ts";
import type { Checker, MapDraft, ProbeScope } from "./checker.ts";
import { literalType } from "./int-literal.ts";

/** "did you mean @x?" for a map name, among the program's and the notebook's maps. */
export function registryHint(c: Checker, name: string): string[] {
  const names = [...c.maps.keys(), ...(c.opts.registry?.names() ?? [])].filter((n) => n !== name);
  const near = closest(name, names);
  return near ? [`did you mean ${near}?`] : [];
}

/** Where the program first names a map. */
export function firstUse(c: Checker, name: string): A.Span | undefined {
  let found: A.Span | undefined;
  const visit = (n: unknown): void => {
    if (found || !n || typeof n !== "object") return;
    const node = n as { kind?: string; name?: string; span?: A.Span };
    if (node.kind === "MapExpr" && node.name === name) {
      found = node.span;
      return;
    }
    for (const v of Object.values(n)) {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === "object" && "kind" in v) visit(v);
    }
  };
  visit(c.program);
  return found;
}

/** The program's maps against the notebook's: a conflicting use names the cell that defined the map. */
export function checkRegistry(c: Checker): void {
  const reg = c.opts.registry;
  if (!reg) return;
  for (const [name, m] of c.maps) {
    const prev = reg.get(name);
    if (!prev) continue;
    // A read-only use of a registry map adopts its type.
    if (m.valueKind === "value" && m.valueType.k === "none") continue;
    const msg = conflict(prev, m);
    if (msg) {
      const span = firstUse(c, name) ?? c.program.span;
      c.diags.push(diagnostic("TypeError", span, msg));
    }
  }
}

/** Record a write of `@name[keys] = value-of-kind`. */
export function defineMap(c: Checker, e: A.MapExpr, keyTypes: Type[], kind: MapInfo["valueKind"], valueType: Type, extra: Partial<MapInfo> = {}): void {
  c.written.add(e.name);
  const prev = c.maps.get(e.name) ?? (c.opts.registry?.get(e.name) ? { ...c.opts.registry.get(e.name)! } : undefined);
  if (!prev || (prev.valueKind === "value" && prev.valueType.k === "none")) {
    c.maps.set(e.name, {
      name: e.name, valueKind: kind, keyTypes, valueType, maxEntries: prev?.maxEntries ?? c.maxKeys,
      origin: c.opts.origin, declaredType: prev?.declaredType, keyNames: e.keys.map(keyLabel), ...writtenKeys(keyTypes, written.get(e)), ...extra,
    });
    c.changed = true;
    return;
  }
  if (prev.valueKind !== kind) {
    c.err(e.span, `${e.name} was ${prev.valueKind === "value" ? `assigned ${typeName(prev.valueType)}` : `used with ${prev.valueKind}()`}${prev.origin !== c.opts.origin ? ` in ${prev.origin}` : ""}; it cannot also be ${kind === "value" ? typeName(valueType) : `${kind}()`}`);
    return;
  }
  mergeKeys(c, e, prev, keyTypes);
  if (kind === "value") {
    if (!compatible(prev.valueType, valueType)) {
      c.err(e.span, `${e.name} holds ${typeName(prev.valueType)}${prev.origin !== c.opts.origin ? ` (defined in ${prev.origin})` : ""}; cannot assign ${typeName(valueType)}`);
      return;
    }
    const u = unify(prev.valueType, valueType);
    if (typeName(u) !== typeName(prev.valueType)) {
      prev.valueType = u;
      c.changed = true;
    }
  }
  if (!c.maps.has(e.name)) c.maps.set(e.name, prev);
}

function mergeKeys(c: Checker, e: A.MapExpr, prev: MapDraft, keyTypes: Type[]): void {
  // A map of another cell is named by its cell, so the user knows where to look.
  const where = (origin: string) => (origin !== c.opts.origin ? `in ${origin}` : "elsewhere");
  if (prev.keyTypes.length !== keyTypes.length) {
    c.err(e.span, `${e.name} has ${prev.keyTypes.length} key${prev.keyTypes.length === 1 ? "" : "s"} ${where(prev.origin)}, ${keyTypes.length} here`);
    return;
  }
  const merged = prev.keyTypes.map((k, i) => {
    const n = keyTypes[i]!;
    if (!compatible(k, n)) {
      c.err(e.keys[i]?.span ?? e.span, `${e.name} key ${i + 1} is ${typeName(k)} ${where(prev.origin)}, ${typeName(n)} here`);
      return k;
    }
    return unify(k, n);
  });
  if (merged.map(typeName).join() !== prev.keyTypes.map(typeName).join()) {
    prev.keyTypes = merged;
    c.changed = true;
  }
  const raw = written.get(e);
  if (!raw || raw.length !== merged.length) return;
  const before = prev.keyTypesWritten ?? prev.keyTypes;
  const wider = writtenKeys(merged, before.map((k, i) => (compatible(k, raw[i]!) ? unify(k, raw[i]!) : k))).keyTypesWritten;
  if ((wider ?? merged).map(typeName).join() !== before.map(typeName).join()) {
    prev.keyTypesWritten = wider;
    c.changed = true;
  }
}

/** The types of `@m[keys]`'s keys (a tuple variable is its elements). */
export function mapKeyTypes(c: Checker, e: A.MapExpr, s: ProbeScope): Type[] {
  const types = e.keys.map((k) => {
    let t = c.expr(k, s);
    // a struct key is its bytes, copied as a struct value is (record-value.ts)
    if (t.k === "record" || (t.k === "ptr" && t.byValue)) s.types.set(k, (t = structValueType(t, c.btf(), c.strlen, c.cstructs)));
    if (t.k === "none" || (t.k === "record" && inMemory(t))) c.err(k.span, `a map key cannot be ${typeName(t)}`);
    return t;
  });
  written.set(e, asKeyParts(types.map((t, i) => tupleElement(e.keys[i]!, t))));
  return asKeyParts(types.map(keyNormal));
}

/** `@m[$t]` with a tuple $t is `@m[$t.0, $t.1, ...]` (language.md, Map Keys). */
function asKeyParts(types: Type[]): Type[] {
  const only = types.length === 1 ? types[0]! : undefined;
  return only?.k === "tuple" && only.elements.length > 1 ? [...only.elements] : types;
}

/** The key types of each `@m[keys]` before keyNormal: what bpftrace's messages name (MapInfo.keyTypesWritten). */
const written = new WeakMap<A.MapExpr, Type[]>();

/** keyTypesWritten for a map whose keys are `normal`, from the written types (undefined when the same). */
function writtenKeys(normal: readonly Type[], raw: readonly Type[] | undefined): { keyTypesWritten?: readonly Type[] } {
  if (!raw || raw.length !== normal.length || raw.map(typeName).join() === normal.map(typeName).join()) return {};
  return { keyTypesWritten: raw };
}

/** A map read in an expression. */
export function readMap(c: Checker, e: A.MapExpr, s: ProbeScope): Type {
  const keyTypes = mapKeyTypes(c, e, s);
  const m = c.maps.get(e.name) ?? adoptFromRegistry(c, e.name);
  if (!m) {
    // Not written (yet): later passes may learn its type.
    c.maps.set(e.name, { name: e.name, valueKind: "value", keyTypes, valueType: none, maxEntries: c.maxKeys, origin: c.opts.origin });
    c.changed = true;
    return u64;
  }
  if (m.valueType.k === "none" && m.valueKind === "value") {
    if (m.keyTypes.length === 0 && keyTypes.length) m.keyTypes = keyTypes;
    return u64;
  }
  if (keyTypes.length !== m.keyTypes.length) {
    c.err(e.span, `${e.name} has ${m.keyTypes.length} key${m.keyTypes.length === 1 ? "" : "s"}, not ${keyTypes.length}`);
  } else {
    keyTypes.forEach((k, i) => {
      const want = m.keyTypes[i]!;
      if (compatible(want, k)) return;
      const named = want.k === "sym" && want.table ? [`its keys are numbers that print as names (${want.table}); look them up by number`] : [];
      c.err(e.keys[i]?.span ?? e.span, `${e.name} key ${i + 1} is ${typeName(want)}, not ${typeName(k)}`, named);
    });
  }
  if (m.valueKind === "value") return m.valueType;
  const readAs = aggregations.get(m.valueKind)?.readAs;
  if (readAs) return readAs;
  c.err(e.span, `${e.name} is a ${m.valueKind}() map: it can be printed, not read as a value`);
  return u64;
}

/** A map of an earlier cell, used here: a copy of the notebook's entry. */
export function adoptFromRegistry(c: Checker, name: string): MapDraft | undefined {
  const r = c.opts.registry?.get(name);
  if (!r) return undefined;
  const copy: MapDraft = { ...r };
  c.maps.set(name, copy);
  return copy;
}

/** `@m[keys] = value` and `@m[keys] = count()`: the map's type from what is assigned. */
export function assignMap(c: Checker, st: A.AssignStmt, target: A.MapExpr, agg: Aggregation | undefined, s: ProbeScope): void {
  const keyTypes = mapKeyTypes(c, target, s);
  if (agg) {
    if (st.op !== "=") c.err(st.span, `${st.op} cannot be used with ${agg.kind}()`);
    c.expr(st.value, s);
    const call = st.value as A.CallExpr;
    const arg = (i: number) => (call.args[i] ? constInt(call.args[i]!, c.positional) : undefined);
    const argType = (i: number) => (call.args[i] ? s.types.get(call.args[i]!) : undefined);
    const argStr = (i: number) => { const a = call.args[i]; return a?.kind === "StrLit" ? a.value : undefined; };
    const extra: { -readonly [K in keyof MapInfo]?: MapInfo[K] } = { ...agg.mapInfo?.(arg, argType, argStr) };
    const unit = agg.unitless ? undefined : valueUnit(call.args[0]);
    if (unit) extra.unit = unit;
    defineMap(c, target, keyTypes, agg.kind, s64, extra);
    s.types.set(target, s64);
    return;
  }
  const v = structValueType(c.expr(st.value, s), c.btf(), c.strlen, c.cstructs);
  s.types.set(st.value, v);
  if (v.k === "none") {
    c.err(st.value.span, "this expression has no value to assign");
    return;
  }
  if (st.op !== "=" && !isScalar(v)) c.err(st.value.span, `'${st.op}' needs an integer, not ${typeName(v)}`);
  const unit = valueUnit(st.value);
  defineMap(c, target, keyTypes, "value", keyNormal(v), unit ? { unit } : {});
  s.types.set(target, keyNormal(v));
}

/** Map keys, map values and tuple elements: integers widen to 64 bits, as bpftrace stores them (bools stay one byte). */
export function keyNormal(t: Type): Type {
  if (t.k === "int") return t.enum ? t : int(64, t.signed); // an enum is 64 bits already
  if (t.k === "tuple") return { k: "tuple", elements: t.elements.map(keyNormal) };
  return t;
}

/**
 * A tuple element is laid out at its own width, as bpftrace lays out tuples (C struct
 * rules): `((int8)1, (int16)2, (int32)3)` is 8 bytes. A literal takes the smallest signed
 * integer that holds it, as bpftrace types integer literals; bools are stored as integers.
 */
export function tupleElement(x: A.Expr, t: Type): Type {
  if (t.k === "bool") return keyNormal(t);
  if (t.k !== "int") return t;
  return literalType(x) ?? t;
}
