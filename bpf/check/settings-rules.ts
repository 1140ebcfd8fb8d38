// What the program's settings (bpf/settings.ts) and --unsafe change in checking: attach
// points that do not exist here under missing_probes, the stack_mode that kstack/ustack
// values print with, and the functions bpftrace refuses without --unsafe.
import type { AttachPoint, CallExpr } from "../lang/ast.ts";
import { type Diagnostic, diagnostic } from "../diagnostic.ts";
import { findProvider, type Expansion } from "../probes/index.ts";
import type { MissingProbes, Settings, StackMode } from "../settings.ts";
import type { Type } from "./types.ts";

/**
 * The diagnostic for an attach point that did not expand: an error, or under
 * missing_probes = warn a warning (the attach point is skipped), or nothing (ignore).
 * An unknown probe type is not a missing probe: it stays an error.
 */
export function missingProbeDiagnostic(ap: AttachPoint, r: Extract<Expansion, { ok: false }>, mode: MissingProbes): Diagnostic | undefined {
  if (mode === "error" || !findProvider(ap.provider)) return diagnostic("SemanticError", ap.span, r.message, r.hints ?? []);
  if (mode === "ignore") return undefined;
  return diagnostic("SemanticError", ap.span, `${r.message} (skipped: missing_probes = warn)`, r.hints ?? [], "warning");
}

/**
 * kstack/ustack values carry their stack mode: the call's (`kstack(perf)`), else the
 * program's stack_mode; bpftrace's own mode is left out of the type (it is the default).
 */
export function withSettings(t: Type, s: Settings, callMode?: StackMode): Type {
  if (t.k !== "stack" || t.mode !== undefined) return t;
  const mode = callMode ?? s.stackMode;
  return mode === "bpftrace" ? t : { ...t, mode };
}

/** The mode word of `kstack(perf[, n])` / `ustack(raw)`, if the call has one. */
export function stackModeArg(call: CallExpr): StackMode | undefined {
  if (call.callee !== "kstack" && call.callee !== "ustack") return undefined;
  const a = call.args[0];
  if (a?.kind !== "IdentExpr") return undefined;
  return a.name === "bpftrace" || a.name === "perf" || a.name === "raw" ? a.name : undefined;
}

/** bpftrace's unsafe functions: they need --unsafe. */
export const UNSAFE_FUNCTIONS: ReadonlySet<string> = new Set(["system", "signal", "signal_thread", "override", "write_user"]);

/** bpftrace's error for an unsafe call without --unsafe, or undefined. */
export function unsafeCallError(callee: string, unsafe: boolean): string | undefined {
  return !unsafe && UNSAFE_FUNCTIONS.has(callee) ? `${callee}() is an unsafe function being used in safe mode` : undefined;
}
