// Struct and union definitions written in a program (`struct Foo { int a; char s[8]; };`),
// laid out as a C compiler on x86-64 lays them out: natural alignment, bitfields packed
// into units of their declared type, `__attribute__((packed))` honoured. Member types are
// C and bpftrace type names, earlier definitions, or kernel types through BTF. The result
// is a record with `layout: "c"`, read through pointers like a kernel struct.
import type { StructDef } from "../lang/ast.ts";
import type { BtfField } from "../btf/btf-types.ts";
import { type RecordField, type Type, alignOf, int, sizeOf, str, typeName } from "../types/types.ts";

export type CRecord = Extract<Type, { k: "record" }>;

/** Looks up a type by name ("int", "unsigned long", "struct foo", "u64"); undefined if unknown. */
export type TypeLookup = (name: string) => Type | undefined;

const C_WORDS: Record<string, Type> = {
  char: int(8, true), "signed char": int(8, true), "unsigned char": int(8, false),
  short: int(16, true), "short int": int(16, true), "unsigned short": int(16, false), "unsigned short int": int(16, false),
  int: int(32, true), signed: int(32, true), "signed int": int(32, true), unsigned: int(32, false), "unsigned int": int(32, false),
  long: int(64, true), "long int": int(64, true), "unsigned long": int(64, false), "unsigned long int": int(64, false),
  "long long": int(64, true), "long long int": int(64, true), "unsigned long long": int(64, false), "unsigned long long int": int(64, false),
  _Bool: int(8, false), float: { k: "none", size: 4 }, double: { k: "none", size: 8 },
};

/** The C spelling of a base type, qualifiers dropped: "const unsigned  int" → "unsigned int". */
function baseName(words: string): string {
  return words.replace(/\b(const|volatile|restrict|__user|__rcu)\b/g, " ").replace(/\s+/g, " ").trim();
}

/** Alignment of a member type in a C layout: a struct's is its widest member's. */
export function cAlign(t: Type, kernelAlign: (rec: CRecord) => number): number {
  if (t.k === "record") return t.layout === "c" ? (t.align ?? 1) : kernelAlign(t);
  if (t.k === "array") return cAlign(t.element, kernelAlign);
  return alignOf(t);
}

/**
 * Lay out one definition. A string is an error message; `lookup` resolves member types
 * (it sees the definitions before this one, so `struct Foo *next` inside Foo is a pointer
 * to a forward declaration that the caller patches).
 */
