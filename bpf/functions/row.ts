// A function or builtin of the language is one row: its name, its signature and doc
// (magics' complete and inspect), how a call is checked (bpf/check/call-check.ts), how it
// is emitted (bpf/codegen/generator.ts, through the EmitContext), and how user space
// decodes the values and ring-buffer records it makes (bpf/maps/codec.ts,
// bpf/runtime/run.ts). One file per family in this folder; index.ts is the registry.
// Nothing reads a function's name anywhere else: the passes ask the row.
import type * as A from "../lang/ast.ts";
import type { Settings } from "../lang/settings.ts";
import type { MapInfo, MapValueKind } from "../types/map-info.ts";
import type { ConcreteProbe, ProbeEnv } from "../probes/index.ts";
import type { Aggregate, Value } from "../types/snapshot.ts";
import { type Type, typeName } from "../types/types.ts";
import type { EmitContext } from "./emit-context.ts";
import type { Action } from "./actions.ts";
import type { EventContext, Symbolizer } from "./decode.ts";

/** A use of a row: a call `f(...)`, or a bare builtin `f` (which is `f()`). */
export type Use = A.CallExpr | A.IdentExpr;

/** The arguments of a use (none for a bare builtin). */
export function argsOf(x: Use): readonly A.Expr[] {
  return x.kind === "CallExpr" ? x.args : [];
}

/** The name of a use: the callee or the builtin. */
export function nameOf(x: Use): string {
  return x.kind === "CallExpr" ? x.callee : x.name;
}

export interface CallCheck {
  /** Types of the (already checked) arguments. */
  readonly argTypes: readonly Type[];
  readonly call: A.CallExpr;
  /** The constant value of argument i, if it is an integer literal (after folding). */
  constInt(i: number): bigint | undefined;
  constStr(i: number): string | undefined;
  /** The probe being checked and the machine's facts (kaddr, uaddr, cgroupid). */
  readonly probe?: ConcreteProbe;
  readonly env?: ProbeEnv;
  /** --unsafe: system() is allowed. */
  readonly unsafe?: boolean;
  /** max_strlen: the size of str(p) and the most str(p, n) and buf(p, n) read (types.ts DEFAULT_STRLEN). */
  readonly maxStrlen: number;
  /** The value of argument i when known at compile time (literals, is_str(), sizeof, ...). */
  constValue?(i: number): bigint | undefined;
  /** Record the call's own value as known at compile time (is_str(), strcap("...")). */
  setConst?(v: bigint): void;
  /** False inside a branch that a constant condition never takes: fail() is not reached there. */
  readonly live?: boolean;
  /** Report a problem at `span` (printf's conversions at their arguments); the call keeps its type. */
  error(span: A.Span, message: string, hints?: readonly string[]): void;
  /** A user map of the program, for the calls whose first argument is one (delete's key). */
  map(name: string): MapInfo | undefined;
  /** The type a struct is copied as (print(args), print(*$p)), for setArgType. */
  structValue(t: Type): Type;
  /** Give argument i another type than its own (a struct printed by value). */
  setArgType(i: number, t: Type): void;
}

/** What a bare builtin's type may depend on. */
export interface BuiltinCheck {
  readonly probe: ConcreteProbe;
  /** max_strlen: strings the probe does not size itself. */
  readonly maxStrlen: number;
  /** A kernel type through BTF ("struct task_struct"), where the kernel has BTF. */
  kernelType(name: string): Type | undefined;
}

export interface Builtin {
  readonly doc: string;
  /** The type in this probe, or an error message when the probe cannot provide it. */
  type(c: BuiltinCheck): Type | string;
}

/** How a use is emitted; without a hook the generator says the use is not supported. */
export interface Emit {
  /** The value in r0 (numbers, pointers, bools, symbol addresses). */
  scalar?(g: EmitContext, x: Use): void;
  /** The value stored at r10+off, laid out as `t` (strings, buffers, formatted values). */
  value?(g: EmitContext, x: Use, off: number, t: Type): void;
  /** The call as a statement (printf, exit, clear, ...); without one a call is evaluated and dropped. */
  stmt?(g: EmitContext, x: A.CallExpr): void;
}

/** How user space turns the bytes of a value this row makes into a Value. */
export interface Decode {
  /** Whether `t` is this row's value type (strftime: timestamp). */
  accepts(t: Type): boolean;
  value(t: Type, bytes: Uint8Array, off: number, sym: Symbolizer): Value;
}

/** The user-space side of the ring-buffer records a row sends, by action kind. */
export type Events = { readonly [K in Action["kind"]]?: (a: Extract<Action, { kind: K }>, record: Uint8Array, rt: EventContext) => void };

/**
 * count(), hist(), ...: what a map assigned this aggregation holds, how the kernel folds
 * a value into a CPU's copy (codegen/map-ops.ts evaluates the argument and the key, then
 * asks these), and how the copies are combined when the map is read. `aux` is a 16-byte
 * stack slot that `bucket` may fill for `update` and `first` (tseries: the epoch and the time).
 */
