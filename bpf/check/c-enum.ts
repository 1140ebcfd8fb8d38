// Enum definitions written in a program (`enum Foo { ONE = 1, TWO, OTHER = ONE + 98 };`,
// anonymous ones too): C's rules for the values (the first is 0 unless given, each next
// one is the previous plus one; a value is an integer constant expression that may name
// the variants before it). The result is the type of the variants and of `(enum Foo)x`:
// a 64-bit integer that prints as the variant's name (bpftrace's CreateEnum(64, name)).
import type { StructDef } from "../lang/ast.ts";
import { macro, tokenize, expandTokens, ExpandFailure, type CMacro } from "../lang/c-macros.ts";
import { evaluateInt } from "../lang/c-int-expr.ts";
import type { EnumInfo, Type } from "../types/types.ts";

export type EnumType = Extract<Type, { k: "int" }> & { readonly enum: EnumInfo };

/** Lay out one enum definition; `name` is its type name ("enum Foo", or bpftrace's "enum <anon_N>"). A string is an error message. */
export function defineEnum(def: StructDef, name: string): EnumType | string {
  const open = def.text.indexOf("{");
  const close = def.text.lastIndexOf("}");
  if (open < 0 || close < open) return `${name}: expected { variants }`;
  const body = def.text.slice(open + 1, close).replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, " ");
  const variants: { name: string; value: bigint }[] = [];
  const known = new Map<string, CMacro>();
  let next = 0n;
  const items = body.split(",").map((s) => s.trim());
  if (items.at(-1) === "") items.pop(); // C allows a trailing comma
  for (const item of items) {
    const m = /^([A-Za-z_]\w*)\s*(?:=\s*([\s\S]+))?$/.exec(item);
    if (!m) return `${name}: cannot read variant '${item}'`;
    const [, variant, expr] = m;
    if (variants.some((v) => v.name === variant)) return `${name}: variant '${variant}' is defined twice`;
    if (expr !== undefined) {
      const v = constantOf(expr, known);
      if (v === undefined) return `${name}: the value of '${variant}' is not an integer constant: '${expr.trim()}'`;
      next = v;
    }
    variants.push({ name: variant!, value: next });
    known.set(variant!, macro(undefined, String(next)));
    next++;
  }
  if (variants.length === 0) return `${name}: an enum needs at least one variant`;
  const signed = variants.some((v) => v.value < 0n);
  return { k: "int", bits: 64, signed, enum: { name, variants } };
}

/** A C integer constant expression, the variants defined so far standing for their values. */
function constantOf(text: string, known: ReadonlyMap<string, CMacro>): bigint | undefined {
  try {
    return evaluateInt(expandTokens(tokenize(text), known, false), "value")?.v;
  } catch (e) {
    if (e instanceof ExpandFailure) return undefined;
    throw e;
  }
}
