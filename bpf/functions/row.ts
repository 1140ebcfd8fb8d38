// A function or builtin of the language is one row: its name, its signature and doc
// (magics' complete and inspect), how a call is checked (bpf/check/call-check.ts) and how
// it is emitted (bpf/codegen/generator.ts, through the EmitContext). One file per family
// in this folder; index.ts is the registry.
import type { CallExpr } from "../lang/ast.ts";
import type { MapValueKind } from "../types/map-info.ts";
import type { ConcreteProbe, ProbeEnv } from "../probes/index.ts";
import type { EmitContext } from "./emit-context.ts";
import { type Type, typeName } from "../types/types.ts";

export interface CallCheck {
  /** Types of the (already checked) arguments. */
  readonly argTypes: readonly Type[];
  readonly call: CallExpr;
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
}

/** How a call is emitted; a row without one falls back to the generator's generic paths. */
export interface Emit {
  /** The call's value in r0 (numbers, pointers, bools, symbol addresses). */
  scalar?(g: EmitContext, x: CallExpr): void;
  /** The call's value stored at r10+off (strings, buffers, formatted values). */
  value?(g: EmitContext, x: CallExpr, off: number, t: Type): void;
  /** The call as a statement (printf, exit, clear, ...). */
  stmt?(g: EmitContext, x: CallExpr): void;
}

export interface FunctionRow {
  readonly name: string;
  readonly signature: string;
  readonly doc: string;
  /** Set for count/sum/hist/...: the map value kind a call makes. */
  readonly aggregation?: MapValueKind;
  /** Arguments that are maps (delete, clear, print...) are checked as map references. */
  readonly mapArgs?: boolean;
  /** Argument i is a bare word, not an expression (kstack(perf), nsecs(tai), pid(init)). */
  bareWord?(a: CallExpr["args"][number], i: number): boolean;
  check(c: CallCheck): Type | string;
  readonly emit?: Emit;
}

export function fn(name: string, signature: string, doc: string, check: FunctionRow["check"], extra: Partial<FunctionRow> = {}): FunctionRow {
  return { name, signature, doc, check, ...extra };
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
