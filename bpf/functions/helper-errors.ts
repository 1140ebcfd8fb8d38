// -k / --warnings: bpftrace's helper error checks. After a helper whose failure would
// otherwise go unnoticed (a probe read of a bad address, a lookup of a missing key), a
// negative return sends a record — u64 action id, s64 return code — and user space words
// it as bpftrace's runtime_error does: a located WARNING with an "Additional Info" line in
// text mode, a {"type": "helper_error", ...} record in JSON mode.
import { asm, helperName, R0, R1, R10 } from "../asm/index.ts";
import type { Span } from "../types/span.ts";
import { ERRNO_NAMES } from "../types/name-tables.ts";
import type { Action } from "./actions.ts";
import { type EventContext, readInt } from "./decode.ts";
import type { EmitContext } from "./emit-context.ts";
import { action, output } from "./records.ts";

type HelperError = Extract<Action, { kind: "helper_error" }>;

/**
 * Report the helper call just made (its return value in r0) when it failed; only with -k.
 * r0 is kept on the path that did not fail; r1-r5 are the call's scratch anyway.
 */
export function helperErrorCheck(g: EmitContext, helper: number, span: Span): void {
  if (!g.shared.helperChecks) return;
  const { e } = g;
  const ok = e.label("helper_ok");
  // helpers return an int in a 64-bit register: the sign is bit 31's
  e.emit(asm.mov(R1, R0), asm.lshImm(R1, 32), asm.arshImm(R1, 32), asm.jsgeImm(R1, 0, ok));
  helperErrorRecord(g, helper, span);
  e.place(ok);
  g.placeNop();
}

/** Send a helper error record with the return code in r1 (map lookups report 0, as bpftrace's do). */
export function helperErrorRecord(g: EmitContext, helper: number, span: Span): void {
  const rec = g.frame.alloc(16);
  g.e.emit(asm.stx(8, R10, rec + 8, R1));
  g.loadConst(BigInt(action(g, helperErrorAction(g, helper, span))));
  g.e.emit(asm.stx(8, R10, rec, R0));
  output(g, rec, 16);
}

function helperErrorAction(g: EmitContext, helper: number, span: Span): HelperError {
  const line = g.shared.source.split("\n")[span.line - 1] ?? "";
  const width = span.endLine === span.line ? Math.max(1, span.endCol - span.col) : 1;
  const range = span.endLine === span.line ? `${span.col}-${span.endCol}` : `${span.col}`;
  return {
    kind: "helper_error",
    helper: helperName(helper) ?? `helper ${helper}`,
    location: `${g.shared.origin}:${span.line}:${range}`,
    context: `${line}\n${" ".repeat(span.col - 1)}${"~".repeat(width)}`,
    filename: g.shared.origin,
    line: span.line,
    col: span.col,
  };
}

/** bpftrace's TextOutput::runtime_error wording: a few helpers and codes have their own. */
function helperErrorMessage(helper: string, retcode: number): string {
  if (helper === "map_update_elem" && retcode === -7) {
    return "Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`";
  }
  if (helper === "map_delete_elem" && retcode === -2) return "Can't delete map element because it does not exist.";
  if (helper === "map_lookup_elem") return "Can't lookup map element because it does not exist.";
  return strerror(-retcode);
}

function strerror(errno: number): string {
  return ERRNO_NAMES.get(errno)?.[1] ?? `Unknown error ${errno}`;
}

/** The record's event hook: a warning line (stderr) that carries the JSON record's fields. */
export function helperErrorEvent(a: HelperError, record: Uint8Array, rt: EventContext): void {
  const retcode = Number(readInt(record, 8, 8, true));
  const text = `${a.location}: WARNING: ${helperErrorMessage(a.helper, retcode)}\nAdditional Info - helper: ${a.helper}, retcode: ${retcode}\n${a.context}\n`;
  rt.warn(text, { msg: strerror(-retcode), helper: a.helper, retcode, filename: a.filename, line: a.line, col: a.col });
}
