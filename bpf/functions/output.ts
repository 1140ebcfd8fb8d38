// The output family: what a program prints and how it ends — printf, print(value) and
// print(@map), errorf/warnf/assert (bpftrace's located ERROR/WARNING lines), cat(),
// system(), join(), exit(), debugf(). Each sends a record through the ring buffer
// (records.ts); its event hook prints it in user space, formatting with bpf/output.
//
//   printf    u64 action id, then the arguments laid out as a tuple; the format string
//             stays in user space (Action.specs)
//   join      u64 action id, then 16 strings of 1024 bytes, built in the per-CPU scratch
//             value (16 × 1024 bytes do not fit the 512-byte stack); an empty one ends them
//   exit      u64 action id, s64 exit code
import { asm, R0, R1, R2, R3, R4, R5, R10, type Reg } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { constInt } from "../lang/const-fold.ts";
import { parseFormat } from "../output/printf-format.ts";
import { applyFormat } from "../output/printf.ts";
import { valueText } from "../output/value-text.ts";
import { MAX_BPF_STACK } from "../types/abi.ts";
import { expansionNotes } from "../types/diagnostic.ts";
import { CodegenError } from "../types/errors.ts";
import { STOP_MAP } from "../types/internal-maps.ts";
import type { Span } from "../types/span.ts";
import { type Type, isScalar, none, sizeOf, tupleLayout, typeName } from "../types/types.ts";
import type { Action, ArgLayout } from "./actions.ts";
import { type ActionOutput, type EventContext, cString, readInt } from "./decode.ts";
import type { EmitContext } from "./emit-context.ts";
import { helperErrorEvent } from "./helper-errors.ts";
import { probeRead, probeReadStr } from "./memory.ts";
import { action, output, outputReserved, simpleAction } from "./records.ts";
import { type CallCheck, type FunctionRow, arity, fn, formatFirst } from "./row.ts";

/** bpftrace's join(): at most 16 elements of at most 1024 bytes each (join_argnum/argsize). */
export const JOIN_ARGNUM = 16;
export const JOIN_ARGSIZE = 1024;

type Formatted = Extract<Action, { specs: unknown }>;

/** printf's conversions against its arguments, reported at the arguments. */
function checkConversions(c: CallCheck): void {
  const e = c.call;
  const specs = parseFormat(c.constStr(0)!);
  const err = (span: Span, message: string, hints?: readonly string[]) => c.error(span, message, hints);
  if (typeof specs === "string") {
    err(e.args[0]!.span, specs);
    return;
  }
  const args = c.argTypes.slice(1);
  if (specs.length !== args.length) {
    err(e.span, `printf: the format has ${specs.length} conversion${specs.length === 1 ? "" : "s"} but ${args.length} argument${args.length === 1 ? " was" : "s were"} given`);
    return;
  }
  specs.forEach((spec, i) => {
    const t = args[i]!;
    const a = e.args[i + 1]!;
    if (spec.conv === "s" && !(t.k === "string" || t.k === "sym" || t.k === "stack" || t.k === "inet" || t.k === "timestamp" || t.k === "macaddr" || t.k === "buffer" || t.k === "tuple" || isScalar(t))) {
      err(a.span, `printf: %s cannot print ${typeName(t)}`);
    } else if (spec.conv !== "s" && !spec.conv.startsWith("r") && !isScalar(t)) {
      err(a.span, `printf: %${spec.conv} needs an integer, not ${typeName(t)}`, t.k === "string" ? ["use %s for strings"] : []);
    } else if (t.k === "ptr" && t.to.k === "int" && t.to.bits === 8 && spec.conv === "s") {
      err(a.span, "printf: %s of a char pointer: read the string with str() first", [`printf("%s", str(...))`]);
    }
  });
}

