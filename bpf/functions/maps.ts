// The map family: calls on a whole map or one of its entries — clear, zero (done by user
// space when their record arrives), delete, has_key, len(@map) and len(stack).
//
//   len(@m)    bpf_for_each_map_elem with a callback that only returns 0: the helper's
//              result is the number of elements it visited
//   len(stack) bpf_get_stack into a scratch buffer: bytes / 8
import { asm, H, helpers, R0, R1, R2, R3, R4, R6, withLabel } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { BPF_F_USER_STACK } from "../types/abi.ts";
import { CodegenError } from "../types/errors.ts";
import { STACK_DEPTH, bool, compatible, none, s64, typeName } from "../types/types.ts";
import { MAP_CALLBACK_PARAMS, type EmitContext } from "./emit-context.ts";
import { simpleAction } from "./records.ts";
import { type CallCheck, type FunctionRow, type Use, argsOf, arity, fn } from "./row.ts";

/** clear(@m) / zero(@m): user space does it when the record arrives (between events). */
function wholeMap(kind: "clear" | "zero") {
  return (g: EmitContext, x: A.CallExpr): void => {
    const m = x.args[0] as A.MapExpr;
    g.mapInfo(m.name, m.span);
    simpleAction(g, { kind, map: m.name });
  };
}

export const MAP_FUNCTIONS: readonly FunctionRow[] = [
  fn("clear", "clear(@map)", "Delete every entry of a map.", (c) => arity(c, 1) ?? none, {
    mapArgs: { required: true, writes: true },
    splitsBeginEnd: true,
    emit: { stmt: wholeMap("clear") },
    events: { clear: (a, _rec, rt) => rt.clearMap(a.map) },
  }),
  fn("zero", "zero(@map)", "Set every value of a map to zero.", (c) => arity(c, 1) ?? none, {
    mapArgs: { required: true, writes: true },
    splitsBeginEnd: true,
    emit: { stmt: wholeMap("zero") },
    events: { zero: (a, _rec, rt) => rt.zeroMap(a.map) },
  }),
  fn("delete", "delete(@map[key]) / delete(@map, key)", "Delete one entry of a map; false when there was none.", (c) => {
    const m = c.call.args[0];
    if (m?.kind === "MapExpr" && c.call.args.length === 1 && m.keys.length === 0 && (c.map(m.name)?.keyTypes.length ?? 0) > 0) {
      c.error(c.call.span, `delete() needs a key: delete(${m.name}[key])`);
    }
    return arity(c, 1, 2) ?? (c.argTypes.length === 2 ? keyed(c, "delete() with two arguments", 1) : null) ?? bool;
  }, {
    mapArgs: { required: true, writes: true },
    emit: {
      stmt: deleteElem,
      scalar(g, x) {
        // bpf_map_delete_elem returns 0 when it deleted the key: the value is that success.
        const { e } = g;
        deleteElem(g, x as A.CallExpr);
        const no = e.label("delno");
        const end = e.label("delend");
        e.emit(asm.jneImm(R0, 0, no), asm.movImm(R0, 1), asm.ja(end));
        e.place(no);
        e.emit(asm.movImm(R0, 0));
        e.place(end);
        g.placeNop();
      },
    },
  }),
  fn("has_key", "has_key(@map, key)", "Whether the map has the key.", (c) => arity(c, 2) ?? keyed(c, "has_key()", 1) ?? bool, {
    mapArgs: { required: true },
    emit: {
      scalar(g, x) {
        const { e } = g;
        const [map, key] = argsOf(x) as [A.MapExpr, A.Expr];
        const info = g.mapInfo(map.name, map.span);
        g.mapLookup(map.name, g.mapKeyOf(info, key));
        const no = e.label("hkno");
        e.emit(asm.jeqImm(R0, 0, no), asm.movImm(R0, 1));
        e.place(no);
        g.placeNop();
      },
    },
  }),
  fn("len", "len(@map | ustack | kstack)", "Number of entries in a map.", (c) => arity(c, 1) ?? keyed(c, "len()") ?? s64, {
    mapArgs: {},
    emit: { scalar: len },
  }),
];

