// A loop whose body runs as a callback subprogram of a helper (bpf_for_each_map_elem,
// bpf_loop): the machinery for-map.ts and for-range.ts share. The callback is appended
// after the probe's main function and referenced by `lddw rN, subprog` (BPF_PSEUDO_FUNC).
//
// The callback gets its own frame, but the body must see the probe's variables (and its
// own temporaries are allocated by the same Frame). So the callback works in the
// *caller's* frame: the main function passes `r10 + ctxSlot` as the callback context, the
// callback sets r9 = that pointer - ctxSlot (= the caller's r10) and every r10 the body's
// code names is rewritten to r9. The verifier follows pointers into a caller's stack, so
// variables written in the body are the probe's variables; the callback's own frame stays
// empty, and the 512-byte limit on the combined frames is the probe frame's limit.
//
//   main:                                  callback(..., ctx):
//     *(u64 *)(r10 + flag) = 0               r9 = ctx; r9 += -ctxSlot
//     *(u64 *)(r10 + ctxSlot) = r6           r6 = *(u64 *)(r9 + ctxSlot)   ; the probe context
//     *(u64 *)(r10 + scratchSlot) = r7       r7 = *(u64 *)(r9 + scratchSlot) ; scratch.ts
//     (the helper's arguments, ctx = r10 + ctxSlot)   the loop variable from the arguments
//     call helper                            body...
//     if *(u64 *)(r10 + flag) != 0 goto exit cont:  r0 = 0; exit        ; next iteration
//                                          break: r0 = 1; exit        ; stop
//                                          ret:   flag = 1; r0 = 1; exit  ; `return`, exit()
//
// The verifier checks a callback as if it ran any number of times, until the state it is
// called with repeats. A counter the body compares with a constant (`$n++; if ($n == 2)
// { break; }`) is tracked exactly, so its state never repeats and the program is refused
// as too large. Before the call, each scalar variable therefore gets the u64 of ZERO_MAP
// added: 0 at run time, a number the verifier cannot know, so the states converge.
// (Only integer variables get this; a string or tuple variable compared byte by byte in
// the body could still keep the states apart.) The counters of constant-bound range loops
// around the callback loop are left alone: the verifier needs them exact (for-range.ts).
//
// Invariant: code generated for a callback body never names r9 (checked when rewriting).
// Its scratch accesses go through r7 (toScratch) before r10 becomes r9.
import { asm, dropUnreachable, R0, R1, R6, R7, R9, R10, withLabel, type Instruction, type Reg, Emitter } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { isScalar, sizeOf } from "../types/types.ts";
import { ZERO_MAP } from "../types/internal-maps.ts";
import type { CallbackCode, GenContext } from "./emit-context.ts";
import { toScratch } from "./scratch.ts";

export interface CallbackLoop {
  /** The subprogram's name in BTF, before its number (map_for_each_cb, loop_cb). */
  readonly name: string;
  /** Its parameter names (BTF); the last one is the context pointer. */
  readonly params: readonly string[];
  /** The register the helper passes the context pointer in (for_each_map_elem: r4, loop: r2). */
  readonly ctxReg: Reg;
  /** In the probe's stream: set the helper's arguments, the context being r10 + ctxSlot, and call it. */
  call(outer: Emitter, entry: string, ctxSlot: number): void;
  /** In the callback, with r6/r7 back and the helper's argument registers untouched: set the loop variable. */
  enter(cb: Emitter): void;
  /** Runs around the body's generation (binds the loop variable); returns the undo. */
  bind?(): () => void;
  readonly body: A.Block;
}

export function callbackLoop(g: GenContext, subprogs: CallbackCode[], loop: CallbackLoop): void {
  const ctxSlot = g.frame.alloc(8, 8, "stack"); // the probe context; the callback finds this frame from here
  const scratchSlot = g.frame.alloc(8, 8, "stack"); // the scratch pointer (r7)
  const flagSlot = g.frame.alloc(8, 8, "stack"); // set when the body leaves the probe (return, exit())

  const outer = g.e;
  const entry = outer.label(`${loop.name}_entry`);
  const scalars = [...g.vars.values()].filter((v) => isScalar(v.type) && [1, 2, 4, 8].includes(sizeOf(v.type)) && !g.counters.includes(v.off));
  if (scalars.length > 0) {
    outer.emit(asm.ldMapValue(R1, ZERO_MAP, 0), asm.ldx(8, R1, R1, 0));
    for (const v of scalars) {
      const size = sizeOf(v.type) as 1 | 2 | 4 | 8;
      outer.emit(asm.ldx(size, R0, R10, v.off), asm.add(R0, R1), asm.stx(size, R10, v.off, R0));
    }
  }
  outer.emit(asm.st(8, R10, flagSlot, 0), asm.stx(8, R10, ctxSlot, R6), asm.stx(8, R10, scratchSlot, R7));
  loop.call(outer, entry, ctxSlot);
  outer.emit(asm.ldx(8, R0, R10, flagSlot), asm.jneImm(R0, 0, g.exitLabel));

  const cb = new Emitter(`${entry}_`);
  const cont = cb.label("cont");
  const brk = cb.label("break");
  const ret = cb.label("return");
  const saved = { e: g.e, exitLabel: g.exitLabel, loops: g.loops };
  g.e = cb;
  g.exitLabel = ret;
  g.loops = [{ brk, cont }];
  const unbind = loop.bind?.();
  try {
    cb.emit(asm.ldx(8, R6, R10, ctxSlot), asm.ldx(8, R7, R10, scratchSlot));
    loop.enter(cb);
    g.block(loop.body);
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
    unbind?.();
  }
  // The epilogues the body never jumps to (no `break`, say) would be "unreachable insn"s.
  const body = toScratch(dropUnreachable(cb.finish())).map(inCallerFrame);
  subprogs.push({
    name: `${loop.name}_${subprogs.length}`,
    label: entry,
    params: loop.params,
    insns: [withLabel(asm.mov(R9, loop.ctxReg), entry), asm.addImm(R9, -ctxSlot), ...body],
  });
}

/** `i` with r10 (the callback's empty frame) replaced by r9 (the probe's frame). */
function inCallerFrame(i: Instruction): Instruction {
  // src holds a pseudo value (0-6) rather than a register only on lddw and call: never 9 or 10
  if (i.dst === R9 || i.src === R9) throw new Error("internal: r9 is reserved in for-loop callbacks");
  if (i.dst !== R10 && i.src !== R10) return i;
  return { ...i, dst: i.dst === R10 ? R9 : i.dst, src: i.src === R10 ? R9 : i.src };
}
