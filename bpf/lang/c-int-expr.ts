// C integer constant expressions over preprocessor tokens (c-macros.ts), with C's types
// where they change the value: `1U << 31` is 2147483648, `~0U` is 4294967295, `-1` is -1,
// `0100` is 64. Two uses: `#if` conditions (every value is intmax_t/uintmax_t, and a
// name left after expansion is 0, as C says) and the values of header macros (int, long
// and their unsigned kinds; casts to integer types; a name left over is not a constant).
// Pure; returns undefined for anything it cannot evaluate.
import type { CToken } from "./c-macros.ts";

export interface CInt {
  readonly v: bigint;
  readonly bits: 32 | 64;
  readonly unsigned: boolean;
}

/** `#if` semantics (everything 64-bit, unknown names are 0) or a macro's value. */
export type EvalMode = "if" | "value";

export function evaluateInt(tokens: readonly CToken[], mode: EvalMode): CInt | undefined {
  const p = new IntParser(tokens, mode);
  try {
    const v = p.conditional();
    return p.atEnd() ? v : undefined;
  } catch (e) {
    if (e instanceof NotConstant) return undefined;
    throw e;
  }
}

class NotConstant extends Error {}

function wrap(v: bigint, bits: 32 | 64, unsigned: boolean): CInt;
function wrap(v: bigint, bits: 8 | 16 | 32 | 64, unsigned: boolean): { v: bigint; bits: number; unsigned: boolean };
function wrap(v: bigint, bits: 8 | 16 | 32 | 64, unsigned: boolean): { v: bigint; bits: number; unsigned: boolean } {
  return { v: unsigned ? BigInt.asUintN(bits, v) : BigInt.asIntN(bits, v), bits, unsigned };
}

/** Literal `text` as C types it (6.4.4.1), or undefined when it is not an integer. */
export function intLiteral(text: string, mode: EvalMode): CInt | undefined {
  if (text.length < 10 && /^(?:[1-9][0-9]*|0)$/.test(text)) return { v: BigInt(text), bits: mode === "if" ? 64 : 32, unsigned: false };
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(text);
  if (m === null) return undefined;
  const digits = m[1] as string;
  const suffix = (m[2] as string).toLowerCase();
  if (!/^(u?(l|ll)?|(l|ll)u)$/.test(suffix)) return undefined;
  const v = /^0[bB]/.test(digits) ? BigInt(digits) : /^0[0-7]+$/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  if (v > 0xffffffffffffffffn) return undefined;
  const decimal = /^[1-9]/.test(digits) || digits === "0";
  let unsigned = suffix.includes("u");
  let bits: 32 | 64 = mode === "if" || suffix.includes("l") ? 64 : 32;
  if (bits === 32 && v > (unsigned || !decimal ? 0xffffffffn : 0x7fffffffn)) {
    if (!unsigned && !decimal && v <= 0xffffffffn) unsigned = true;
    else bits = 64;
  }
  if (bits === 64 && !unsigned && v > 0x7fffffffffffffffn) unsigned = true;
  return { v, bits, unsigned };
}

function charLiteral(text: string): bigint | undefined {
  const body = text.slice(1, -1);
  const esc: Record<string, number> = { n: 10, t: 9, r: 13, "0": 0, "\\": 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11, "?": 63 };
  if (body.length === 1) return BigInt(body.charCodeAt(0));
  if (body[0] !== "\\") return undefined;
  if (/^\\[0-7]{1,3}$/.test(body)) return BigInt(parseInt(body.slice(1), 8));
  if (/^\\x[0-9a-fA-F]+$/.test(body)) return BigInt(parseInt(body.slice(2), 16)) & 0xffn;
  const e = esc[body.slice(1)];
  return e === undefined ? undefined : BigInt(e);
}

const TYPE_WORDS = new Set(["unsigned", "signed", "int", "long", "short", "char", "const", "volatile", "__signed__"]);
const TYPEDEF = /^(__)?[us](8|16|32|64)$|^u?int(8|16|32|64)_t$|^(s?size_t|ptrdiff_t|intptr_t|uintptr_t)$/;

class IntParser {
  private i = 0;
  /** Inside an operand C does not evaluate (`0 && x`, `1 ? a : x`): a division by zero there is fine. */
  private unevaluated = 0;
  constructor(private readonly t: readonly CToken[], private readonly mode: EvalMode) {}

  atEnd(): boolean {
    return this.i >= this.t.length;
  }

  private peek(k = 0): CToken | undefined {
    return this.t[this.i + k];
  }

  private take(text: string): boolean {
    if (this.peek()?.text !== text) return false;
    this.i++;
    return true;
  }

  private expect(text: string): void {
    if (!this.take(text)) throw new NotConstant();
  }

  conditional(): CInt {
    const c = this.binary(0);
    if (!this.take("?")) return c;
    const a = this.operand(c.v === 0n, () => this.conditional());
    this.expect(":");
    const b = this.operand(c.v !== 0n, () => this.conditional());
    const [x, y] = convert(a, b);
    return c.v !== 0n ? x : y;
  }

  private operand(skipped: boolean, parse: () => CInt): CInt {
    if (skipped) this.unevaluated++;
    try {
      return parse();
    } finally {
      if (skipped) this.unevaluated--;
    }
  }

