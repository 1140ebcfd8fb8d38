// Dead-code removal for one function: the verifier rejects a program with an instruction
// no path reaches ("unreachable insn N"), which generated code produces naturally, e.g.
// the `break` epilogue of a loop body that never breaks.
import { CLASS_JMP, CLASS_JMP32, JMP_CALL, JMP_EXIT, JMP_JA, opClass, opOp } from "./opcodes.ts";
import { AsmError, type Instruction } from "./instruction.ts";

/**
 * The instructions of `fn` that a path from its first instruction reaches, in order.
 * Jumps must carry symbolic targets (labels inside `fn`); calls, including bpf-to-bpf
 * calls, fall through. Throws AsmError on a jump to a label `fn` does not have.
 */
export function dropUnreachable(fn: readonly Instruction[]): Instruction[] {
  const at = new Map<string, number>();
  fn.forEach((i, n) => {
    if (i.label !== undefined) at.set(i.label, n);
  });
  const seen = new Uint8Array(fn.length);
  const work = [0];
  while (work.length > 0) {
    const n = work.pop()!;
    if (n >= fn.length || seen[n]) continue;
    seen[n] = 1;
    const i = fn[n]!;
    const cls = opClass(i.opcode);
    const op = opOp(i.opcode);
    const jump = (cls === CLASS_JMP || cls === CLASS_JMP32) && op !== JMP_CALL && op !== JMP_EXIT;
    if (jump && i.target !== undefined) {
      const to = at.get(i.target);
      if (to === undefined) throw new AsmError(`instruction ${n}: jump to "${i.target}", which is not in this function`);
      work.push(to);
    }
    const ends = (cls === CLASS_JMP && op === JMP_EXIT) || (jump && op === JMP_JA);
    if (!ends) work.push(n + 1);
  }
  return fn.filter((_, n) => seen[n] === 1);
}
