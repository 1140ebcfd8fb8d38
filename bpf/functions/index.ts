// The registry of the language's functions: every row (bpf/functions/row.ts), and a
// lookup by name that the checker, codegen and magics' complete/inspect read.
// Aggregations are the functions that may only be assigned to a map (`@m[k] = count()`).
import type { Expr } from "../lang/ast.ts";
import type { MapValueKind } from "../types/map-info.ts";
import { PROCESS_FUNCTIONS } from "./process.ts";
import { STRING_FUNCTIONS } from "./strings.ts";
import { NETWORK_FUNCTIONS } from "./network.ts";
import { TIME_FUNCTIONS } from "./time.ts";
import { STACK_FUNCTIONS } from "./stacks.ts";
import { SYMBOL_FUNCTIONS } from "./symbols.ts";
import { NAME_FUNCTIONS } from "./names.ts";
import { CONTEXT_FUNCTIONS } from "./context.ts";
import { INTROSPECTION_FUNCTIONS } from "./introspection.ts";
import { OUTPUT_FUNCTIONS } from "./output.ts";
import { MAP_FUNCTIONS } from "./maps.ts";
import { type Type, none, str, u64, s64, bool, isScalar, typeName } from "../types/types.ts";
import { type CallCheck, type Decode, type Events, type FunctionRow, arity, fn, intArg } from "./row.ts";
import type { Action } from "./actions.ts";
import { parseFormat } from "../output/printf-format.ts";
import type { Span } from "../types/span.ts";

export type { CallCheck, FunctionRow } from "./row.ts";

function agg(name: string, kind: MapValueKind, nargs: number, doc: string, signature: string): FunctionRow {
  return {
    name,
    signature,
    doc,
    aggregation: {
      kind,
      ...(kind === "count" && { unitless: true }),
      ...(kind === "lhist" && { mapInfo: (arg) => ({ lhist: { min: arg(1) ?? 0n, max: arg(2) ?? 1n, step: arg(3) ?? 1n } }) }),
      ...(kind === "hist" && { mapInfo: (arg) => ({ histK: Number(arg(1) ?? 0n) }) }),
    },
    check(c) {
      const a = arity(c, nargs, name === "hist" ? 2 : nargs);
      if (a) return a;
      for (let i = 0; i < c.argTypes.length; i++) {
        const e = intArg(c, i);
        if (e) return e;
      }
      if (name === "lhist") {
        for (const i of [1, 2, 3]) {
          if (c.constInt(i) === undefined) return `lhist() argument ${i + 1} (min, max, step) must be a constant integer`;
        }
        const [min, max, step] = [c.constInt(1)!, c.constInt(2)!, c.constInt(3)!];
        if (step <= 0n) return "lhist() step must be positive";
        if (max <= min) return "lhist() max must be greater than min";
        if ((max - min) / step > 1000n) return "lhist() has more than 1000 buckets";
      }
      if (name === "hist" && c.argTypes.length === 2) {
        const k = c.constInt(1);
        if (k === undefined || k < 0n || k > 5n) return "hist() second argument (k) must be a constant 0..5";
      }
      return none;
    },
  };
}

const table: FunctionRow[] = [
  agg("count", "count", 0, "Count how many times it is called (per-CPU, summed on read).", "count()"),
  agg("sum", "sum", 1, "Sum of the values.", "sum(int n)"),
  agg("min", "min", 1, "Minimum of the values.", "min(int n)"),
  agg("max", "max", 1, "Maximum of the values.", "max(int n)"),
  agg("avg", "avg", 1, "Average of the values (integer).", "avg(int n)"),
  agg("stats", "stats", 1, "Count, average and total of the values.", "stats(int n)"),
  agg("hist", "hist", 1, "Power-of-2 histogram of the values.", "hist(int n[, int k])"),
  agg("lhist", "lhist", 4, "Linear histogram: lhist(value, min, max, step).", "lhist(int n, int min, int max, int step)"),
  ...OUTPUT_FUNCTIONS,
  ...MAP_FUNCTIONS,
  ...STRING_FUNCTIONS,
  ...SYMBOL_FUNCTIONS,
  ...NAME_FUNCTIONS,
  ...INTROSPECTION_FUNCTIONS,
  ...TIME_FUNCTIONS,
  ...STACK_FUNCTIONS,
  ...CONTEXT_FUNCTIONS,
  ...NETWORK_FUNCTIONS,
  ...PROCESS_FUNCTIONS,
];

/** The builtins that are rows: bare identifiers (`pid`, `comm`, `nsecs`). */
export const builtinRows: ReadonlyMap<string, FunctionRow> = new Map(table.filter((f) => f.builtin).map((f) => [f.name, f]));

/** The functions: rows that can be called. */
export const functions: ReadonlyMap<string, FunctionRow> = new Map(table.filter((f) => f.check).map((f) => [f.name, f]));

/** Map-valued aggregations, as the value of `@m[...] = ...`. */
export function aggregationOf(e: Expr): MapValueKind | undefined {
  return e.kind === "CallExpr" ? functions.get(e.callee)?.aggregation?.kind : undefined;
}


/** The row that decodes values of type `t` (strftime's timestamps, ntop's addresses), if one does. */
export function decoderOf(t: Type): Decode | undefined {
  for (const row of decoders) if (row.accepts(t)) return row;
  return undefined;
}

const decoders: readonly Decode[] = table.flatMap((r) => (r.decode ? [r.decode] : []));

/** The user-space hook of a ring-buffer record's action. */
export function eventHook<K extends Action["kind"]>(kind: K): Events[K] | undefined {
  return events.get(kind) as Events[K] | undefined;
}

const events = new Map<string, unknown>(table.flatMap((r) => Object.entries(r.events ?? {})));