function checkJoin(c: CallCheck): Type | string {
  const a = arity(c, 1, 2);
  if (a) return a;
  const t = c.argTypes[0]!;
  if (!(t.k === "ptr" || t.k === "int")) return `join() needs an array of strings (char *arr[]), not ${typeName(t)}`;
  if (c.argTypes.length === 2 && c.constStr(1) === undefined) return "join() separator must be a string literal";
  return none;
}

/** The text of a printf-like record: its format applied to the arguments it carries. */
function formatted(a: Formatted, record: Uint8Array, rt: EventContext): string {
  return applyFormat(a.format, a.args.map((x) => rt.decode(x.type, record, x.offset)), a.specs);
}

/** cat() and system(): what they printed, and their errors on stderr. */
function actionOutput(rt: EventContext, r: ActionOutput, kind: "cat" | "syscall"): void {
  if (r.out) rt.output(r.out, { kind });
  if (r.err) rt.errorOutput(r.err);
}

/** bpftrace's LOG(ERROR/WARNING, location): "stdin:1:9-62: ERROR: text" on stderr. */
function severityLine(a: Extract<Action, { kind: "errorf" | "warnf" }>, record: Uint8Array, rt: EventContext): void {
  const line = `${a.location}: ${a.kind === "errorf" ? "ERROR" : "WARNING"}: ${formatted(a, record, rt).replace(/\n$/, "")}\n${a.expandedFrom ?? ""}`;
  if (a.kind === "warnf") rt.warn(line);
  else rt.errorOutput(line);
}

export const OUTPUT_FUNCTIONS: readonly FunctionRow[] = [
  fn("printf", 'printf(string fmt, ...)', "Print formatted text (through the ring buffer).", (c) => {
    if (c.argTypes.length < 1 || c.constStr(0) === undefined) return "printf() needs a format string literal as its first argument";
    checkConversions(c);
    return none;
  }, {
    emit: { stmt: (g, x) => formattedRecord(g, "printf", x) },
    events: { printf: (a, rec, rt) => rt.output(formatted(a, rec, rt), { kind: "printf" }) },
  }),
  fn("print", "print(@map[, top[, div]]) / print(value)", "Print a map (optionally the top N entries, values divided by div) or a value.", (c) => {
    const bad = arity(c, 1, 3);
    if (bad) return bad;
    // print(args) / print(*$p): the struct is copied whole (bpf/check/record-value.ts)
    const t = c.argTypes[0]!;
    if (c.call.args[0]?.kind !== "MapExpr" && (t.k === "record" || (t.k === "ptr" && t.byValue))) c.setArgType(0, c.structValue(t));
    return none;
  }, {
    mapArgs: { optional: true },
    splitsBeginEnd: true,
    emit: { stmt: print },
    events: {
      print: (a, _rec, rt) => rt.output(rt.printMap(a.map, a.top, a.div), { kind: "map", map: a.map, top: a.top, div: a.div }),
      print_value(a, rec, rt) {
        const value = rt.decode(a.arg.type, rec, a.arg.offset);
        rt.output(`${valueText(value)}\n`, { kind: "value", value });
      },
    },
  }),
  fn("exit", "exit([int code])", "End the program: END runs, then the maps are printed.", (c) => arity(c, 0, 1) ?? none, {
    leaves: true,
    emit: {
      stmt(g, x) {
        const { e } = g;
        const id = action(g, { kind: "exit" });
        const rec = g.frame.alloc(16);
        g.loadConst(BigInt(id));
        e.emit(asm.stx(8, R10, rec, R0));
        if (x.args[0]) g.scalar(x.args[0]);
        else e.emit(asm.movImm(R0, 0));
        e.emit(asm.stx(8, R10, rec + 8, R0));
        endRun(g, rec);
      },
    },
    events: { exit: (_a, rec, rt) => rt.exit(Number(readInt(rec, 8, 8, true))) },
  }),
  fn("errorf", "void errorf(const string fmt, args...)", "Print a formatted error with the call's source location (stderr).", (c) => formatFirst(c) ?? none, {
    emit: { stmt: (g, x) => formattedRecord(g, "errorf", x) },
    events: { errorf: severityLine },
  }),
  fn("warnf", "void warnf(const string fmt, args...)", "Print a formatted warning with the call's source location (stderr).", (c) => formatFirst(c) ?? none, {
    emit: { stmt: (g, x) => formattedRecord(g, "warnf", x) },
    // -k's helper errors are warnings too (bpf/functions/helper-errors.ts)
    events: { warnf: severityLine, helper_error: helperErrorEvent },
  }),
  fn("assert", "void assert(bool condition, string message)", "When the condition is false: print \"assert failed: message\" as an error and exit with code 1.", (c) => {
    const bad = arity(c, 2);
    if (bad) return bad;
    if (!isScalar(c.argTypes[0]!) && c.argTypes[0]!.k !== "string") return `assert() condition must be an integer or a bool, not ${typeName(c.argTypes[0]!)}`;
    if (c.constStr(1) === undefined) return "assert() needs a message string literal";
    return none;
  }, { emit: { stmt: assert } }),
  fn("cat", "cat(fmt, ...)", "Print a file's contents (the name is a printf format).", (c) => formatFirst(c) ?? none, {
    emit: { stmt: (g, x) => formattedRecord(g, "cat", x) },
    events: { cat: (a, rec, rt) => actionOutput(rt, rt.catFile(formatted(a, rec, rt)), "cat") },
  }),
  fn("system", "system(fmt, ...)", "Run a shell command and print its output (needs --unsafe).", (c) => formatFirst(c) ?? (c.unsafe ? none : "system() is an unsafe function being used in safe mode"), {
    emit: { stmt: (g, x) => formattedRecord(g, "system", x) },
    events: { system: (a, rec, rt) => actionOutput(rt, rt.runSystem(formatted(a, rec, rt)), "syscall") },
  }),
  fn("join", "join(char *argv[][, sep])", "Print the strings of an argv-style array, joined by sep.", checkJoin, {
    emit: { stmt: join },
    events: { join: (a, rec, rt) => rt.output(joinText(rec, a.separator, a.count, a.size), { kind: "join" }) },
  }),
  fn("debugf", "debugf(fmt, ...)", "Write to the kernel trace pipe (bpf_trace_printk).", checkDebugf, { emit: { stmt: debugf } }),
];

