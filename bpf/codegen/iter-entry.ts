// The entry of an iterator program (iter:task, ...): the kernel calls it once per object
// and once more at the end with the object NULL (seq_ops->stop). Like bpftrace, which
// returns from the program when a ctx field it reads is NULL, the program returns at once
// on that last call. On every other call it writes one byte to the seq_file
// (bpf_seq_write(ctx->meta->seq, ...)): read(2) of the iterator returns once that many
// bytes are there, so the reader drains the ring buffer between batches of objects
// instead of after the whole walk (bpf/runtime/iterate.ts).
import { asm, R0, R1, R2, R3, R6, R10, H, type Emitter } from "../asm/index.ts";
import type { CheckedProbe } from "../check/checker.ts";
import { CodegenError } from "../types/errors.ts";

/** struct bpf_iter__<name>: `meta` at 0, the iterated object at 8 (task, or task for task_file/task_vma). */
const META_OFFSET = 0;
const OBJECT_OFFSET = 8;

/** if (ctx->object == NULL) goto exit; bpf_seq_write(ctx->meta->seq, "\n", 1) */
export function emitIterEntry(e: Emitter, exit: string, slot: number): void {
  e.comment("iterator: the last call has no object; one byte per object to the seq_file");
  e.emit(asm.ldx(8, R0, R6, OBJECT_OFFSET), asm.jeqImm(R0, 0, exit));
  e.emit(asm.ldx(8, R1, R6, META_OFFSET), asm.ldx(8, R1, R1, 0)); // meta->seq (struct seq_file *)
  e.emit(asm.st(8, R10, slot, 0x0a));
  e.emit(asm.mov(R2, R10), asm.addImm(R2, slot), asm.movImm(R3, 1), asm.call(H.seq_write));
}

/**
 * An iterator is the whole run (bpftrace: "Iterator probe can't be mixed with any other
 * probe, not even another iterator"); BEGIN and END may come with it. Undefined when fine.
 */
export function iterMixError(probes: readonly CheckedProbe[]): CodegenError | undefined {
  const iters = probes.filter((p) => p.concrete.context === "iter");
  if (iters.length === 0) return undefined;
  const other = probes.find((p) => p.concrete.context !== "iter" && p.concrete.attach.kind !== "run");
  if (iters.length === 1 && !other) return undefined;
  const at = iters[1] ?? other ?? iters[0]!;
  return new CodegenError(`${iters[0]!.concrete.name}: an iterator probe cannot be mixed with other probes (BEGIN and END aside)`, at.probe.span);
}
