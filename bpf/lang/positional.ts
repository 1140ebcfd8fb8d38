// Positional parameters in expressions: `$1`..`$N` and `$#` become literals before the
// checker sees them, as bpftrace's literal folder makes them (src/ast/passes/fold_literals.cpp):
// a parameter that reads as an integer in bpftrace's integer syntax (0x.., 0b.., 0-led octal,
// `_` separators, 1e6, suffixes like 5ms) is that integer, anything else is its text as a
// string; a missing or empty one is 0. Under str() a parameter is always its text
// (`str($1)` with 1 is "1"), and str($N + k) is its text from byte k on. Attach points are
// substituted by the checker (bpf/check/checker.ts), where the text is split again.
import type * as A from "./ast.ts";
import { Transformer } from "./transform.ts";

export function resolvePositional(program: A.Program, positional: readonly string[]): A.Program {
  return new PositionalResolver(positional).program(program);
}

class PositionalResolver extends Transformer {
  constructor(private readonly values: readonly string[]) {
    super();
  }

  override expr(e: A.Expr): A.Expr {
    if (e.kind === "PositionalExpr") {
      if (e.count) return intLit(BigInt(this.values.length), e.span);
      return paramLiteral(this.values[e.index - 1] ?? "", e.span);
    }
    if (e.kind === "CallExpr" && e.callee === "str" && e.args.length > 0) return this.str(e);
    return super.expr(e);
  }

  /** str($N), str($N, len) and str($N + k): the parameter's text, folded to a string literal. */
  private str(e: A.CallExpr): A.Expr {
    const [arg, len] = e.args;
    let text: string | undefined;
    if (arg?.kind === "PositionalExpr" && !arg.count) text = this.text(arg);
    else if (arg?.kind === "BinaryExpr" && arg.op === "+" && arg.left.kind === "PositionalExpr" && !arg.left.count && arg.right.kind === "IntLit") {
      text = Buffer.from(this.text(arg.left)).subarray(Number(arg.right.value)).toString();
    }
    if (text === undefined) return super.expr(e);
    if (len === undefined) return { kind: "StrLit", value: text, span: e.span };
    if (len.kind !== "IntLit") return { ...e, args: [{ kind: "StrLit", value: text, span: arg!.span }, this.expr(len)] };
    return { kind: "StrLit", value: Buffer.from(text).subarray(0, Math.max(0, Number(len.value) - 1)).toString(), span: e.span };
  }

  private text(p: A.PositionalExpr): string {
    return this.values[p.index - 1] ?? "";
  }
}

function intLit(value: bigint, span: A.Span): A.Expr {
  if (value < 0n) return { kind: "UnaryExpr", op: "-", operand: { kind: "IntLit", value: -value, raw: (-value).toString(), span }, span };
  return { kind: "IntLit", value, raw: value.toString(), span };
}

function paramLiteral(text: string, span: A.Span): A.Expr {
  if (text === "") return intLit(0n, span);
  const v = text.startsWith("-") ? parseUint(text.slice(1)) : parseUint(text);
  if (v === undefined || (text.startsWith("-") && v > 1n << 63n)) return { kind: "StrLit", value: text, span };
  return intLit(text.startsWith("-") ? -v : v, span);
}

const U64_MAX = (1n << 64n) - 1n;
const SUFFIXES = new Map<string, [max: bigint, mult: bigint]>([
  ["", [U64_MAX, 1n]], ["u", [0xffffffffn, 1n]], ["ul", [U64_MAX, 1n]], ["ull", [U64_MAX, 1n]],
  ["l", [(1n << 63n) - 1n, 1n]], ["ll", [(1n << 63n) - 1n, 1n]],
  ["ns", [U64_MAX, 1n]], ["us", [U64_MAX, 1000n]], ["ms", [U64_MAX, 1_000_000n]], ["s", [U64_MAX, 1_000_000_000n]],
  ["m", [U64_MAX, 60_000_000_000n]], ["h", [U64_MAX, 3_600_000_000_000n]], ["d", [U64_MAX, 86_400_000_000_000n]],
]);

/** bpftrace's util::to_uint with base 0: undefined where it reports an error. */
export function parseUint(num: string): bigint | undefined {
  const n = num.replace(/_/g, "");
  let [prefix, digits] = ["", /^[0-9]+/];
  if (/^0[xX]/.test(n)) [prefix, digits] = ["0x", /^[0-9a-fA-F]+/];
  else if (/^0[bB]/.test(n)) [prefix, digits] = ["0b", /^[01]+/];
  else if (/^0[0-7]/.test(n)) [prefix, digits] = ["0o", /^[0-7]+/];
  const body = prefix === "" ? n : n.slice(prefix === "0o" ? 1 : 2);
  const m = digits.exec(body);
  if (m === null) return undefined;
  let value = BigInt(prefix === "" ? m[0] : `${prefix}${m[0]}`);
  let rest = body.slice(m[0].length);
  const exp = /^[eE]([1-9][0-9]*)/.exec(rest);
  if (exp !== null) {
    if (value <= 0n || value >= 10n) return undefined;
    value *= 10n ** BigInt(exp[1]!);
    rest = rest.slice(exp[0].length);
  }
  const suffix = SUFFIXES.get(rest);
  if (suffix === undefined || value > suffix[0] / suffix[1]) return undefined;
  return value * suffix[1];
}