/** bpf_trace_printk takes three values after its format (bpftrace's debugf has the same limit). */
const TRACE_PRINTK = 6;
const DEBUGF_ARGS = [R3, R4, R5] as const;

function checkDebugf(c: CallCheck): Type | string {
  const bad = formatFirst(c);
  if (bad) return bad;
  if (c.argTypes.length - 1 > DEBUGF_ARGS.length) return `debugf() takes at most ${DEBUGF_ARGS.length} arguments after its format (bpf_trace_printk's limit)`;
  const odd = c.argTypes.slice(1).findIndex((t) => !isScalar(t) && t.k !== "string");
  return odd < 0 ? none : `debugf() argument ${odd + 2} must be an integer or a string, not ${typeName(c.argTypes[odd + 1]!)}`;
}

/**
 * debugf(fmt, ...): bpf_trace_printk writes the line to the kernel's trace buffer
 * (/sys/kernel/tracing/trace). Integers go as values; a string as the address of its
 * copy on this program's stack, which the kernel's %s reads as kernel memory.
 */
function debugf(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  const fmt = g.value(x.args[0]!);
  const fmtSize = sizeOf(g.type(x.args[0]!));
  const slots = x.args.slice(1).map((a): { off: number; string: boolean } => {
    if (g.type(a).k === "string") return { off: g.value(a), string: true };
    g.scalar(a);
    const off = g.frame.alloc(8);
    e.emit(asm.stx(8, R10, off, R0));
    return { off, string: false };
  });
  slots.forEach((s, i) => {
    const r: Reg = DEBUGF_ARGS[i]!;
    if (s.string) e.stackAddr(r, s.off);
    else e.emit(asm.ldx(8, r, R10, s.off));
  });
  e.stackAddr(R1, fmt);
  e.emit(asm.movImm(R2, fmtSize), asm.call(TRACE_PRINTK));
}

