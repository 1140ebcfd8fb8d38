// Values known at compile time, for static_assert() and for the branches a constant
// condition never takes (where fail() is not reached): integer literals, positional
// parameters, the checker's known values (is_str(), sizeof, enum constants) and the
// operators over them, comparisons and logic included.
import type * as A from "./ast.ts";

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

/** Integer value of a constant expression, folding literals, unary minus, arithmetic and $N. */
export function constInt(e: A.Expr, positional: readonly string[] = []): bigint | undefined {
  switch (e.kind) {
    case "IntLit":
      return e.value;
    case "BoolLit":
      return e.value ? 1n : 0n;
    case "PositionalExpr": {
      if (e.count) return BigInt(positional.length);
      const v = positional[e.index - 1];
      if (v === undefined) return 0n;
      try {
        // a leading 0 is octal, as in bpftrace (and C)
        return BigInt(/^0[0-7]+$/.test(v) ? `0o${v.slice(1)}` : v);
      } catch {
        return undefined;
      }
    }
    case "UnaryExpr": {
      const v = constInt(e.operand, positional);
      if (v === undefined) return undefined;
      return e.op === "-" ? -v : e.op === "~" ? ~v : e.op === "!" ? (v === 0n ? 1n : 0n) : undefined;
    }
    case "BinaryExpr": {
      const a = constInt(e.left, positional);
      const b = constInt(e.right, positional);
      if (a === undefined || b === undefined) return undefined;
      switch (e.op) {
        case "+": return a + b;
        case "-": return a - b;
        case "*": return a * b;
        case "/": return b === 0n ? undefined : a / b;
        case "%": return b === 0n ? undefined : a % b;
        case "<<": return a << b;
        case ">>": return a >> b;
        case "&": return a & b;
        case "|": return a | b;
        case "^": return a ^ b;
        default: return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** A string known here: a literal, or a positional parameter's text ($1, str($1)). */
export function constText(a: A.Expr | undefined, positional: readonly string[]): string | undefined {
  if (a?.kind === "StrLit") return a.value;
  if (a?.kind === "CallExpr" && a.callee === "str" && a.args.length === 1) a = a.args[0];
  if (a?.kind === "PositionalExpr" && !a.count) return positional[a.index - 1] ?? "";
  return undefined;
}
