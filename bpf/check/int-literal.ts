// bpftrace's integer literals (src/ast/integer_types.cpp): a literal has the smallest signed
// integer type that holds it (`1` is an int8, `-129` an int16), so a variable or a tuple
// element it is assigned to is that narrow; `++` and `+=` widen a variable to 64 bits.
// Where a narrow signed integer becomes an address it is widened with zeros, as LLVM's
// inttoptr does for bpftrace: `(uint8*)-1` is 0xff.
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

/**
 * `(T*)x` with x a signed integer narrower than an address (or a literal, by its own
 * type): the cast it stands for, `(T*)(uintN)x`, with the types of the two new nodes.
 */
export function zeroExtendedAddress(e: A.CastExpr, from: Type, to: Type): { cast: A.CastExpr; types: [A.Expr, Type][] } | undefined {
  // a literal that is not negative reads the same widened either way
  if (e.expr.kind === "IntLit") return undefined;
  const narrow = literalType(e.expr) ?? from;
  if (to.k !== "ptr" || narrow.k !== "int" || !narrow.signed || narrow.bits >= 64) return undefined;
  const span = e.span;
  const unsigned: A.TypeSpec = { kind: "TypeSpec", name: `uint${narrow.bits}`, pointerDepth: 0, arraySize: undefined, span };
  const inner: A.CastExpr = { kind: "CastExpr", type: unsigned, expr: e.expr, span };
  const cast: A.CastExpr = { ...e, expr: inner };
  return { cast, types: [[inner, int(narrow.bits, false)], [cast, to]] };
}