  private binary(minPrec: number): CInt {
    let left = this.unary();
    for (;;) {
      const op = this.peek()?.text ?? "";
      const prec = PREC[op];
      if (this.peek()?.kind !== "punct" || prec === undefined || prec < minPrec) return left;
      this.i++;
      if (op === "&&" || op === "||") {
        const right = this.operand(op === "&&" ? left.v === 0n : left.v !== 0n, () => this.binary(prec + 1));
        left = int(op === "&&" ? left.v !== 0n && right.v !== 0n : left.v !== 0n || right.v !== 0n);
        continue;
      }
      const right = this.binary(prec + 1);
      left = this.unevaluated > 0 && (op === "/" || op === "%" || op === "<<" || op === ">>") ? { v: 0n, bits: left.bits, unsigned: left.unsigned } : apply(op, left, right);
    }
  }

  private unary(): CInt {
    const t = this.peek();
    if (t === undefined) throw new NotConstant();
    if (t.kind === "punct" && ["-", "+", "~", "!"].includes(t.text)) {
      this.i++;
      const v = this.unary();
      if (t.text === "-") return wrap(-v.v, v.bits, v.unsigned);
      if (t.text === "~") return wrap(~v.v, v.bits, v.unsigned);
      if (t.text === "!") return int(v.v === 0n);
      return v;
    }
    if (t.text === "(") {
      const cast = this.castType();
      if (cast !== undefined) {
        const v = wrap(this.unary().v, cast.bits, cast.unsigned);
        // char and short promote to int at once.
        return v.bits < 32 ? { v: v.v, bits: 32, unsigned: false } : (v as CInt);
      }
      this.i++;
      const v = this.conditional();
      this.expect(")");
      return v;
    }
    this.i++;
    if (t.kind === "num") {
      const v = intLiteral(t.text, this.mode);
      if (v === undefined) throw new NotConstant();
      return v;
    }
    if (t.kind === "char") {
      const v = charLiteral(t.text);
      if (v === undefined) throw new NotConstant();
      return { v, bits: this.mode === "if" ? 64 : 32, unsigned: false };
    }
    // A name left after expansion: 0 in #if (unless it is called: an unknown function-like
    // macro such as __has_include), not a constant in a value.
    if (t.kind === "ident" && this.mode === "if" && this.peek()?.text !== "(") return { v: 0n, bits: 64, unsigned: false };
    throw new NotConstant();
  }

  /** `(unsigned long)` and friends at the cursor: consumes them and returns the type. */
  private castType(): { bits: 8 | 16 | 32 | 64; unsigned: boolean } | undefined {
    if (this.mode === "if") return undefined; // no types in #if: the words are names there, and 0
    let j = this.i + 1;
    const words: string[] = [];
    while (this.t[j]?.kind === "ident" && (TYPE_WORDS.has(this.t[j]!.text) || TYPEDEF.test(this.t[j]!.text))) words.push(this.t[j++]!.text);
    if (words.length === 0 || this.t[j]?.text !== ")") return undefined;
    this.i = j + 1;
    const name = words.filter((w) => w !== "const" && w !== "volatile").join(" ");
    const td = /(8|16|32|64)/.exec(name);
    const unsigned = name.includes("unsigned") || /^(__)?u\d|^uint|^size_t|^uintptr_t/.test(name);
    if (td !== null && TYPEDEF.test(name)) return { bits: Number(td[1]) as 8 | 16 | 32 | 64, unsigned };
    if (/^(s?size_t|ptrdiff_t|u?intptr_t)$/.test(name)) return { bits: 64, unsigned };
    if (name.includes("char")) return { bits: 8, unsigned };
    if (name.includes("short")) return { bits: 16, unsigned };
    if (name.includes("long")) return { bits: 64, unsigned };
    return { bits: 32, unsigned };
  }
}

const PREC: Record<string, number> = {
  "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6, "<": 7, ">": 7, "<=": 7, ">=": 7,
  "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
};

function int(b: boolean): CInt {
  return { v: b ? 1n : 0n, bits: 32, unsigned: false };
}

/** The usual arithmetic conversions (6.3.1.8) for int/long and their unsigned kinds. */
function convert(a: CInt, b: CInt): [CInt, CInt] {
  let bits: 32 | 64;
  let unsigned: boolean;
  if (a.bits === b.bits) {
    bits = a.bits;
    unsigned = a.unsigned || b.unsigned;
  } else {
    const wide = a.bits === 64 ? a : b;
    bits = 64;
    unsigned = wide.unsigned; // long holds every unsigned int
  }
  return [wrap(a.v, bits, unsigned), wrap(b.v, bits, unsigned)];
}

function apply(op: string, l: CInt, r: CInt): CInt {
  if (op === "<<" || op === ">>") {
    if (r.v < 0n || r.v >= BigInt(l.bits)) throw new NotConstant();
    return wrap(op === "<<" ? l.v << r.v : l.v >> r.v, l.bits, l.unsigned);
  }
  const [a, b] = convert(l, r);
  const { bits, unsigned } = a;
  switch (op) {
    case "+": return wrap(a.v + b.v, bits, unsigned);
    case "-": return wrap(a.v - b.v, bits, unsigned);
    case "*": return wrap(a.v * b.v, bits, unsigned);
    case "/":
    case "%":
      if (b.v === 0n) throw new NotConstant();
      return wrap(op === "/" ? a.v / b.v : a.v % b.v, bits, unsigned);
    case "&": return wrap(a.v & b.v, bits, unsigned);
    case "|": return wrap(a.v | b.v, bits, unsigned);
    case "^": return wrap(a.v ^ b.v, bits, unsigned);
    case "==": return int(a.v === b.v);
    case "!=": return int(a.v !== b.v);
    case "<": return int(a.v < b.v);
    case ">": return int(a.v > b.v);
    case "<=": return int(a.v <= b.v);
    case ">=": return int(a.v >= b.v);
  }
  throw new NotConstant();
}
