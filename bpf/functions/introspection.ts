// The introspection family: what is known at compile time — sizeof, the is_* questions
// about an expression's type (constants: nothing runs), static_assert and fail (errors at
// compile time, where they are reached), config (the settings as a record) — and kptr/uptr,
// which only retype a pointer.
import type * as A from "../lang/ast.ts";
import type { Settings } from "../lang/settings.ts";
import { type Type, bool, none, typeName, u64 } from "../types/types.ts";
import { type CallCheck, type FunctionRow, argsOf, arity, fn, formatFirst } from "./row.ts";

/** is_NAME(expr): its answer is a constant of the call (codegen loads it). */
function question(name: string, what: string, answer: (t: Type, arg: A.Expr) => boolean): FunctionRow {
  return fn(name, `bool ${name}(any expression)`, `Whether the expression is ${what}, known at compile time.`, (c) => {
    const a = arity(c, 1);
    if (a) return a;
    c.setConst?.(answer(c.argTypes[0]!, c.call.args[0]!) ? 1n : 0n);
    return bool;
  });
}

const isLiteral = (arg: A.Expr): boolean =>
  arg.kind === "IntLit" || arg.kind === "StrLit" || arg.kind === "BoolLit" || (arg.kind === "UnaryExpr" && arg.op === "-" && arg.operand.kind === "IntLit");

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

/** Checked at compile time; nothing runs. */
const compileTimeOnly = { stmt: () => undefined };

/** kptr/uptr: the pointer, retyped into kernel or user memory. */
function retype(name: "kptr" | "uptr"): FunctionRow {
  return fn(name, `T * ${name}(T * ptr)`, `Mark a pointer as a ${name === "kptr" ? "kernel" : "user"} address space pointer.`, (c) => {
    const bad = arity(c, 1);
    if (bad) return bad;
    const t = c.argTypes[0]!;
    if (t.k === "ptr") return { ...t, user: name === "uptr" };
    if (t.k === "int") return t;
    return `${name}() needs a pointer, not ${typeName(t)}`;
  }, { emit: { scalar: (g, x) => g.scalar(argsOf(x)[0]!) } });
}

/**
 * container_of(ptr, typeof(T), member): `(T*)((uint64)ptr - offsetof(T, member))`, the
 * address of the T whose `member` ptr points at (bpftrace's stdlib macro, meta.bt).
 */
function containerOf(x: A.CallExpr | A.IdentExpr): A.Expr | string {
  const [ptr, type, member] = argsOf(x);
  if (argsOf(x).length !== 3 || !ptr || !type || !member) return "container_of() takes 3 arguments: a pointer, typeof(the container's type) and the member's name";
  if (type.kind !== "TypeofExpr") return "container_of() needs the container's type as typeof(...), e.g. typeof(struct task_struct)";
  const fields: string[] = [];
  let m: A.Expr = member;
  for (; m.kind === "FieldExpr" && !m.arrow; m = m.object) fields.unshift(m.field);
  if (m.kind !== "IdentExpr") return "container_of() needs the member's name (a field, or fields joined by '.') as its third argument";
  fields.unshift(m.name);
  const span = x.span;
  const spec = (name: string, pointerDepth: number, of?: A.TypeSpec | A.Expr): A.TypeSpec => ({ kind: "TypeSpec", name, ...(of && { of }), pointerDepth, arraySize: undefined, span });
  const address: A.Expr = { kind: "CastExpr", type: spec("uint64", 0), expr: ptr, span };
  const offset: A.Expr = { kind: "OffsetofExpr", type: type.target, fields, span };
  return { kind: "CastExpr", type: spec("typeof", 1, type.target), expr: { kind: "BinaryExpr", op: "-", left: address, right: offset, span }, span };
}

export const INTROSPECTION_FUNCTIONS: readonly FunctionRow[] = [
  fn("container_of", "T * container_of(M * ptr, typeof(T), member)", "The address of the T whose member ptr points at.", () => u64, { rewrite: containerOf }),
  fn("sizeof", "sizeof(type or expr)", "Size in bytes.", () => u64, { emit: { scalar: (g, x) => g.scalar(argsOf(x)[0]!) } }),
  question("is_str", "str", (t) => t.k === "string"),
  question("is_integer", "integer", (t) => t.k === "int"),
  question("is_unsigned_integer", "unsigned integer", (t) => t.k === "int" && !t.signed),
  question("is_ptr", "ptr", (t) => t.k === "ptr"),
  question("is_array", "array", (t) => t.k === "array"),
  question("is_literal", "a literal", (_t, arg) => isLiteral(arg)),
  fn("static_assert", "void static_assert(bool condition, string msg)", "Fail the compilation when the condition is false.", (c) => {
    const bad = arity(c, 2);
    if (bad) return bad;
    if (c.constStr(1) === undefined) return "static_assert() needs a message string literal";
    const v = c.constValue?.(0);
    if (v === undefined) return "static_assert() needs a condition known at compile time";
    if (v === 0n && c.live !== false) return `static assertion failed: ${c.constStr(1)}`;
    return none;
  }, { emit: compileTimeOnly }),
  fn("fail", "void fail(const string fmt, args...)", "A compile-time error where it is reached (its arguments must be literals).", (c) => {
    const bad = formatFirst(c);
    if (bad) return bad;
    const text = formatLiterals(c);
    if (text === undefined) return "fail() needs a format string literal";
    if (c.live !== false) return text;
    return none;
  }, { emit: compileTimeOnly }),
  retype("kptr"),
  retype("uptr"),
  fn("config", "record config()", "The settings (max_strlen, stack_mode, ...) as a record: config().max_strlen.", (c) => arity(c, 0) ?? u64, {
    rewrite: configRecord,
    builtin: { doc: "The settings as a record: config.max_strlen.", type: () => u64 },
  }),
];

/**
 * config / config(): the program's settings as a record literal, built at compile time
 * (bpftrace's __builtin_config), so `config().max_strlen` is a constant like any field.
 */
export function configRecord(x: A.CallExpr | A.IdentExpr, _hasBtf: boolean, settings: Settings): A.Expr | string {
  const span = x.span;
  if (argsOf(x).length > 0) return "config() takes no arguments";
  const fields: [string, A.Expr][] = [
    ["max_strlen", { kind: "IntLit", value: BigInt(settings.maxStrlen), raw: String(settings.maxStrlen), span }],
    ["max_map_keys", { kind: "IntLit", value: BigInt(settings.maxMapKeys), raw: String(settings.maxMapKeys), span }],
    ["stack_mode", { kind: "StrLit", value: settings.stackMode, span }],
    ["missing_probes", { kind: "StrLit", value: settings.missingProbes, span }],
    ["print_maps_on_exit", { kind: "BoolLit", value: settings.printMapsOnExit, span }],
    ["max_cat_bytes", { kind: "IntLit", value: BigInt(settings.maxCatBytes), raw: String(settings.maxCatBytes), span }],
    ["str_trunc_trailer", { kind: "StrLit", value: settings.strTruncTrailer, span }],
    // accepted and ignored here (settings.ts); bpftrace's defaults
    ["cpp_demangle", { kind: "BoolLit", value: true, span }],
  ];
  return { kind: "TupleExpr", elements: fields.map((f) => f[1]), names: fields.map((f) => f[0]), span };
}
