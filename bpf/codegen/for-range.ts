// `for ($i : start..end) { body }`: both bounds are evaluated once, before the loop, and
// $i runs from start to end - 1, as in bpftrace.
//
// Bounds the compiler can fold (`0..5`, `(1+1)..(2*4)`) make a plain loop: the verifier
// walks it iteration by iteration and knows $i exactly in each. Any other bound (a map
// value, a variable, a builtin) would be unknown to the verifier, which then walks the
// loop until its 8193-jump limit ("the sequence of 8193 jumps is too complex"). Those
// loops call bpf_loop (Linux 5.17) with the body as a callback (callback-loop.ts), as
// bpftrace does for every range: bpf_loop(nr, cb, ctx, 0) with nr = (int32)(end - start),
// skipped when nr <= 0; the callback gets the index in r1 and sets $i = start + index.
// The kernel runs at most 1 << 23 iterations (more: E2BIG and none).
//
// A callback loop inside a plain loop (`for ($i : 1..4) { for ($j : 1..$i) {} }`) must
// not hide the plain loop's counter from the verifier (callback-loop.ts hides the other
// variables), or the plain loop becomes unbounded to it: `counters` lists those slots.
import { asm, R0, R1, R2, R3, R4, R10, H } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { constInt } from "../lang/const-fold.ts";
import { sizeOf } from "../types/types.ts";
import type { CallbackCode, GenContext } from "./emit-context.ts";
import { callbackLoop } from "./callback-loop.ts";

/** The parameters of a bpf_loop callback: `long cb(u64 index, void *ctx)`. */
const LOOP_CALLBACK_PARAMS = ["index", "ctx"] as const;

export function forRangeStmt(g: GenContext, st: A.ForRangeStmt, subprogs: CallbackCode[]): void {
  const positional = g.shared.positional;
  if (constInt(st.start, positional) !== undefined && constInt(st.end, positional) !== undefined) {
    plainLoop(g, st);
    return;
  }
  const { e } = g;
  const v = g.variable(st, st.variable);
  const startSlot = g.frame.alloc(8, 8, "stack");
  const countSlot = g.frame.alloc(8, 8, "stack");
  const skip = e.label("range_skip");
  g.scalar(st.start);
  e.emit(asm.stx(8, R10, startSlot, R0));
  g.scalar(st.end);
  e.emit(asm.ldx(8, R1, R10, startSlot), asm.sub(R0, R1), asm.lshImm(R0, 32), asm.arshImm(R0, 32));
  e.emit(asm.jsleImm(R0, 0, skip), asm.stx(8, R10, countSlot, R0));
  callbackLoop(g, subprogs, {
    name: "loop_cb",
    params: LOOP_CALLBACK_PARAMS,
    ctxReg: R2,
    body: st.body,
    call(outer, entry, ctxSlot) {
      outer.emit(asm.ldx(8, R1, R10, countSlot), asm.ldFunc(R2, entry));
      outer.stackAddr(R3, ctxSlot);
      outer.emit(asm.movImm(R4, 0), asm.call(H.loop));
    },
    enter(cb) {
      const size = sizeOf(v.type) as 1 | 2 | 4 | 8;
      cb.emit(asm.ldx(8, R0, R10, startSlot), asm.add(R0, R1), asm.stx(size, R10, v.off, R0));
    },
  });
  e.place(skip);
  g.placeNop();
}

function plainLoop(g: GenContext, st: A.ForRangeStmt): void {
  const { e } = g;
  const v = g.variable(st, st.variable);
  const endSlot = g.frame.alloc(8);
  g.scalar(st.end);
  e.emit(asm.stx(8, R10, endSlot, R0));
  g.scalar(st.start);
  e.emit(asm.stx(8, R10, v.off, R0));
  const top = e.label("for");
  const cont = e.label("fnext");
  const end = e.label("fend");
  e.place(top);
  e.emit(asm.ldx(8, R0, R10, v.off), asm.ldx(8, R1, R10, endSlot), asm.jsge(R0, R1, end));
  g.loops.push({ brk: end, cont });
  g.counters.push(v.off);
  g.block(st.body);
  g.counters.pop();
  g.loops.pop();
  e.place(cont);
  e.emit(asm.ldx(8, R0, R10, v.off), asm.addImm(R0, 1), asm.stx(8, R10, v.off, R0), asm.ja(top));
  e.place(end);
  g.placeNop();
}
