// Values known at compile time, for static_assert() and for the branches a constant
// condition never takes (where fail() is not reached): integer literals, positional
// parameters, the checker's known values (is_str(), sizeof, enum constants) and the
// operators over them, comparisons and logic included.
import type * as A from "../lang/ast.ts";
import { constInt } from "./checker.ts";

export function foldConst(e: A.Expr, consts: ReadonlyMap<A.Expr, bigint>, positional: readonly string[]): bigint | undefined {
  const known = consts.get(e);
  if (known !== undefined) return known;
  switch (e.kind) {
    case "UnaryExpr": {
      const v = foldConst(e.operand, consts, positional);
      if (v === undefined) return undefined;
      if (e.op === "!") return v === 0n ? 1n : 0n;
      if (e.op === "-") return -v;
      if (e.op === "~") return ~v;
      return undefined;
    }
    case "BinaryExpr": {
      const a = foldConst(e.left, consts, positional);
      if (e.op === "&&" && a === 0n) return 0n;
      if (e.op === "||" && a !== undefined && a !== 0n) return 1n;
      const b = foldConst(e.right, consts, positional);
      if (a === undefined || b === undefined) return undefined;
      const t = (x: boolean) => (x ? 1n : 0n);
      switch (e.op) {
        case "&&": return t(b !== 0n);
        case "||": return t(b !== 0n);
        case "==": return t(a === b);
        case "!=": return t(a !== b);
        case "<": return t(a < b);
        case "<=": return t(a <= b);
        case ">": return t(a > b);
        case ">=": return t(a >= b);
        default: {
          const lit = (value: bigint): A.IntLit => ({ kind: "IntLit", value, raw: value.toString(), span: e.span });
          return constInt({ ...e, left: lit(a), right: lit(b) }, positional);
        }
      }
    }
    default:
      return constInt(e, positional);
  }
}
