// Codegen of the functions whose value is formatted in user space or fixed at compile
// time (checked in bpf/check/value-functions.ts): the kernel only records the raw bytes.
//
//   kaddr / uaddr / cgroupid   constants resolved through the ProbeEnv
//   join      a ring-buffer record built in a per-CPU scratch value (16 × 1024 bytes do
//             not fit the 512-byte stack): u64 action id, then the strings
import { asm, R0, R1, R2, R3, R4, R6, R10, H } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import type { Type } from "../types/types.ts";
import { JOIN_ARGNUM, JOIN_ARGSIZE } from "../check/value-functions.ts";
import { BPF_F_USER_STACK } from "../types/abi.ts";
import { CodegenError } from "../types/errors.ts";
import type { GenContext } from "./emit-context.ts";
import { DROPS_MAP, EVENTS_MAP, stacksMapName } from "../types/internal-maps.ts";
import { STACK_DEPTH } from "../types/types.ts";

import { userPointer } from "../functions/memory.ts";

/**
 * join(arr[, sep]): read up to 16 pointers of `arr` and the strings they point to into one
 * record (beyond the BPF stack, so in the scratch value: bpf/codegen/scratch.ts), then send
 * it. An empty string ends the list (user space stops there).
 */
export function join(g: GenContext, x: A.CallExpr, actionId: number): void {
  const { e } = g;
  const size = 8 + JOIN_ARGNUM * JOIN_ARGSIZE;
  const user = userPointer(g, g.type(x.args[0]!));
  const rec = g.frame.alloc(size);
  const key = g.frame.alloc(8);
  const base = g.frame.alloc(8);
  const elem = g.frame.alloc(8);
  const done = e.label("jdone");
  g.scalar(x.args[0]!);
  e.emit(asm.stx(8, R10, base, R0));
  g.loadConst(BigInt(actionId));
  e.emit(asm.stx(8, R10, rec, R0));
  // The scratch value keeps the previous event's strings: clear every first byte.
  for (let i = 0; i < JOIN_ARGNUM; i++) e.emit(asm.st(1, R10, rec + 8 + i * JOIN_ARGSIZE, 0));
  for (let i = 0; i < JOIN_ARGNUM; i++) {
    e.stackAddr(R1, elem);
    e.emit(asm.movImm(R2, 8), asm.ldx(8, R3, R10, base), asm.addImm(R3, i * 8), asm.call(user ? H.probe_read_user : H.probe_read_kernel));
    e.emit(asm.jneImm(R0, 0, done), asm.ldx(8, R3, R10, elem), asm.jeqImm(R3, 0, done));
    e.stackAddr(R1, rec + 8 + i * JOIN_ARGSIZE);
    e.emit(asm.movImm(R2, JOIN_ARGSIZE), asm.call(user ? H.probe_read_user_str : H.probe_read_kernel_str));
  }
  e.place(done);
  const ok = e.label("jok");
  e.emit(asm.ldMapFd(R1, EVENTS_MAP));
  e.stackAddr(R2, rec);
  e.emit(asm.movImm(R3, size), asm.movImm(R4, 0), asm.call(H.ringbuf_output));
  e.emit(asm.jeqImm(R0, 0, ok), asm.st(4, R10, key, 0), asm.ldMapFd(R1, DROPS_MAP));
  e.stackAddr(R2, key);
  e.emit(asm.call(H.map_lookup_elem), asm.jeqImm(R0, 0, ok), asm.movImm(R1, 1), asm.atomic("add", 8, R0, 0, R1));
  e.place(ok);
  g.placeNop();
}
