// bpf/functions owns the language's functions and builtins: one row each
// ({name, signature, doc, check, emit, decode, events}: row.ts), one file per family —
// aggregations, output, maps, strings, symbols, names, introspection, time, stacks,
// context, network, process — and this registry, the one lookup by name that the
// checker, codegen, the codec, the run and magics' complete/inspect read. A new function
// is a row in its family's file.
//
// It may import bpf/types, lang, asm, probes (the probe a row is used in) and output (the
// formatters its decoders use); it must not import check, codegen, maps, runtime or the
// session: those import it. Rows reach the generator only through EmitContext
// (emit-context.ts) and the run through EventContext (decode.ts).
import type { Expr } from "../lang/ast.ts";
import type { MapValueKind } from "../types/map-info.ts";
import type { Type } from "../types/types.ts";
import type { Action } from "./actions.ts";
import type { Aggregation, Decode, Events, FunctionRow } from "./row.ts";
import { AGGREGATION_FUNCTIONS } from "./aggregations.ts";
import { TSERIES_FUNCTIONS } from "./tseries.ts";
import { OUTPUT_FUNCTIONS } from "./output.ts";
import { MAP_FUNCTIONS } from "./maps.ts";
import { STRING_FUNCTIONS } from "./strings.ts";
import { SYMBOL_FUNCTIONS } from "./symbols.ts";
import { NAME_FUNCTIONS } from "./names.ts";
import { INTROSPECTION_FUNCTIONS } from "./introspection.ts";
import { TIME_FUNCTIONS } from "./time.ts";
import { STACK_FUNCTIONS } from "./stacks.ts";
import { CONTEXT_FUNCTIONS } from "./context.ts";
import { NETWORK_FUNCTIONS } from "./network.ts";
import { PROCESS_FUNCTIONS } from "./process.ts";

export type { CallCheck, FunctionRow } from "./row.ts";

/** Every row, family by family. */
export const rows: readonly FunctionRow[] = [
  ...AGGREGATION_FUNCTIONS,
  ...TSERIES_FUNCTIONS,
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
export const builtinRows: ReadonlyMap<string, FunctionRow> = new Map(rows.filter((f) => f.builtin).map((f) => [f.name, f]));

/** The functions: rows that can be called. */
export const functions: ReadonlyMap<string, FunctionRow> = new Map(rows.filter((f) => f.check).map((f) => [f.name, f]));

/** The aggregation a call is (`@m[...] = count()`), if it is one. */
export function aggregationOf(e: Expr): Aggregation | undefined {
  return e.kind === "CallExpr" ? functions.get(e.callee)?.aggregation : undefined;
}

/** The aggregations by the map value kind they make. */
export const aggregations: ReadonlyMap<MapValueKind, Aggregation> = new Map(rows.flatMap((r) => (r.aggregation ? [[r.aggregation.kind, r.aggregation] as const] : [])));

/** The row that decodes values of type `t` (strftime's timestamps, ntop's addresses), if one does. */
export function decoderOf(t: Type): Decode | undefined {
  for (const row of decoders) if (row.accepts(t)) return row;
  return undefined;
}

const decoders: readonly Decode[] = rows.flatMap((r) => (r.decode ? [r.decode] : []));

/** The user-space hook of a ring-buffer record's action. */
export function eventHook<K extends Action["kind"]>(kind: K): Events[K] | undefined {
  return events.get(kind) as Events[K] | undefined;
}

const events = new Map<string, unknown>(rows.flatMap((r) => Object.entries(r.events ?? {})));
