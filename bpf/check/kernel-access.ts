// The checker's kernel side: identifiers that mean kernel things (rows that are kernel
// walks such as ppid and pcomm, enum constants), members of kernel structs through BTF
// and of the structs the program defines (laid out by c-struct.ts).
import type * as A from "../lang/ast.ts";
import { type Diagnostic, diagnostic } from "../types/diagnostic.ts";
import { builtins } from "./builtins.ts";
import { builtinRows } from "../functions/index.ts";
import { rewrite } from "./call-check.ts";
import { closest } from "../types/suggest.ts";
import { namedType } from "./named-types.ts";
import { btfAlign, btfEnumValue, btfField, btfFieldNames, btfNamedType } from "../btf/btf-types.ts";
import { type CRecord, cField, layoutStruct } from "./c-struct.ts";
import { defineEnum } from "./c-enum.ts";
import { type Type, s64, u64 } from "../types/types.ts";
import type { Checker, ProbeScope } from "./checker.ts";

/** Lay out the program's own struct and union definitions, in order. */
export function defineStructs(c: Checker): Diagnostic[] {
  const out: Diagnostic[] = [];
  const kernelAlign = (rec: CRecord) => {
    const btf = c.btf();
    return btf && rec.btfId !== undefined ? btfAlign(btf, rec.btfId) : 8;
  };
  let anonymous = 0;
  for (const def of c.program.structs) {
    if (def.name.startsWith("enum")) {
      const e = defineEnum(def, def.name === "enum" ? `enum <anon_${++anonymous}>` : def.name);
      if (typeof e === "string") out.push(diagnostic("SemanticError", def.span, e));
      else {
        c.cenums.set(e.enum.name, e);
        for (const v of e.enum.variants) c.enumVariants.set(v.name, { value: v.value, type: e });
      }
      continue;
    }
    // a placeholder first, so `struct Foo *next` inside Foo points at Foo
    c.cstructs.set(def.name, { k: "record", name: def.name, size: 0, fields: [], layout: "c", align: 1 });
    const lookup = (name: string): Type | undefined => {
      const known = namedType(name) ?? c.cstructs.get(name);
      if (known) return known;
      const btf = c.btf();
      return btf ? btfNamedType(btf, name, false) : undefined;
    };
    const rec = layoutStruct(def, lookup, kernelAlign);
    if (typeof rec === "string") {
      out.push(diagnostic("SemanticError", def.span, rec));
      c.cstructs.delete(def.name);
    } else c.cstructs.set(def.name, rec);
  }
  return out;
}

/** Identifiers that mean kernel things: ppid, pcomm, enum constants (the program's, then the kernel's). */
export function kernelIdent(c: Checker, e: A.IdentExpr, s: ProbeScope): Type | undefined {
  const row = builtinRows.get(e.name);
  if (row?.rewrite) return rewrite(c, e, row, s);
  if (builtins.has(e.name)) return undefined;
  const own = c.enumVariants.get(e.name);
  if (own) {
    s.consts.set(e, own.value);
    return own.type;
  }
  const btf = c.btf();
  const v = btf ? btfEnumValue(btf, e.name) : undefined;
  if (v === undefined) return undefined;
  s.consts.set(e, v);
  return s64;
}

/** `p->field` / `r.field` on a kernel struct or union. */
export function kernelField(c: Checker, e: A.FieldExpr, rec: Extract<Type, { k: "record" }>, s: ProbeScope): Type {
  // a struct the program defines is read by its definition, even where the kernel's has
  // the same name (`struct task_struct { int x; }` then curtask.x), as in bpftrace
  if (rec.layout === "c" || c.cstructs.has(rec.name)) {
    const full = { ...(c.cstructs.get(rec.name) ?? rec), user: rec.user };
    const f = cField(full, e.field);
    if (!f) {
      const near = closest(e.field, (full.fields ?? []).map((x) => x.name));
      c.err(e.span, `${rec.name} has no field '${e.field}'`, near ? [`did you mean ${near}?`] : []);
      return u64;
    }
    s.fields.set(e, f);
    return f.type;
  }
  const btf = c.btf();
  if (rec.btfId === undefined || !btf) {
    c.err(e.span, `${rec.name} is not known here: kernel types need BTF (/sys/kernel/btf/vmlinux)`);
    return u64;
  }
  const f = btfField(btf, rec, e.field);
  if (!f) {
    const names = btfFieldNames(btf, rec);
    const near = closest(e.field, names);
    c.err(e.span, `${rec.name} has no field '${e.field}'`, near ? [`did you mean ${near}?`] : []);
    return u64;
  }
  s.fields.set(e, f);
  return f.type;
}