/**
 * A printf-like record (printf, cat, system, errorf, warnf): the action id, then the
 * arguments laid out as a tuple. errorf and warnf also carry the call's location.
 */
function formattedRecord(g: EmitContext, kind: Formatted["kind"], x: A.CallExpr, fmt = (x.args[0] as A.StrLit).value, args: readonly A.Expr[] = x.args.slice(1), site?: { location: string }): void {
  const { e } = g;
  const specs = parseFormat(fmt);
  if (typeof specs === "string") throw new CodegenError(specs, x.span);
  const argTypes = args.map((a) => g.type(a));
  const layout = tupleLayout([{ k: "int", bits: 64, signed: false }, ...argTypes]);
  const laid: ArgLayout[] = argTypes.map((type, i) => ({ type, offset: layout.offsets[i + 1]! }));
  const a = kind === "errorf" || kind === "warnf"
    ? { kind, format: fmt, specs, args: laid, location: site?.location ?? location(g, x.span), ...expandedFrom(g, kind, site ? x.span : x.span.from) }
    : { kind, format: fmt, specs, args: laid };
  const id = action(g, a);
  const size = Math.max(8, layout.size);
  const rec = g.frame.alloc(size);
  e.zero(rec, size);
  args.forEach((arg, i) => g.storeInto(arg, rec + laid[i]!.offset, argTypes[i]!));
  g.loadConst(BigInt(id));
  e.emit(asm.stx(8, R10, rec, R0));
  output(g, rec, size);
}

/** A warning the program raises at run time (bpftrace's runtime errors): warnf's record, at `span`. */
export function runtimeWarning(g: EmitContext, span: Span, text: string): void {
  formattedRecord(g, "warnf", { kind: "CallExpr", callee: "warnf", args: [], span }, text.replaceAll("%", "%%"), []);
}

/**
 * The macro calls an errorf/warnf was inlined at, innermost first: bpftrace's "expanded
 * from" lines, each with its source line and underline (rendered now: the run has no source).
 */
function expandedFrom(g: EmitContext, kind: "errorf" | "warnf", from: Span | undefined): { expandedFrom?: string } {
  const notes = expansionNotes(from, g.shared.source, g.shared.origin, "bpftrace", kind === "errorf" ? "error" : "warning");
  return notes ? { expandedFrom: `${notes}\n` } : {};
}

/** bpftrace's source location: line:column-endcolumn, the end exclusive. */
function location(g: EmitContext, span: A.Span): string {
  const range = span.endLine === span.line ? `${span.col}-${span.endCol}` : `${span.col}`;
  return `${g.shared.origin}:${span.line}:${range}`;
}

/**
 * Sends the exit record at r10+rec, then sets the run's stop flag (codegen/stop-flag.ts):
 * the probes of the run that fire after this one return at once, so nothing they would do
 * lands between exit() and the end of the run (user space reads the record a little later,
 * and a probe firing every millisecond would otherwise keep changing the maps until then).
 */
function endRun(g: EmitContext, rec: number): void {
  output(g, rec, 16);
  g.e.emit(asm.ldMapValue(R1, STOP_MAP, 0), asm.st(8, R1, 0, 1), asm.ja(g.exitLabel));
}

/**
 * bpftrace's assert is a macro of its stdlib (src/stdlib/base.bt) that calls errorf: the
 * error names that call's place there, then "expanded from" the assert.
 */
const ASSERT_ERRORF = { location: "stdlib/base.bt:6:5-37" };

