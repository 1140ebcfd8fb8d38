// `&$x` (bpftrace's VariableAddr): the address of a variable's slot, as a number.
//
// Variables have slots for the whole probe (generator.ts), on the BPF stack or in the
// per-CPU scratch area (frame.ts), so their addresses stay valid; `*p` reads them back
// through probe_read_kernel like any kernel address. The address is a plain number, not
// the stack or map-value pointer the verifier would track: such a pointer may not be
// stored into the caller's frame from a for-map callback, nor have the unknown 0 that
// for-map adds to scalar variables added to it. So a probe that takes an address spills
// r10 and the scratch pointer once at entry and reads them back through
// probe_read_kernel, which makes them numbers:
//
//   *(u64 *)(r10 + base) = r10; *(u64 *)(r10 + base + 8) = r7
//   probe_read_kernel(r10 + base, 16, r10 + base)
//   &$x = *(u64 *)(r10 + base) + off           (a stack slot)
//         *(u64 *)(r10 + base + 8) + s          (scratch byte s)
import { asm, H, R0, R1, R2, R3, R7, R10, type Emitter } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { CodegenError } from "../types/errors.ts";
import { type Frame, isScratch, SCRATCH_BASE } from "./frame.ts";

/** Whether `node` (a probe's body or predicate) takes a variable's address anywhere. */
export function takesAddress(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(takesAddress);
  if (typeof node !== "object" || node === null) return false;
  const n = node as { kind?: string; op?: string };
  if (n.kind === "UnaryExpr" && n.op === "&") return true;
  return Object.entries(node).some(([k, v]) => k !== "span" && takesAddress(v));
}

/**
 * At the probe's entry: the slot holding r10 and the scratch pointer as numbers. `scratch`
 * says whether the program has scratch (r7 is only defined then).
 */
export function emitFrameBase(e: Emitter, frame: Frame, scratch: boolean): number {
  const base = frame.alloc(16, 8, "stack");
  e.emit(asm.stx(8, R10, base, R10));
  if (scratch) e.emit(asm.stx(8, R10, base + 8, R7));
  else e.emit(asm.st(8, R10, base + 8, 0));
  e.stackAddr(R1, base);
  e.emit(asm.movImm(R2, 16), asm.mov(R3, R1), asm.call(H.probe_read_kernel));
  return base;
}

/** r0 = the address of the slot at r10+off, given the probe's frame base slot. */
export function slotAddress(e: Emitter, base: number | undefined, off: number, span: A.Span): void {
  if (base === undefined) throw new CodegenError("internal: '&' without the probe's frame base", span);
  if (isScratch(off)) e.emit(asm.ldx(8, R0, R10, base + 8), asm.addImm(R0, off - SCRATCH_BASE));
  else e.emit(asm.ldx(8, R0, R10, base), asm.addImm(R0, off));
}
