// printf in user space: the program sends its arguments through the ring buffer; the
// format string stays in user space and is applied to the decoded values as C's printf
// would (flags, width, precision; no length modifier makes an integer a 32-bit int, `h` and
// `hh` narrow it to 16 and 8 bits, `l`, `ll`, `j`, `z`, `t` keep its 64, as C's printf does
// for bpftrace).
import { type FormatSpec, parseFormat } from "./printf-format.ts";
import type { Value } from "../types/snapshot.ts";
import { valueText } from "./value-text.ts";
import { gfpFlagsText } from "./gfp-flags.ts";

function pad(s: string, flags: string, width: string, numeric: boolean): string {
  const w = width ? Number(width) : 0;
  if (s.length >= w) return s;
  if (flags.includes("-")) return s + " ".repeat(w - s.length);
  if (numeric && flags.includes("0")) {
    const sign = s.startsWith("-") || s.startsWith("+") ? s[0]! : "";
    const rest = sign ? s.slice(1) : s;
    return sign + "0".repeat(w - s.length) + rest;
  }
  return " ".repeat(w - s.length) + s;
}

function intOf(v: Value): bigint {
  if (v.kind === "int") return v.value;
  if (v.kind === "bool") return v.value ? 1n : 0n;
  if (v.kind === "text" && /^0x/.test(v.text)) return BigInt(v.text);
  return 0n;
}

/**
 * The bits a length modifier leaves of an integer argument: `hh` 8, `h` 16, none 32 (C's
 * int: bpftrace HEAD casts `%d` and `%x` of a 64-bit value to int), `l`/`ll`/`j`/`z`/`t` 64.
 */
function lengthBits(length: string): number {
  return length === "hh" ? 8 : length === "h" ? 16 : length === "" ? 32 : 64;
}

export function formatOne(spec: FormatSpec, v: Value): string {
  const { flags, width, precision, conv } = spec;
  const bits = lengthBits(spec.length);
  switch (conv) {
    case "d":
    case "i": {
      let n = intOf(v);
      n = BigInt.asIntN(bits, n);
      let s = n.toString();
      if (n >= 0n && flags.includes("+")) s = `+${s}`;
      else if (n >= 0n && flags.includes(" ")) s = ` ${s}`;
      return pad(s, flags, width, true);
    }
    case "u":
      return pad(BigInt.asUintN(bits, intOf(v)).toString(), flags, width, true);
    case "x":
    case "X":
    case "o": {
      const n = BigInt.asUintN(bits, intOf(v));
      let s = n.toString(conv === "o" ? 8 : 16);
      if (conv === "X") s = s.toUpperCase();
      if (flags.includes("#") && n !== 0n) s = (conv === "o" ? "0" : conv === "X" ? "0X" : "0x") + s;
      return pad(s, flags, width, true);
    }
    case "gr":
      return pad(gfpFlagsText(intOf(v)), flags, width, false);
    case "p":
      return pad(`0x${BigInt.asUintN(64, intOf(v)).toString(16)}`, flags, width, false);
    case "c":
      return pad(String.fromCharCode(Number(intOf(v) & 0xffn)), flags, width, false);
    case "s": {
      let s = v.kind === "str" ? v.value : valueText(v);
      if (precision) s = s.slice(0, Number(precision));
      return pad(s, flags, width, false);
    }
    case "r":
    case "rx":
    case "rh": {
      const bytes = v.kind === "buf" ? v.bytes : v.kind === "str" ? Buffer.from(v.value) : new Uint8Array();
      let s: string;
      if (conv === "rx") s = [...bytes].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
      else if (conv === "rh") s = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
      else s = [...bytes].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`)).join("");
      return pad(s, flags, width, false);
    }
    default:
      return spec.text;
  }
}

/** A format split once: the literal text around its conversions (`%%` already made `%`). */
interface Split {
  /** texts[i] comes before conversion i; the last one ends the line. */
  readonly texts: readonly string[];
  /** Each conversion as written, printed as is when its value is missing. */
  readonly raw: readonly string[];
}

/** Splits by format string: a printf runs once per event, its format is split once. */
const splits = new Map<string, Split>();

function split(format: string): Split {
  let s = splits.get(format);
  if (s) return s;
  const texts: string[] = [];
  const raw: string[] = [];
  const re = /%(%|[-+ #0]*(?:\d*|\*)(?:\.\d+)?(?:hh|h|ll|l|z|j|t)?(?:r[xh]?|gr|[diuxXocsprfeEgG]))/g;
  let text = "";
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(format)) !== null) {
    text += format.slice(last, m.index);
    last = re.lastIndex;
    if (m[1] === "%") {
      text += "%";
      continue;
    }
    texts.push(text);
    raw.push(m[0]);
    text = "";
  }
  texts.push(text + format.slice(last));
  s = { texts, raw };
  if (splits.size >= 1000) splits.clear(); // a long session's many formats: keep it bounded
  splits.set(format, s);
  return s;
}

export function applyFormat(format: string, values: readonly Value[], specs?: readonly FormatSpec[]): string {
  const all = specs ?? (parseFormat(format) as FormatSpec[]);
  const { texts, raw } = split(format);
  let out = texts[0]!;
  for (let i = 0; i < raw.length; i++) {
    const spec = all[i];
    const v = values[i];
    out += (spec && v ? formatOne(spec, v) : raw[i]!) + texts[i + 1]!;
  }
  return out;
}
