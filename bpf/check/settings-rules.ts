// What the program's settings (bpf/lang/settings.ts) change in checking: attach points
// that do not exist here under missing_probes, and the stack_mode that kstack/ustack
// values print with. (The functions bpftrace refuses without --unsafe say so in their
// rows: bpf/functions/.)
import type { AttachPoint } from "../lang/ast.ts";
import type { Span } from "../types/span.ts";
import { type Diagnostic, diagnostic } from "../types/diagnostic.ts";
import { findProvider, type Expansion } from "../probes/index.ts";
import type { MissingProbes, Settings } from "../lang/settings.ts";
import type { Type } from "../types/types.ts";

/**
 * The diagnostic for an attach point that did not expand: an error, or under
 * missing_probes = warn a warning (the attach point is skipped), or nothing (ignore).
 * An unknown probe type is not a missing probe: it stays an error.
 */
export function missingProbeDiagnostic(ap: AttachPoint, r: Extract<Expansion, { ok: false }>, mode: MissingProbes): Diagnostic | undefined {
  if (mode === "error" || !findProvider(ap.provider)) return diagnostic("SemanticError", ap.span, r.message, r.hints ?? []);
  if (mode === "ignore") return undefined;
  // bpftrace's "No matches for tracepoint x:y. Skipping."
  const skipped = r.message.endsWith(".") ? `${r.message} Skipping.` : `${r.message} (skipped: missing_probes = warn)`;
  return diagnostic("SemanticError", ap.span, skipped, r.hints ?? [], "warning");
}

/**
 * A probe left without attach points under missing_probes = warn (each was skipped), in
 * bpftrace's words (src/ast/passes/probe_prune.cpp): the probe is dropped. Under error the
 * attach points' own errors say it; under ignore nothing does.
 */
export function noAttachPointsDiagnostic(span: Span, mode: MissingProbes): Diagnostic | undefined {
  if (mode !== "warn") return undefined;
  return diagnostic("SemanticError", span, "Probe has no valid attach points. It is being removed which may cause issues with program behavior.", [], "warning");
}

/**
 * kstack/ustack values without a mode of their own (`kstack(perf)` sets one) print in the
 * program's stack_mode; bpftrace's own mode is left out of the type (it is the default),
 * as is show_debug_info's default (on).
 */
export function withSettings(t: Type, s: Settings): Type {
  if (t.k !== "stack") return t;
  // a kernel stack has no build ids: bpftrace prints kstack raw under stack_mode = build_id
  const fallback = s.stackMode === "build_id" && !t.user ? "raw" : s.stackMode;
  const mode = t.mode === undefined && fallback !== "bpftrace" ? fallback : undefined;
  const noDebug = !s.showDebugInfo && t.debugInfo === undefined;
  if (!mode && !noDebug) return t;
  return { ...t, ...(mode && { mode }), ...(noDebug && { debugInfo: false as const }) };
}
