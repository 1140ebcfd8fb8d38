// Diagnostics: user errors as data (STYLE.md §6). Parse, check and codegen return them;
// they never throw on user input. `renderDiagnostic` gives the same text in the CLI and
// the notebook:
//
//   cell[3]:1:12-16: error: unknown identifier 'fake'
//   BEGIN { @x = fake; }
//                ~~~~
//   hint: did you mean 'func'?
import type { Span } from "./span.ts";

export type Severity = "error" | "warning";

/** Which pass produced a diagnostic; it becomes the Jupyter ename of an error. */
export type DiagnosticKind = "ParseError" | "TypeError" | "SemanticError" | "CodegenError";

export interface Diagnostic {
  readonly severity: Severity;
  readonly kind: DiagnosticKind;
  readonly span: Span;
  readonly message: string;
  readonly hints: readonly string[];
  /**
   * About the run rather than a place in the program (the program's command-line options):
   * bpftrace's style prints it without a location or source line.
   */
  readonly unlocated?: boolean;
}

export function diagnostic(
  kind: DiagnosticKind,
  span: Span,
  message: string,
  hints: readonly string[] = [],
  severity: Severity = "error",
): Diagnostic {
  return { severity, kind, span, message, hints };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/**
 * How a diagnostic reads: "tracebook" (the notebook: `error:`, an inclusive column range,
 * `hint:`) or "bpftrace" (the CLI, as bpftrace prints them: `ERROR:`, the range's end
 * column exclusive and always given, `HINT:`, a span over several lines as `L1-L2`).
 */
export type DiagnosticStyle = "tracebook" | "bpftrace";

/**
 * Render one diagnostic with its source line and a `~~~` underline (a `^` for an empty span).
 * `origin` names the source: "cell[3]", "stdin", a file name.
 */
export function renderDiagnostic(d: Diagnostic, source: string, origin: string, style: DiagnosticStyle = "tracebook"): string {
  const { line, col, endLine, endCol } = d.span;
  const bpftrace = style === "bpftrace";
  const range = bpftrace
    ? (endLine === line ? `${line}:${col}-${Math.max(endCol, col + 1)}` : `${line}-${endLine}`)
    : `${line}:${endLine === line && endCol > col + 1 ? `${col}-${endCol - 1}` : `${col}`}`;
  const severity = bpftrace ? d.severity.toUpperCase() : d.severity;
  if (bpftrace && d.unlocated) return [`${severity}: ${d.message}`, ...d.hints.map((h) => `HINT: ${h}`)].join("\n");
  const out = [`${origin}:${range}: ${severity}: ${d.message}`];
  const lines = source.split("\n");
  const text = lines[line - 1];
  if (bpftrace && endLine > line) {
    // bpftrace shows every line of a span over several, without an underline
    out.push(...lines.slice(line - 1, endLine));
  } else if (text !== undefined) {
    out.push(text);
    const width = endLine === line ? Math.max(1, endCol - col) : Math.max(1, text.length - col + 1);
    const mark = width === 1 && endCol <= col && !bpftrace ? "^" : "~".repeat(width);
    out.push(" ".repeat(Math.max(0, col - 1)) + mark);
  }
  for (const h of d.hints) out.push(`${bpftrace ? "HINT" : "hint"}: ${h}`);
  const notes = expansionNotes(d.span.from, source, origin, style, d.severity);
  return notes ? `${out.join("\n")}\n${notes}` : out.join("\n");
}

/**
 * The macro calls `from` (a node's Span.from) and each call it was itself inlined at, as
 * bpftrace prints them after a diagnostic: "expanded from" with the source line; "" if none.
 */
export function expansionNotes(from: Span | undefined, source: string, origin: string, style: DiagnosticStyle, severity: Severity): string {
  const notes: string[] = [];
  for (let s = from; s; s = s.from) {
    const note = diagnostic("SemanticError", { ...s, from: undefined }, "expanded from", [], severity);
    notes.push(renderDiagnostic(note, source, origin, style));
  }
  return notes.join("\n");
}

export function renderDiagnostics(ds: readonly Diagnostic[], source: string, origin: string, style: DiagnosticStyle = "tracebook"): string {
  return ds.map((d) => renderDiagnostic(d, source, origin, style)).join("\n");
}
