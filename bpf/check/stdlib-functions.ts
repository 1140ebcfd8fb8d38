// Checks of bpftrace's smaller standard-library functions (docs/stdlib.md): string
// helpers (strlen, strcap, strstr, memcmp), clocks and namespaces (nsecs(mode),
// pid(ns), tid(ns)), compile-time introspection (is_str, is_integer, ..., static_assert,
// fail), pton, errorf/warnf/assert, kptr/uptr, len and percpu_kaddr. bpf/functions/index.ts lists
// them; codegen is bpf/codegen/stdlib-calls.ts.
import type * as A from "../lang/ast.ts";
import { type CallCheck, type FunctionRow, arity, fn } from "../functions/row.ts";
import { type Type, bool, int, isScalar, none, s64, str, typeName, u32, u64, u8 } from "../types/types.ts";

/** The compile-time answer of an is_* question about a type. */
function introspect(callee: string, t: Type, arg: A.Expr): boolean {
  switch (callee) {
    case "is_str":
      return t.k === "string";
    case "is_integer":
      return t.k === "int";
    case "is_unsigned_integer":
      return t.k === "int" && !t.signed;
    case "is_ptr":
      return t.k === "ptr";
    case "is_array":
      return t.k === "array";
    default: // is_literal
      return arg.kind === "IntLit" || arg.kind === "StrLit" || arg.kind === "BoolLit" || (arg.kind === "UnaryExpr" && arg.op === "-" && arg.operand.kind === "IntLit");
  }
}

function isQuestion(name: string): FunctionRow {
  return {
    name,
    signature: `bool ${name}(any expression)`,
    doc: `Whether the expression is ${name === "is_literal" ? "a literal" : name.slice(3).replace(/_/g, " ")}, known at compile time.`,
    check(c) {
      const a = arity(c, 1);
      if (a) return a;
      c.setConst?.(introspect(name, c.argTypes[0]!, c.call.args[0]!) ? 1n : 0n);
      return bool;
    },
  };
}

/** fail(fmt, ...): the format applied to the literal arguments, at compile time. */
export function formatLiterals(c: CallCheck): string | undefined {
  const fmt = c.constStr(0);
  if (fmt === undefined) return undefined;
  let i = 1;
  return fmt.replace(/%(%|-?\d*(?:l{0,2}|h{0,2}|z)?([a-zA-Z]))/g, (whole, body: string) => {
    if (body === "%") return "%";
    const v = c.constStr(i) ?? c.constInt(i)?.toString();
    i++;
    return v ?? whole;
  });
}

function checkFormatFn(c: CallCheck): Type | string {
  if (c.argTypes.length < 1 || c.constStr(0) === undefined) return `${c.call.callee}() needs a format string literal as its first argument`;
  return none;
}


export const STDLIB_FUNCTIONS: readonly FunctionRow[] = [
  ...["is_str", "is_integer", "is_unsigned_integer", "is_ptr", "is_array", "is_literal"].map(isQuestion),
  fn("static_assert", "void static_assert(bool condition, string msg)", "Fail the compilation when the condition is false.", (c) => {
    const bad = arity(c, 2);
    if (bad) return bad;
    if (c.constStr(1) === undefined) return "static_assert() needs a message string literal";
    const v = c.constValue?.(0);
    if (v === undefined) return "static_assert() needs a condition known at compile time";
    if (v === 0n && c.live !== false) return `static assertion failed: ${c.constStr(1)}`;
    return none;
  }),
  fn("fail", "void fail(const string fmt, args...)", "A compile-time error where it is reached (its arguments must be literals).", (c) => {
    const bad = checkFormatFn(c);
    if (bad !== none) return bad;
    const text = formatLiterals(c);
    if (text === undefined) return "fail() needs a format string literal";
    if (c.live !== false) return text;
    return none;
  }),
  fn("errorf", "void errorf(const string fmt, args...)", "Print a formatted error with the call's source location (stderr).", checkFormatFn),
  fn("warnf", "void warnf(const string fmt, args...)", "Print a formatted warning with the call's source location (stderr).", checkFormatFn),
  fn("assert", "void assert(bool condition, string message)", "When the condition is false: print \"assert failed: message\" as an error and exit with code 1.", (c) => {
    const bad = arity(c, 2);
    if (bad) return bad;
    if (!isScalar(c.argTypes[0]!) && c.argTypes[0]!.k !== "string") return `assert() condition must be an integer or a bool, not ${typeName(c.argTypes[0]!)}`;
    if (c.constStr(1) === undefined) return "assert() needs a message string literal";
    return none;
  }),
  ...(["kptr", "uptr"] as const).map((name) =>
    fn(name, `T * ${name}(T * ptr)`, `Mark a pointer as a ${name === "kptr" ? "kernel" : "user"} address space pointer.`, (c) => {
      const bad = arity(c, 1);
      if (bad) return bad;
      const t = c.argTypes[0]!;
      if (t.k === "ptr") return { ...t, user: name === "uptr" };
      if (t.k === "int") return t;
      return `${name}() needs a pointer, not ${typeName(t)}`;
    }),
  ),
];
