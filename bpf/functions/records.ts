// How a function's record reaches user space: an Action registered for the compile (its
// index is the record's first u64), the record built on the stack, and
// bpf_ringbuf_output into the events ring buffer, a failure counted in the drops map.
// The row that sends a record handles it in user space with its `events` hook.
import { asm, H, INLINE_BYTES, R0, R1, R2, R3, R4, R10 } from "../asm/index.ts";
import { DROPS_MAP, EVENTS_MAP } from "../types/internal-maps.ts";
import type { Action } from "./actions.ts";
import type { EmitContext } from "./emit-context.ts";

/** Register `a` for this compile: its id, which the record starts with. */
export function action(g: EmitContext, a: Action): number {
  g.shared.actions.push(a);
  return g.shared.actions.length - 1;
}

/** A record that is only its action id (clear, zero, print(@m), time). */
export function simpleAction(g: EmitContext, a: Action): void {
  const id = action(g, a);
  const rec = g.frame.alloc(8);
  g.loadConst(BigInt(id));
  g.e.emit(asm.stx(8, R10, rec, R0));
  output(g, rec, 8);
}

/**
 * ringbuf_output(&events, r10+off, size, 0); count a drop when it fails. `key` is a stack
 * slot for the drops map's key (allocated here unless the caller has one).
 */
export function output(g: EmitContext, off: number, size: number, key: number = g.frame.alloc(8)): void {
  const { e } = g;
  const ok = e.label("out_ok");
  e.emit(asm.ldMapFd(R1, EVENTS_MAP));
  e.stackAddr(R2, off);
  e.emit(asm.movImm(R3, size), asm.movImm(R4, 0), asm.call(H.ringbuf_output), asm.jeqImm(R0, 0, ok));
  countDrop(g, key, ok);
  e.place(ok);
  g.placeNop();
}

/** The record was lost: drops[0] += 1 (an array map; atomic add, programs run on every CPU). */
function countDrop(g: EmitContext, key: number, done: string): void {
  const { e } = g;
  e.emit(asm.st(4, R10, key, 0), asm.ldMapFd(R1, DROPS_MAP));
  e.stackAddr(R2, key);
  e.emit(asm.call(H.map_lookup_elem), asm.jeqImm(R0, 0, done), asm.movImm(R1, 1), asm.atomic("add", 8, R0, 0, R1));
}

/**
 * A record of action `id` and the `size` bytes at r10+src, built in the ring buffer itself
 * (ringbuf_reserve, the value copied in, ringbuf_submit) rather than in a slot first: a
 * large value (9999-byte strings in a tuple) would otherwise need its size twice in the
 * 32 KiB scratch area. A failed reserve counts a drop, as a failed ringbuf_output does.
 */
export function outputReserved(g: EmitContext, id: number, src: number, size: number): void {
  const { e } = g;
  if (size <= INLINE_BYTES) throw new Error("internal: outputReserved copies with one helper call: use output for small records");
  const ptr = g.frame.alloc(8, 8, "stack"); // the reserved record, kept across the copy's helper call
  const key = g.frame.alloc(8);
  const got = e.label("rsv_ok");
  const done = e.label("rsv_done");
  e.emit(asm.ldMapFd(R1, EVENTS_MAP), asm.movImm(R2, 8 + size), asm.movImm(R3, 0), asm.call(H.ringbuf_reserve), asm.jneImm(R0, 0, got));
  countDrop(g, key, done);
  e.emit(asm.ja(done));
  e.place(got);
  e.emit(asm.stx(8, R10, ptr, R0));
  e.copy(R0, 8, R10, src, size);
  g.loadConst(BigInt(id));
  e.emit(asm.ldx(8, R1, R10, ptr), asm.stx(8, R1, 0, R0), asm.movImm(R2, 0), asm.call(H.ringbuf_submit), asm.movImm(R0, 0));
  e.place(done);
  g.placeNop();
}