export function layoutStruct(def: StructDef, lookup: TypeLookup, kernelAlign: (rec: CRecord) => number): CRecord | string {
  const open = def.text.indexOf("{");
  const close = def.text.lastIndexOf("}");
  if (open < 0 || close < open) return `${def.name}: expected { members }`;
  const packed = /__attribute__\s*\(\(\s*packed\s*\)\)/.test(def.text.slice(close).replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, " "));
  const isUnion = def.name.startsWith("union");
  const body = def.text.slice(open + 1, close).replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, " ");
  const fields: RecordField[] = [];
  let bit = 0; // next free bit (structs)
  let size = 0; // bytes (unions: the largest member)
  let align = 1;
  let anon = 0;
  for (const decl of topLevel(body)) {
    let base: Type | undefined;
    let rest = decl;
    const nested = /^(struct|union)\s*(\w*)\s*\{([\s\S]*)\}\s*([\s\S]*)$/.exec(decl);
    if (nested) {
      // a struct or union defined inside this one: laid out on its own, then a member (or,
      // with no declarator, its members are this struct's, as C's anonymous members are)
      const [, word, tag, inner, declarators] = nested;
      const name = tag ? `${word} ${tag}` : `${word} ${def.name.replace(/^(struct|union) /, "")}::(anonymous ${++anon})`;
      const rec = layoutStruct({ ...def, name, text: `${word} ${tag} {${inner}}` }, lookup, kernelAlign);
      if (typeof rec === "string") return rec;
      if (!declarators!.trim()) {
        const at = isUnion ? 0 : Math.ceil(bit / 8 / (packed ? 1 : rec.align!)) * (packed ? 1 : rec.align!);
        align = Math.max(align, packed ? 1 : rec.align!);
        for (const f of rec.fields ?? []) fields.push({ ...f, offset: f.offset + at });
        if (isUnion) size = Math.max(size, rec.size);
        else bit = (at + rec.size) * 8;
        continue;
      }
      base = rec;
      rest = `${word} ${name} ${declarators}`;
    }
    const decl2 = rest;
    const fnPtr = /^(.*?)\(\s*\*\s*(\w+)\s*\)\s*\(.*\)$/s.exec(decl2);
    const pieces = fnPtr ? [`${fnPtr[1]} *${fnPtr[2]}`] : decl2.split(",").map((d) => d.trim());
    const first = /^(.*?)\s*(\**\s*\w+\s*(?:\[\s*\w*\s*\])*\s*(?::\s*\d+)?)$/s.exec(pieces[0]!);
    if (!first || !first[1]) return `${def.name}: cannot read member declaration '${decl}'`;
    const typeWords = baseName(first[1]);
    const declarators = [first[2]!, ...pieces.slice(1)];
    base ??= C_WORDS[typeWords] ?? lookup(typeWords);
    for (const d of declarators) {
      const dm = /^(\**)\s*(\w+)\s*((?:\[\s*\w*\s*\])*)\s*(?::\s*(\d+))?$/.exec(d);
      if (!dm) return `${def.name}: cannot read declarator '${d}'`;
      const [, stars, name, dims, bitsText] = dm;
      let t: Type | undefined = base;
      if (stars!.length > 0) {
        // a pointer to an unknown or not-yet-complete type still has a size
        t = t ?? int(8, false);
        for (let i = 0; i < stars!.length; i++) t = { k: "ptr", to: t, user: false };
      }
      if (!t) return `${def.name}: unknown type '${typeWords}' of member '${name}'`;
      const dimTexts = [...dims!.matchAll(/\[\s*(\w*)\s*\]/g)].map((x) => x[1] ?? "");
      const bad = dimTexts.find((x) => !/^(0x[0-9a-f]+|\d*)$/i.test(x));
      if (bad !== undefined) return `${def.name}: the size of array '${name}' must be a number, not '${bad}'`;
      const lens = dimTexts.map((x) => Number(x || 0));
      for (let i = lens.length - 1; i >= 0; i--) {
        const n = lens[i]!;
        // only plain `char` arrays are strings, as bpftrace's clang parser types them;
        // `uint8_t`, `signed char` and `unsigned char` arrays stay arrays of integers
        t = typeWords === "char" && stars!.length === 0 && i === lens.length - 1 ? str(Math.max(1, n)) : { k: "array", element: t, length: n };
      }
      const msize = sizeOf(t);
      const malign = packed ? 1 : cAlign(t, kernelAlign);
      align = Math.max(align, malign);
      if (bitsText !== undefined) {
        const width = Number(bitsText);
        const unit = msize * 8;
        if (!isUnion && !packed && Math.floor(bit / unit) !== Math.floor((bit + width - 1) / unit)) bit = Math.ceil(bit / unit) * unit;
        const at = isUnion ? 0 : bit;
        const first = Math.floor(at / 8);
        const shift = at - first * 8;
        const loadSize = ([1, 2, 4, 8] as const).find((n) => shift + width <= n * 8) ?? 8;
        fields.push({ name: name!, type: t, offset: first, bits: { loadSize, shift, width } });
        if (isUnion) size = Math.max(size, msize);
        else bit += width;
        continue;
      }
      const at = isUnion ? 0 : Math.ceil(bit / 8 / malign) * malign;
      fields.push({ name: name!, type: t, offset: at });
      if (isUnion) size = Math.max(size, msize);
      else bit = (at + msize) * 8;
    }
  }
  if (!isUnion) size = Math.ceil(bit / 8);
  size = Math.ceil(size / align) * align;
  return { k: "record", name: def.name, size, fields, layout: "c", align, user: false };
}

/** The member declarations of a body, split at the `;` outside nested braces. */
function topLevel(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === ";" && depth === 0) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out.map((d) => d.trim()).filter(Boolean);
}

/** offsetof(struct Foo, a.b): the byte offset of a member, through nested members. */
export function cOffsetOf(rec: CRecord, path: readonly string[]): number | string {
  let t: Type = rec;
  let off = 0;
  for (const name of path) {
    const f: RecordField | undefined = t.k === "record" ? t.fields?.find((x) => x.name === name) : undefined;
    if (!f) return `${typeName(t)} has no member '${name}'`;
    off += f.offset;
    t = f.type;
  }
  return off;
}

/** A member of a program-defined struct, as the codegen reads it. */
export function cField(rec: CRecord, name: string): BtfField | undefined {
  const f = rec.fields?.find((x) => x.name === name);
  if (!f) return undefined;
  const type = withSpace(f.type, rec.user ?? false);
  return f.bits ? { type, offset: f.offset, bits: f.bits } : { type, offset: f.offset };
}

/** Pointers and records inside a record in user memory (arrays of them too) point into user memory too. */
function withSpace(t: Type, user: boolean): Type {
  if (!user) return t;
  if (t.k === "ptr") return { ...t, user };
  if (t.k === "record") return { ...t, user };
  if (t.k === "array") return { ...t, element: withSpace(t.element, user) };
  return t;
}
