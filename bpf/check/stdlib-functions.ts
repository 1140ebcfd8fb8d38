// Checks of bpftrace's smaller standard-library functions (docs/stdlib.md): string
// helpers (strlen, strcap, strstr, memcmp), clocks and namespaces (nsecs(mode),
// pid(ns), tid(ns)), compile-time introspection (is_str, is_integer, ..., static_assert,
// fail), pton, errorf/warnf/assert, kptr/uptr, len and percpu_kaddr. bpf/functions/index.ts lists
// them; codegen is bpf/codegen/stdlib-calls.ts.
import type * as A from "../lang/ast.ts";
import { type CallCheck, type FunctionRow, arity, fn } from "../functions/row.ts";
import { type Type, bool, int, isScalar, none, s64, str, typeName, u32, u64, u8 } from "../types/types.ts";

function checkFormatFn(c: CallCheck): Type | string {
  if (c.argTypes.length < 1 || c.constStr(0) === undefined) return `${c.call.callee}() needs a format string literal as its first argument`;
  return none;
}


export const STDLIB_FUNCTIONS: readonly FunctionRow[] = [
  fn("errorf", "void errorf(const string fmt, args...)", "Print a formatted error with the call's source location (stderr).", checkFormatFn),
  fn("warnf", "void warnf(const string fmt, args...)", "Print a formatted warning with the call's source location (stderr).", checkFormatFn),
  fn("assert", "void assert(bool condition, string message)", "When the condition is false: print \"assert failed: message\" as an error and exit with code 1.", (c) => {
    const bad = arity(c, 2);
    if (bad) return bad;
    if (!isScalar(c.argTypes[0]!) && c.argTypes[0]!.k !== "string") return `assert() condition must be an integer or a bool, not ${typeName(c.argTypes[0]!)}`;
    if (c.constStr(1) === undefined) return "assert() needs a message string literal";
    return none;
  }),
];