/**
 * A call that needs a map with keys (bpftrace's stdlib check_key): an error message when
 * its map has none, or when argument `keyAt` is not one of the map's keys.
 */
function keyed(c: CallCheck, what: string, keyAt?: number): string | null {
  const m = c.call.args[0];
  const info = m?.kind === "MapExpr" ? c.map(m.name) : undefined;
  // a map nothing assigns is reported as unknown, or is not typed yet
  if (!info || (info.valueKind === "value" && info.valueType.k === "none")) return null;
  if (info.keyTypes.length === 0) return `call to ${what} expects a map with explicit keys (non-scalar map)`;
  const t = keyAt === undefined ? undefined : c.argTypes[keyAt];
  if (!t) return null;
  const given = info.keyTypes.length > 1 && t.k === "tuple" ? t.elements : [t];
  if (given.length === info.keyTypes.length && given.every((g, i) => compatible(info.keyTypes[i]!, g))) return null;
  // bpftrace's words and its tuple spelling (no space after the comma)
  const list = (ts: readonly typeof t[]) => (ts.length === 1 ? typeName(ts[0]!) : `(${ts.map(typeName).join(",")})`);
  return `Argument mismatch for ${info.name}: trying to access with arguments: '${list(given)}' when map expects arguments: '${list(info.keyTypesWritten ?? info.keyTypes)}'`;
}

/** r0 = bpf_map_delete_elem(@m, key): 0 when the key was there. */
function deleteElem(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  const m = x.args[0] as A.MapExpr;
  const info = g.mapInfo(m.name, m.span);
  const keyOff = x.args.length === 2 ? g.mapKeyOf(info, x.args[1]!) : g.mapKey(m, info).off;
  e.emit(asm.ldMapFd(R1, m.name));
  e.stackAddr(R2, keyOff);
  e.emit(asm.call(H.map_delete_elem));
}

function len(g: EmitContext, x: Use): void {
  const arg = argsOf(x)[0]!;
  if (arg.kind === "MapExpr") mapLength(g, arg);
  else stackLength(g, arg);
}

/** r0 = bpf_for_each_map_elem(&map, callback returning 0, NULL, 0): the number of elements. */
function mapLength(g: EmitContext, m: A.MapExpr): void {
  const { e } = g;
  const info = g.mapInfo(m.name, m.span);
  const entry = e.label("len_cb");
  e.emit(asm.ldMapFd(R1, m.name), asm.ldFunc(R2, entry), asm.movImm(R3, 0), asm.movImm(R4, 0), asm.call(H.for_each_map_elem));
  g.subprogs.push({
    name: `map_len_cb_${g.subprogs.length}`,
    label: entry,
    params: MAP_CALLBACK_PARAMS,
    insns: [withLabel(asm.movImm(R0, 0), entry), asm.exit()],
  });
}

/** r0 = frames of the current kernel or user stack: bpf_get_stack's bytes / 8. */
function stackLength(g: EmitContext, arg: A.Expr): void {
  const { e } = g;
  const t = g.type(arg);
  if (t.k !== "stack") throw new CodegenError("len() expects a map, ustack or kstack", arg.span);
  const depth = Math.min(t.limit ?? STACK_DEPTH, STACK_DEPTH);
  const buf = g.frame.alloc(depth * 8);
  e.emit(asm.mov(R1, R6));
  e.stackAddr(R2, buf);
  e.emit(asm.movImm(R3, depth * 8), asm.movImm(R4, t.user ? BPF_F_USER_STACK : 0), asm.call(helpers.get_stack!));
  const ok = e.label("stlok");
  e.emit(asm.jsgeImm(R0, 0, ok), asm.movImm(R0, 0));
  e.place(ok);
  e.emit(asm.rshImm(R0, 3));
}