/** bpftrace's assert macro: if (!cond) { errorf("assert failed: %s", msg); exit(1); } */
function assert(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  const failed = e.label("assertfail");
  const ok = e.label("assertok");
  g.cond(x.args[0]!, failed);
  e.emit(asm.ja(ok));
  e.place(failed);
  g.placeNop();
  formattedRecord(g, "errorf", x, "assert failed: %s", [x.args[1]!], ASSERT_ERRORF);
  const rec = g.frame.alloc(16);
  g.loadConst(BigInt(action(g, { kind: "exit" })));
  e.emit(asm.stx(8, R10, rec, R0), asm.st(8, R10, rec + 8, 1));
  endRun(g, rec);
  e.place(ok);
  g.placeNop();
}

/** print(@m[, top[, div]]): printed by user space now; print(value): the value, sent. */
function print(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  const a = x.args[0]!;
  if (a.kind === "MapExpr" && a.keys.length === 0) {
    g.mapInfo(a.name, a.span);
    const top = x.args[1] ? Number(constInt(x.args[1], g.shared.positional) ?? 0n) : 0;
    const div = x.args[2] ? Number(constInt(x.args[2], g.shared.positional) ?? 1n) : 1;
    return simpleAction(g, { kind: "print", map: a.name, top, div });
  }
  const t = g.type(a);
  const id = action(g, { kind: "print_value", arg: { type: t, offset: 8 } });
  // a value larger than the BPF stack is copied into the ring buffer from where it is
  if (sizeOf(t) > MAX_BPF_STACK) return outputReserved(g, id, g.value(a), sizeOf(t));
  const rec = g.frame.alloc(8 + sizeOf(t), 8);
  g.storeInto(a, rec + 8, t);
  g.loadConst(BigInt(id));
  e.emit(asm.stx(8, R10, rec, R0));
  output(g, rec, 8 + sizeOf(t));
}

/**
 * join(arr[, sep]): read up to 16 pointers of `arr` and the strings they point to into one
 * record (beyond the BPF stack, so in the scratch value: bpf/codegen/scratch.ts), then send
 * it. An empty string ends the list (user space stops there).
 */
function join(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  const sep = x.args[1]?.kind === "StrLit" ? x.args[1].value : " ";
  const actionId = action(g, { kind: "join", separator: sep, count: JOIN_ARGNUM, size: JOIN_ARGSIZE });
  const size = 8 + JOIN_ARGNUM * JOIN_ARGSIZE;
  const t = g.type(x.args[0]!);
  const rec = g.frame.alloc(size);
  const key = g.frame.alloc(8);
  const base = g.frame.alloc(8);
  const elem = g.frame.alloc(8);
  const done = e.label("jdone");
  g.scalar(x.args[0]!);
  e.emit(asm.stx(8, R10, base, R0));
  g.loadConst(BigInt(actionId));
  e.emit(asm.stx(8, R10, rec, R0));
  // The scratch value keeps the previous event's strings: clear every first byte.
  for (let i = 0; i < JOIN_ARGNUM; i++) e.emit(asm.st(1, R10, rec + 8 + i * JOIN_ARGSIZE, 0));
  for (let i = 0; i < JOIN_ARGNUM; i++) {
    e.stackAddr(R1, elem);
    e.emit(asm.movImm(R2, 8), asm.ldx(8, R3, R10, base), asm.addImm(R3, i * 8), asm.call(probeRead(g, t)));
    e.emit(asm.jneImm(R0, 0, done), asm.ldx(8, R3, R10, elem), asm.jeqImm(R3, 0, done));
    e.stackAddr(R1, rec + 8 + i * JOIN_ARGSIZE);
    e.emit(asm.movImm(R2, JOIN_ARGSIZE), asm.call(probeReadStr(g, t)));
  }
  e.place(done);
  output(g, rec, size, key);
}

/** A join record: u64 action id, then `count` strings of `size` bytes; an empty one ends it. */
export function joinText(rec: Uint8Array, separator: string, count: number, size: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const off = 8 + i * size;
    if (off >= rec.byteLength || rec[off] === 0) break;
    parts.push(cString(rec, off, size));
  }
  return `${parts.join(separator)}\n`;
}
