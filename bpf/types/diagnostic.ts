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
 * How diagnostics are spelled: ours (`error:`, `hint:`) or bpftrace's (`ERROR:`, `HINT:`),
 * which the CLI prints so that tools reading bpftrace's output read ours.
 */
export type DiagnosticStyle = "tracebook" | "bpftrace";

/**
 * Render one diagnostic with its source line and a `~~~` underline (a `^` for an empty span).
 * `origin` names the source: "cell[3]", "stdin", a file name.
 */
export function renderDiagnostic(d: Diagnostic, source: string, origin: string, style: DiagnosticStyle = "tracebook"): string {
  const { line, col, endLine, endCol } = d.span;
  const range = endLine === line && endCol > col + 1 ? `${col}-${endCol - 1}` : `${col}`;
  const upper = style === "bpftrace";
  const out = [`${origin}:${line}:${range}: ${upper ? d.severity.toUpperCase() : d.severity}: ${d.message}`];
  const text = source.split("\n")[line - 1];
  if (text !== undefined) {
    out.push(text);
    const width = endLine === line ? Math.max(1, endCol - col) : Math.max(1, text.length - col + 1);
    const mark = width === 1 && endCol <= col ? "^" : "~".repeat(width);
    out.push(" ".repeat(Math.max(0, col - 1)) + mark);
  }
  for (const h of d.hints) out.push(`${upper ? "HINT" : "hint"}: ${h}`);
  return out.join("\n");
}

export function renderDiagnostics(ds: readonly Diagnostic[], source: string, origin: string, style: DiagnosticStyle = "tracebook"): string {
  return ds.map((d) => renderDiagnostic(d, source, origin, style)).join("\n");
}