export interface Aggregation {
  readonly kind: MapValueKind;
  /**
   * What the call's constant arguments (and its value's type) add to the map (lhist's
   * range, hist's k, tseries' interval and the sign of its values).
   */
  mapInfo?(constArg: (i: number) => bigint | undefined, argType: (i: number) => Type | undefined, constStr: (i: number) => string | undefined): Partial<MapInfo>;
  /** Why `next` (a use in a new cell) cannot share `prev`'s map when their calls differ (lhist's range). */
  conflict?(prev: MapInfo, next: MapInfo): string | null;
  /** The value's unit is not its argument's (count() has none). */
  readonly unitless?: boolean;
  /** The type `@m[k]` reads as in an expression; absent: the map can only be printed. */
  readonly readAs?: Type;
  /** r1 = the value → r0 = its bucket, the last part of the key (hist, lhist, tseries). */
  bucket?(g: EmitContext, info: MapInfo, aux: number): void;
  /** The key's copy exists: r0 points to it, r2 = the value; fold it in (or jump to `done`). */
  update(g: EmitContext, done: string, info: MapInfo, aux: number): void;
  /** The first copy at r10+init (valueSize bytes, at least 16), from r2 = the value. */
  first(g: EmitContext, init: number, info: MapInfo, aux: number): void;
  /**
   * Reading in the kernel: r1 = one CPU's copy (r0 points to it), r2 = the first u64 at
   * r10+acc; combine into acc's 16 bytes, or jump to `skip` to leave them.
   */
  readCpu?(g: EmitContext, acc: number, skip: string): void;
  /** Reading in the kernel, after the CPUs: r0 = acc's first u64; make it the value (avg's quotient). */
  readDone?(g: EmitContext, acc: number): void;
  /** User space: the value of one key from its per-CPU copies (`at(cpu, field)` reads a u64 field as signed). */
  decode(at: (cpu: number, field: number) => bigint, copies: number, info: MapInfo): Aggregate;
  /** User space, bucketed maps: the decoded buckets (by index) of one key as the key's value. */
  buckets?(parts: ReadonlyMap<number, Aggregate>, info: MapInfo): Aggregate;
}

/** Calls whose first argument is a map (`clear(@m)`): how the checker treats it. */
export interface MapArgs {
  /** The first argument must be a map. */
  readonly required?: boolean;
  /** The call changes the map: it counts as written (printed when the program ends). */
  readonly writes?: boolean;
  /** A map no cell has defined is no error (print(@m) of nothing prints nothing). */
  readonly optional?: boolean;
}

export interface FunctionRow {
  readonly name: string;
  readonly signature: string;
  readonly doc: string;
  /** How a call is checked: its type or an error message. Absent: a builtin only, not callable. */
  check?(c: CallCheck): Type | string;
  /** The row as a bare identifier (`pid`, `comm`, `nsecs`). */
  readonly builtin?: Builtin;
  /**
   * A use that is another expression (ppid is curtask->real_parent->tgid): the checker
   * checks and codegen emits the replacement. A string is an error message.
   */
  rewrite?(x: Use, hasBtf: boolean, settings: Settings): A.Expr | string;
  /** Set for count/sum/hist/...: the map value kind a call makes. */
  readonly aggregation?: Aggregation;
  /** Arguments that are maps (delete, clear, print...) are checked as map references. */
  readonly mapArgs?: MapArgs;
  /** Argument i is a bare word, not an expression (kstack(perf), nsecs(tai), pid(init)). */
  bareWord?(a: A.Expr, i: number): boolean;
  /** bpftrace refuses the call without --unsafe. */
  readonly unsafe?: boolean;
  /** The call always ends the probe's run (exit()): a statement after it never runs. */
  readonly leaves?: boolean;
  /**
   * A map action user space performs when its record arrives (clear, zero, print): in
   * BEGIN/END (run synchronously) the program is split after it, so it happens exactly
   * there (bpf/codegen/split.ts).
   */
  readonly splitsBeginEnd?: boolean;
  /** The unit of the value, for chart titles ("ns" for nsecs and elapsed). */
  readonly unit?: "ns";
  readonly emit?: Emit;
  readonly decode?: Decode;
  readonly events?: Events;
}

export function fn(name: string, signature: string, doc: string, check: FunctionRow["check"], extra: Partial<FunctionRow> = {}): FunctionRow {
  return { name, signature, doc, check, ...extra };
}

/** A builtin that is no function: `name` alone, its type, its doc. */
export function builtin(name: string, doc: string, type: Builtin["type"], extra: Partial<FunctionRow> = {}): FunctionRow {
  return { name, signature: name, doc, builtin: { doc, type }, ...extra };
}

/** The one argument-count check: an error message, or null when min <= n <= max. */
export function arity(c: CallCheck, min: number, max = min): string | null {
  const n = c.argTypes.length;
  if (n >= min && n <= max) return null;
  const want = min === max ? `${min}` : `${min} to ${max}`;
  return `${c.call.callee}() takes ${want} argument${max === 1 ? "" : "s"}, got ${n}`;
}

/** Argument i is integer-like (int, bool, pointer, symbol address). */
export function intArg(c: CallCheck, i: number): string | null {
  const t = c.argTypes[i];
  if (t && (t.k === "int" || t.k === "bool" || t.k === "ptr" || t.k === "sym")) return null;
  return `${c.call.callee}() argument ${i + 1} must be an integer, not ${t ? typeName(t) : "nothing"}`;
}

/** printf-like: a format string literal first. */
export function formatFirst(c: CallCheck): string | null {
  if (c.argTypes.length < 1 || c.constStr(0) === undefined) return `${c.call.callee}() needs a format string literal as its first argument`;
  return null;
}
