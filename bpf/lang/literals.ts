// Integer and string literals, scanned from the source at an offset. Follows bpftrace's
// rules (docs/language.md "Literals", src/parser.cpp consume_integer_str/consume_string,
// src/util/int_parser.cpp): decimal, hex `0x`, octal `0123`, `_` separators, `1e6`,
// C suffixes (u, l, ul, ll, ull: accepted and ignored), duration suffixes (ns us ms s m
// h d, converted to nanoseconds like bpftrace). We also accept `0b101` and `0o17`.
// Strings: \n \t \r \" \\ \xNN and octal \NNN; a raw newline ends an unterminated string.

export interface LiteralProblem {
  readonly start: number;
  readonly end: number;
  readonly message: string;
  readonly hints?: readonly string[];
}

export interface ScannedInt {
  readonly end: number;
  readonly value: bigint;
  readonly problems: readonly LiteralProblem[];
}

const U64_MAX = (1n << 64n) - 1n;

const durationNs: Readonly<Record<string, bigint>> = {
  ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n,
  m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n,
};

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/** Scan an integer literal starting at `start` (a digit). Never throws. */
export function scanInteger(text: string, start: number): ScannedInt {
  const problems: LiteralProblem[] = [];
  let i = start;
  let radix = 10;
  let digitsStart = i;
  const second = text[i + 1];
  if (text[i] === "0" && (second === "x" || second === "X")) {
    radix = 16;
    i += 2;
  } else if (text[i] === "0" && (second === "b" || second === "B")) {
    radix = 2;
    i += 2;
  } else if (text[i] === "0" && (second === "o" || second === "O")) {
    radix = 8;
    i += 2;
  } else if (text[i] === "0" && (isDigit(second) || second === "_")) {
    radix = 8;
    i += 1;
  }
  digitsStart = i;
  const digitRe = radix === 16 ? /[0-9A-Fa-f_]/ : /[0-9_]/;
  while (i < text.length && digitRe.test(text[i] ?? "")) i++;
  const digits = text.slice(digitsStart, i).replaceAll("_", "");
  let value = 0n;
  if (digits.length === 0) {
    problems.push({ start, end: i, message: `missing digits in integer literal '${text.slice(start, i)}'` });
  } else {
    for (const ch of digits) {
      const d = parseInt(ch, 16);
      if (d >= radix) {
        const kind = radix === 8 ? "octal" : "binary";
        problems.push({
          start, end: i,
          message: `invalid digit '${ch}' in ${kind} literal '${text.slice(start, i)}'`,
          hints: radix === 8 && text[start] === "0" && isDigit(text[start + 1])
            ? ["a leading 0 makes a literal octal"] : [],
        });
        value = 0n;
        break;
      }
      value = value * BigInt(radix) + BigInt(d);
    }
  }
  if (text[i - 1] === "_") {
    problems.push({ start: i - 1, end: i, message: "trailing underscore in integer literal" });
  }
  // Scientific notation: 1e6 (integers only).
  if (radix === 10 && (text[i] === "e" || text[i] === "E") && isDigit(text[i + 1])) {
    const expStart = i + 1;
    i = expStart;
    while (i < text.length && /[0-9_]/.test(text[i] ?? "")) i++;
    const exp = BigInt(text.slice(expStart, i).replaceAll("_", ""));
    value = value === 0n ? 0n : exp > 40n ? U64_MAX + 1n : value * 10n ** exp;
  }
  // Suffix.
  const suffixStart = i;
  while (i < text.length && isWordChar(text[i])) i++;
  const suffix = text.slice(suffixStart, i);
  if (suffix !== "") {
    const lower = suffix.toLowerCase();
    const mult = radix === 10 || radix === 8 ? durationNs[suffix] : undefined;
    if (mult !== undefined) {
      value *= mult;
    } else if (!["u", "l", "ul", "lu", "ll", "ull", "llu"].includes(lower)) {
      problems.push({
        start: suffixStart, end: i,
        message: `invalid integer suffix '${suffix}'`,
        hints: ["durations take ns, us, ms, s, m, h or d (e.g. 100ms)"],
      });
    }
  }
  if (value > U64_MAX) {
    problems.push({ start, end: i, message: `integer literal '${text.slice(start, i)}' does not fit in 64 bits` });
    value = 0n;
  }
  return { end: i, value, problems };
}

export interface ScannedString {
  readonly end: number;
  readonly value: string;
  readonly problems: readonly LiteralProblem[];
  /** True when the string ran to the end of the input without a closing quote. */
  readonly openAtEof: boolean;
}

/** Scan a string literal whose opening quote is at `start`. Never throws. */
export function scanString(text: string, start: number): ScannedString {
  const problems: LiteralProblem[] = [];
  let out = "";
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') return { end: i + 1, value: out, problems, openAtEof: false };
    if (c === "\n") {
      problems.push({ start, end: i, message: "unterminated string literal", hints: ["close it with '\"' before the end of the line"] });
      return { end: i, value: out, problems, openAtEof: false };
    }
    if (c !== "\\") {
      out += c;
      i++;
      continue;
    }
    const escStart = i;
    const e = text[i + 1];
    if (e === undefined) {
      i++;
      break;
    }
    i += 2;
    switch (e) {
      case "n": out += "\n"; break;
      case "t": out += "\t"; break;
      case "r": out += "\r"; break;
      case '"': out += '"'; break;
      case "\\": out += "\\"; break;
      case "x":
      case "X": {
        const m = /^[0-9A-Fa-f]{1,2}/.exec(text.slice(i, i + 2));
        if (m === null) {
          problems.push({ start: escStart, end: i, message: "invalid hex escape sequence: expected \\xNN" });
        } else {
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
        }
        break;
      }
      default:
        if (e >= "0" && e <= "7") {
          let j = i;
          while (j < i + 2 && (text[j] ?? "") >= "0" && (text[j] ?? "") <= "7") j++;
          const oct = parseInt(e + text.slice(i, j), 8);
          i = j;
          if (oct > 255) {
            problems.push({ start: escStart, end: i, message: `octal escape sequence out of range '${text.slice(escStart, i)}'` });
          } else {
            out += String.fromCharCode(oct);
          }
        } else if (e === "\n") {
          problems.push({ start: escStart, end: i, message: "unterminated string literal" });
          return { end: i - 1, value: out, problems, openAtEof: false };
        } else {
          problems.push({
            start: escStart, end: i,
            message: `invalid escape sequence '\\${e}'`,
            hints: ["valid escapes are \\n \\t \\r \\\" \\\\ \\xNN and octal \\NNN"],
          });
        }
    }
  }
  problems.push({ start, end: text.length, message: "unterminated string literal" });
  return { end: text.length, value: out, problems, openAtEof: true };
}
