// `for ($kv : @map) { body }` through bpf_for_each_map_elem (Linux 5.13): the body becomes
// a callback subprogram, appended after the probe's main function and referenced by
// `lddw r2, subprog` (BPF_PSEUDO_FUNC).
//
// The callback gets its own frame, but the body must see the probe's variables (and its
// own temporaries are allocated by the same Frame). So the callback works in the
// *caller's* frame: the main function passes `r10 + ctxSlot` as the callback context, the
// callback sets r9 = that pointer - ctxSlot (= the caller's r10) and every r10 the body's
// code names is rewritten to r9. The verifier follows pointers into a caller's stack, so
// variables written in the body are the probe's variables; the callback's own frame stays
// empty, and the 512-byte limit on the combined frames is the probe frame's limit.
//
//   main:                                  callback(map r1, key r2, value r3, ctx r4):
//     *(u64 *)(r10 + flag) = 0               r9 = r4; r9 += -ctxSlot
//     *(u64 *)(r10 + ctxSlot) = r6           r6 = *(u64 *)(r9 + ctxSlot)   ; the probe context
//     *(u64 *)(r10 + scratchSlot) = r7       r7 = *(u64 *)(r9 + scratchSlot) ; scratch.ts
//     r1 = map; r2 = subprog; r3 = r10 + ctxSlot; r4 = 0
//     call for_each_map_elem                 $kv = (*key, *value or the per-CPU sum)
//     if *(u64 *)(r10 + flag) != 0 goto exit body...
//                                          cont:  r0 = 0; exit        ; next element
//                                          break: r0 = 1; exit        ; stop
//                                          ret:   flag = 1; r0 = 1; exit  ; `return`, exit()
//
// The verifier checks a callback as if it ran any number of times, until the state it is
// called with repeats. A counter the body compares with a constant (`$n++; if ($n == 2)
// { break; }`) is tracked exactly, so its state never repeats and the program is refused
// as too large. Before the call, each scalar variable therefore gets the u64 of ZERO_MAP
// added: 0 at run time, a number the verifier cannot know, so the states converge.
// (Only integer variables get this; a string or tuple variable compared byte by byte in
// the body could still keep the states apart.)
//
// Invariant: code generated for a callback body never names r9 (checked when rewriting).
// Its scratch accesses go through r7 (toScratch) before r10 becomes r9.
import { asm, dropUnreachable, R0, R1, R2, R3, R4, R6, R7, R9, R10, withLabel, type Instruction, Emitter, H } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { entryType, isPerCpu, keyLayout, valueSize } from "../types/map-info.ts";
import { type Type, alignOf, isScalar, sizeOf, tupleLayout } from "../types/types.ts";
import { ZERO_MAP } from "../types/internal-maps.ts";
import { CodegenError } from "../types/errors.ts";
import type { CallbackCode, GenContext } from "./emit-context.ts";
import { MAP_CALLBACK_PARAMS } from "../functions/emit-context.ts";
import { aggregations } from "../functions/index.ts";
import { toScratch } from "./scratch.ts";
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

  const ctxSlot = g.frame.alloc(8, 8, "stack"); // the probe context; the callback finds this frame from here
  const scratchSlot = g.frame.alloc(8, 8, "stack"); // the scratch pointer (r7)
  const flagSlot = g.frame.alloc(8, 8, "stack"); // set when the body leaves the probe (return, exit())
  const valueSlot = g.frame.alloc(8, 8, "stack"); // the value pointer, kept across helper calls
  const keySlot = g.frame.alloc(keySize); // the key, for map_lookup_percpu_elem

  const outer = g.e;
  const entry = outer.label("for_each_cb");
  const scalars = [...g.vars.values()].filter((v) => isScalar(v.type) && [1, 2, 4, 8].includes(sizeOf(v.type)));
  if (scalars.length > 0) {
    outer.emit(asm.ldMapValue(R1, ZERO_MAP, 0), asm.ldx(8, R1, R1, 0));
    for (const v of scalars) {
      const size = sizeOf(v.type) as 1 | 2 | 4 | 8;
      outer.emit(asm.ldx(size, R0, R10, v.off), asm.add(R0, R1), asm.stx(size, R10, v.off, R0));
    }
  }
  outer.emit(asm.st(8, R10, flagSlot, 0), asm.stx(8, R10, ctxSlot, R6), asm.stx(8, R10, scratchSlot, R7));
  outer.emit(asm.ldMapFd(R1, info.name), asm.ldFunc(R2, entry));
  outer.stackAddr(R3, ctxSlot);
  outer.emit(asm.movImm(R4, 0), asm.call(H.for_each_map_elem));
  outer.emit(asm.ldx(8, R0, R10, flagSlot), asm.jneImm(R0, 0, g.exitLabel));

  const cb = new Emitter(`${entry}_`);
  const cont = cb.label("cont");
  const brk = cb.label("break");
  const ret = cb.label("return");
  const saved = { e: g.e, exitLabel: g.exitLabel, loops: g.loops, kv: g.vars.get(st.variable) };
  g.e = cb;
  g.exitLabel = ret;
  g.loops = [{ brk, cont }];
  g.vars.set(st.variable, kv);
  try {
    cb.emit(asm.ldx(8, R6, R10, ctxSlot), asm.ldx(8, R7, R10, scratchSlot));
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
    g.block(st.body);
    cb.place(cont);
    cb.emit(asm.movImm(R0, 0), asm.exit());
    cb.place(brk);
    cb.emit(asm.movImm(R0, 1), asm.exit());
    cb.place(ret);
    cb.emit(asm.st(8, R10, flagSlot, 1), asm.movImm(R0, 1), asm.exit());
  } finally {
    g.e = saved.e;
    g.exitLabel = saved.exitLabel;
    g.loops = saved.loops;
    if (saved.kv) g.vars.set(st.variable, saved.kv);
    else g.vars.delete(st.variable);
  }
  // The epilogues the body never jumps to (no `break`, say) would be "unreachable insn"s.
  const body = toScratch(dropUnreachable(cb.finish())).map(inCallerFrame);
  subprogs.push({
    name: `map_for_each_cb_${subprogs.length}`,
    label: entry,
    params: MAP_CALLBACK_PARAMS,
    insns: [withLabel(asm.mov(R9, R4), entry), asm.addImm(R9, -ctxSlot), ...body],
  });
}

/** `i` with r10 (the callback's empty frame) replaced by r9 (the probe's frame). */
function inCallerFrame(i: Instruction): Instruction {
  // src holds a pseudo value (0-6) rather than a register only on lddw and call: never 9 or 10
  if (i.dst === R9 || i.src === R9) throw new Error("internal: r9 is reserved in for-loop callbacks");
  if (i.dst !== R10 && i.src !== R10) return i;
  return { ...i, dst: i.dst === R10 ? R9 : i.dst, src: i.src === R10 ? R9 : i.src };
}
