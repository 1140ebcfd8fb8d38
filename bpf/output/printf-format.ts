// printf format strings: the conversions bpftrace accepts (C's, plus %r/%rx/%rh for
// buffers and %gr for gfp flags), split into literal text and conversion specs, checked at compile time and
// applied in user space (printf.ts).

/** One printf conversion: flags/width/precision as written, and the conversion letter. */
export interface FormatSpec {
  readonly text: string; // e.g. "%-16s"
  readonly flags: string;
  readonly width: string;
  readonly precision: string;
  readonly length: string;
  readonly conv: string; // d i u x X o c s p r (and rx rh gr)
}

/** Split a printf format into literal text and conversions; a string is an error message. */
export function parseFormat(fmt: string): FormatSpec[] | string {
  const out: FormatSpec[] = [];
  const re = /%(%|([-+ #0]*)(\d*|\*)(?:\.(\d+))?(hh|h|ll|l|z|j|t)?([diuxXocsprfeEgG]))/g;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(fmt)) !== null) {
    const between = fmt.slice(last, m.index);
    if (between.includes("%")) return `printf: invalid conversion near '${between.slice(between.indexOf("%"), between.indexOf("%") + 3)}'`;
    last = re.lastIndex;
    if (m[1] === "%") continue;
    let conv = m[6]!;
    // %gr: gfp flags by name (bpftrace's own conversion, the letter after the g)
    const suffix = (conv === "r" && (fmt[re.lastIndex] === "x" || fmt[re.lastIndex] === "h")) || (conv === "g" && fmt[re.lastIndex] === "r");
    if (suffix) {
      conv += fmt[re.lastIndex];
      re.lastIndex++;
      last = re.lastIndex;
    }
    if (m[3] === "*") return "printf: '*' widths are not supported";
    out.push({ text: m[0] + (conv.length > 1 ? conv.slice(1) : ""), flags: m[2] ?? "", width: m[3] ?? "", precision: m[4] ?? "", length: m[5] ?? "", conv });
  }
  if (fmt.slice(last).includes("%")) return `printf: invalid conversion '${fmt.slice(last).slice(fmt.slice(last).indexOf("%"), fmt.slice(last).indexOf("%") + 2)}'`;
  return out;
}
