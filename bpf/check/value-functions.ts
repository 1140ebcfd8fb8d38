// Checks of the functions whose value is formatted in user space or resolved at compile
// time (bpftrace docs/stdlib.md): strftime, ntop, macaddr, kaddr, uaddr, usym, cgroupid,
// join, cat, system, kstack/ustack. bpf/functions/index.ts lists them; codegen is
// bpf/codegen/value-calls.ts.
import { type CallCheck, arity } from "../functions/row.ts";
import { type Type, type StackMode, int, isScalar, none, sizeOf, typeName, u64 } from "../types/types.ts";

/** bpftrace's join(): at most 16 elements of at most 1024 bytes each (join_argnum/argsize). */
export const JOIN_ARGNUM = 16;
export const JOIN_ARGSIZE = 1024;



export function checkJoin(c: CallCheck): Type | string {
  const a = arity(c, 1, 2);
  if (a) return a;
  const t = c.argTypes[0]!;
  if (!(t.k === "ptr" || t.k === "int")) return `join() needs an array of strings (char *arr[]), not ${typeName(t)}`;
  if (c.argTypes.length === 2 && c.constStr(1) === undefined) return "join() separator must be a string literal";
  return none;
}

/** cat(fmt, ...) and system(fmt, ...): a printf-style format, formatted in user space. */
export function checkFormatted(c: CallCheck): Type | string {
  if (c.argTypes.length < 1 || c.constStr(0) === undefined) return `${c.call.callee}() needs a format string literal as its first argument`;
  if (c.call.callee === "system" && !c.unsafe) return "system() is an unsafe function being used in safe mode";
  return none;
}
