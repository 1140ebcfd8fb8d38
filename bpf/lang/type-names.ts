// Deciding, at a '(', between a cast `(uint32)x`, a grouping `(pid)` and a tuple
// `(1, "a")`; and, in sizeof/offsetof, between a type and an expression.
//
// bpftrace (docs/language.md "Cast Parsing", src/parser.cpp try_parse_cast_expr) treats
// `(ident)` as a cast whenever an expression could follow it, except for its few
// builtins. That makes `(comm) - 1` a cast to a type named comm. We decide with what we
// know instead, from the tokens alone (no backtracking):
//   - `(struct x ...)`, `(union x)`, `(enum x)`: always a type.
//   - a type with a '*' suffix, or a C multi-word type (`unsigned int`): always a type.
//   - a known type name (int8..uint64, bool, string, u32, size_t, any `*_t`, ...),
//     possibly with `[N]`: a cast when an expression follows the ')'.
//   - any other identifier: a cast only when what follows the ')' can only start an
//     operand (a name, literal, '(', '!', '~'), so `(foo)$x` casts to typedef foo while
//     `(pid) * 2`, `(x) - 1` and `(n) & 1` stay arithmetic.
import { EOF, type IToken, type TokenType } from "chevrotain";
import * as T from "./tokens.ts";

const fixedTypes = new Set([
  "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
  "string", "buffer", "inet", "void", "char", "short", "int", "long", "unsigned", "signed",
  "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
  "__u8", "__u16", "__u32", "__u64", "__s8", "__s16", "__s32", "__s64",
  "__be16", "__be32", "__be64", "__le16", "__le32", "__le64", "_Bool",
]);

/** Words that combine into C types: `unsigned long long`, `const char`. */
const cTypeWords = new Set(["unsigned", "signed", "short", "long", "int", "char", "const", "volatile"]);

/** bpftrace builtins: never type names. */
const builtins = new Set([
  "pid", "tid", "uid", "gid", "comm", "nsecs", "elapsed", "cpu", "ncpus", "curtask", "rand",
  "cgroup", "cpid", "kstack", "ustack", "func", "probe", "retval", "args", "ctx", "username",
  "jiffies", "numaid", "usermode", "sarg0", "arg0",
]);

export function isKnownTypeName(name: string): boolean {
  return fixedTypes.has(name) || /^[A-Za-z_]\w*_t$/.test(name);
}

export function isCTypeWord(name: string): boolean {
  return cTypeWords.has(name);
}

export function isBuiltinName(name: string): boolean {
  return builtins.has(name) || /^s?arg\d+$/.test(name);
}

type LA = (i: number) => IToken;

const is = (t: IToken, type: TokenType): boolean => t.tokenType === type;

export interface TypeScan {
  /** Index (for LA) of the first token after the type. */
  readonly next: number;
  /** `struct x`, multi-word C type, or a '*' suffix: certainly a type. */
  readonly certain: boolean;
  /** The (first) name, for the known-type check. */
  readonly name: string;
}

/** Scan a type starting at LA(i) without consuming; undefined if it cannot be one. */
export function scanType(la: LA, i: number): TypeScan | undefined {
  let t = la(i);
  let certain = false;
  let name: string;
  if (is(t, T.Typeof)) {
    if (!is(la(i + 1), T.LParen)) return undefined;
    let depth = 0;
    let j = i + 1;
    do {
      const u = la(j++);
      if (is(u, T.LParen)) depth++;
      else if (is(u, T.RParen)) depth--;
      else if (u.tokenType === EOF) return undefined;
    } while (depth > 0);
    name = "typeof";
    certain = true;
    i = j;
  } else if (is(t, T.Aggregate)) {
    if (!is(la(i + 1), T.Ident)) return undefined;
    name = `${t.image} ${la(i + 1).image}`;
    certain = true;
    i += 2;
  } else if (is(t, T.Ident)) {
    name = t.image;
    i++;
    if (isCTypeWord(name)) {
      while (is(la(i), T.Ident) && isCTypeWord(la(i).image)) {
        certain = true;
        i++;
      }
    }
  } else {
    return undefined;
  }
  for (;;) {
    t = la(i);
    if (is(t, T.Star)) {
      certain = true;
      i++;
    } else if (is(t, T.LBracket)) {
      if (is(la(i + 1), T.RBracket)) i += 2;
      else if (is(la(i + 1), T.IntLit) && is(la(i + 2), T.RBracket)) i += 3;
      else return undefined;
    } else {
      break;
    }
  }
  return { next: i, certain, name };
}

const operandStarts: readonly TokenType[] = [
  T.Ident, T.VarName, T.MapName, T.Positional, T.IntLit, T.StringLit, T.LParen, T.True,
  T.False, T.Sizeof, T.Offsetof, T.Typeof, T.Bang, T.Tilde,
];
const expressionStarts: readonly TokenType[] = [
  ...operandStarts, T.Minus, T.Star, T.Amp, T.PlusPlus, T.MinusMinus,
];

/** With LA(1) the token after '(': is this a cast? */
export function isCastAhead(la: LA): boolean {
  const scan = scanType(la, 1);
  if (scan === undefined || !is(la(scan.next), T.RParen)) return false;
  const after = la(scan.next + 1);
  const startsExpr = expressionStarts.some((t) => is(after, t));
  if (!startsExpr) return false;
  if (scan.certain) return true;
  if (isBuiltinName(scan.name)) return false;
  if (isKnownTypeName(scan.name)) return true;
  return operandStarts.some((t) => is(after, t));
}

/** With LA(1) the first token inside sizeof(/offsetof(: is it a type (ending at `end`)? */
export function isTypeArgAhead(la: LA, end: TokenType): boolean {
  const scan = scanType(la, 1);
  if (scan === undefined || !is(la(scan.next), end)) return false;
  if (scan.certain) return true;
  if (isBuiltinName(scan.name)) return false;
  // A bare unknown word stays an expression (IdentExpr); the checker decides.
  return isKnownTypeName(scan.name) || scan.next > 2;
}
