// `for ($kv : @map) { body }` through bpf_for_each_map_elem (Linux 5.13): the body becomes
// a callback subprogram working in the probe's frame (callback-loop.ts), called with
// (map r1, key r2, value r3, ctx r4); $kv = (*key, *value or the per-CPU sum).
import { asm, R0, R1, R2, R3, R4, R10, H } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { entryType, isPerCpu, keyLayout, valueSize } from "../types/map-info.ts";
import { type Type, alignOf, sizeOf, tupleLayout } from "../types/types.ts";
import { CodegenError } from "../types/errors.ts";
import type { CallbackCode, GenContext } from "./emit-context.ts";
import { MAP_CALLBACK_PARAMS } from "../functions/emit-context.ts";
import { aggregations } from "../functions/index.ts";
import { callbackLoop } from "./callback-loop.ts";
import * as M from "./map-ops.ts";

export type { CallbackCode } from "./emit-context.ts";

export function forMapStmt(g: GenContext, st: A.ForMapStmt, subprogs: CallbackCode[]): void {
  const info = M.mapInfo(g, st.map.name, st.map.span);
  if (isPerCpu(info) && !aggregations.get(info.valueKind)?.readCpu) {
    throw new CodegenError(`for loops cannot iterate over a ${info.valueKind}() map`, st.map.span);
  }
  // $kv is the loop's own (the checker scopes it to the body): a slot of this loop's type
  const kvType = entryType(info) as Extract<Type, { k: "tuple" }>;
  const kv = { off: g.frame.alloc(sizeOf(kvType), alignOf(kvType)), type: kvType };
  const keyType = kvType.elements[0]!;
  const valType = kvType.elements[1]!;
  const { offsets } = tupleLayout(kvType.elements);
  const keySize = keyLayout(info).size;
  const valueSlot = g.frame.alloc(8, 8, "stack"); // the value pointer, kept across helper calls
  const keySlot = g.frame.alloc(keySize); // the key, for map_lookup_percpu_elem

  callbackLoop(g, subprogs, {
    name: "map_for_each_cb",
    params: MAP_CALLBACK_PARAMS,
    ctxReg: R4,
    body: st.body,
    call(outer, entry, ctxSlot) {
      outer.emit(asm.ldMapFd(R1, info.name), asm.ldFunc(R2, entry));
      outer.stackAddr(R3, ctxSlot);
      outer.emit(asm.movImm(R4, 0), asm.call(H.for_each_map_elem));
    },
    bind() {
      const outerKv = g.vars.get(st.variable);
      g.vars.set(st.variable, kv);
      return () => {
        if (outerKv) g.vars.set(st.variable, outerKv);
        else g.vars.delete(st.variable);
      };
    },
    enter(cb) {
      // the key (r2) is copied first; the value pointer (r3) is kept, since a large copy or
      // zero is a helper call that clobbers r1-r5
      cb.emit(asm.stx(8, R10, valueSlot, R3));
      cb.copy(R10, keySlot, R2, 0, keySize);
      cb.zero(kv.off, sizeOf(kv.type));
      cb.copy(R10, kv.off + offsets[0]!, R10, keySlot, Math.min(keySize, sizeOf(keyType)));
      if (isPerCpu(info)) {
        // bpftrace's value of a count/sum/min/max/avg map: all CPUs combined
        M.readPerCpu(g, info, keySlot);
        cb.emit(asm.stx(8, R10, kv.off + offsets[1]!, R0));
      } else {
        cb.emit(asm.ldx(8, R3, R10, valueSlot));
        cb.copy(R10, kv.off + offsets[1]!, R3, 0, Math.min(valueSize(info), sizeOf(valType)));
      }
    },
  });
}
