// bpftrace's integer literals (src/ast/integer_types.cpp): a literal has the smallest signed
// integer type that holds it (`1` is an int8, `-129` an int16), so a variable or a tuple
// element it is assigned to is that narrow; `++` and `+=` widen a variable to 64 bits.
import type * as A from "../lang/ast.ts";
import { type Type, int } from "../types/types.ts";

/** The literal's own type; undefined when `e` is not an integer literal (or `-literal`) or needs 64 unsigned bits. */
export function literalType(e: A.Expr): Type | undefined {
  const neg = e.kind === "UnaryExpr" && e.op === "-" && e.operand.kind === "IntLit";
  const lit = neg ? (e.operand as A.IntLit) : e.kind === "IntLit" ? e : undefined;
  if (!lit) return undefined;
  const v = neg ? -lit.value : lit.value;
  const bits = ([8, 16, 32, 64] as const).find((b) => v >= -(1n << BigInt(b - 1)) && v < 1n << BigInt(b - 1));
  return bits === undefined ? undefined : int(bits, true);
}

/** A variable changed in place (`$x++`, `$x += n`): 64 bits wide. */
export const widened = (t: Type): Type => (t.k === "int" ? { ...t, bits: 64 } : t);
