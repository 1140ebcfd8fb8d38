// Struct values: a struct that is printed (`print(args)`, `print(*$p)`) or stored in a map
// (`@x[tid] = *$p`) is copied whole into the event record or the map value and decoded in
// user space, as bpftrace's Primitive::Record. The checker keeps kernel structs lazy (a BTF
// id; fields are looked up when named, bpf/btf/btf-types.ts); a value needs every field,
// so this expands the record once, recursively, into a plain `record` with `fields`:
//
//   - BTF members in declaration order; anonymous struct/union members are flattened into
//     their parent (their fields at the parent's offsets), as C names them;
//   - nested structs are expanded too (pointers are not followed: they print as addresses);
//   - a tracepoint's `__data_loc` string becomes a plain string in a trailing slot after
//     the fixed record, where codegen reads the string (bpf/codegen/record-copy.ts); the
//     value form has no `dataLoc` fields, so expanding it again changes nothing.
//
// The result has neither `btfId` nor `layout`, so it is a value (held in a stack or
// scratch slot, like a tuple), not something read through its address.
import type { Btf } from "../btf/index.ts";
import { btfType } from "../btf/btf-types.ts";
import { type RecordField, type Type, alignOf, inMemory, tupleLayout } from "../types/types.ts";
import type * as A from "../lang/ast.ts";
import type { Checker } from "./checker.ts";

export type RecordType = Extract<Type, { k: "record" }>;
/** The program's own struct definitions, by name ("struct request"). */
export type CStructs = ReadonlyMap<string, RecordType>;

/** Nested structs deeper than this print as `{}` (kernel structs nest a few levels at most). */
const MAX_DEPTH = 8;

/**
 * The value form of a struct: every field known. `strlen` is the size of the trailing
 * slot of each `__data_loc` string. A record already in value form comes back unchanged
 * (apart from data_loc strings, which get their slots).
 */
export function recordValue(rec: RecordType, btf: Btf | undefined, strlen: number, depth = 0, cstructs?: CStructs): RecordType {
  // a program struct seen through a pointer inside itself is the forward declaration: use the finished one
  if (rec.layout === "c" && cstructs) rec = { ...(cstructs.get(rec.name) ?? rec), ...(rec.user && { user: true }) };
  if (rec.btfId !== undefined && rec.layout !== "c") {
    const fields = btf && depth < MAX_DEPTH ? btfFields(btf, rec.btfId, 0, rec.user ?? false, strlen, depth, 0) : [];
    return { k: "record", name: rec.name, size: rec.size, fields, align: fieldsAlign(fields), ...(rec.user && { user: true }) };
  }
  let size = rec.size;
  const fields: RecordField[] = [];
  for (const f of rec.fields ?? []) {
    if (f.dataLoc) {
      // the string goes after the fixed part; its u32 locator is read by name from the probe's own args
      fields.push({ name: f.name, type: { k: "string", size: strlen }, offset: size });
      size += strlen;
      continue;
    }
    fields.push({ ...f, type: fieldValue(f.type, btf, strlen, depth + 1, cstructs) });
  }
  return { k: "record", name: rec.name, size, fields, align: rec.align ?? fieldsAlign(fields), ...(rec.user && { user: true }) };
}

/** A struct's alignment: its widest member's (C's rule). */
function fieldsAlign(fields: readonly RecordField[]): number {
  return Math.max(1, ...fields.map((f) => alignOf(f.type)));
}

/** Nested structs and arrays of them, expanded; everything else as it is. */
function fieldValue(t: Type, btf: Btf | undefined, strlen: number, depth: number, cstructs?: CStructs): Type {
  if (t.k === "record") return depth < MAX_DEPTH ? recordValue(t, btf, strlen, depth, cstructs) : { k: "record", name: t.name, size: t.size, fields: [] };
  if (t.k === "array") return { ...t, element: fieldValue(t.element, btf, strlen, depth, cstructs) };
  return t;
}

function btfFields(btf: Btf, id: number, base: number, user: boolean, strlen: number, depth: number, anon: number): RecordField[] {
  const t = btf.typeById(btf.resolve(id));
  if ((t.kind !== "struct" && t.kind !== "union") || anon > 16) return [];
  const out: RecordField[] = [];
  for (const m of t.members) {
    if (m.name === "") {
      out.push(...btfFields(btf, m.typeId, base + m.offsetBits, user, strlen, depth, anon + 1));
      continue;
    }
    const info = btf.member(id, m.name);
    const offsetBits = base + (info?.offsetBits ?? m.offsetBits);
    const bitSize = info?.bitSize ?? m.bitSize;
    const type = fieldValue(btfType(btf, m.typeId, user), btf, strlen, depth + 1);
    if (bitSize === 0) {
      out.push({ name: m.name, type, offset: offsetBits / 8 });
      continue;
    }
    const first = Math.floor(offsetBits / 8);
    const shift = offsetBits - first * 8;
    const loadSize = ([1, 2, 4, 8] as const).find((n) => shift + bitSize <= n * 8) ?? 8;
    out.push({ name: m.name, type, offset: first, bits: { loadSize, shift, width: bitSize } });
  }
  return out;
}

/** A struct value's type for a map or an event record: in-memory structs expanded. */
export function structValueType(t: Type, btf: Btf | undefined, strlen: number, cstructs?: CStructs): Type {
  if (t.k === "ptr" && t.byValue && t.to.k === "record") return recordValue({ ...t.to, user: t.user }, btf, strlen, 0, cstructs);
  if (t.k !== "record") return t;
  const nested = (t.fields ?? []).some((f) => f.dataLoc || f.type.k === "record");
  return nested || inMemory(t) ? recordValue(t, btf, strlen, 0, cstructs) : t;
}

/**
 * The type of a record literal `(a = 1, b = "x")`: a value record laid out as the tuple of
 * its elements (bpftrace's Record), fields in the order written.
 */
export function recordLiteral(c: Checker, e: A.TupleExpr, elements: readonly Type[]): RecordType {
  const { offsets, size } = tupleLayout(elements);
  const names = e.names!;
  const fields: RecordField[] = [];
  names.forEach((name, i) => {
    if (name === undefined) c.err(e.elements[i]!.span, "a record names every field: (a = 1, b = 2)");
    else if (names.indexOf(name) !== i) c.err(e.elements[i]!.span, `the record has two fields named '${name}'`);
    fields.push({ name: name ?? `_${i}`, type: elements[i]!, offset: offsets[i]! });
  });
  return { k: "record", name: "record", size, fields };
}
