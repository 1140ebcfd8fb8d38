// Control-flow builders: conditional jumps (BPF_JMP and BPF_JMP32), calls and exit.
// Jump targets are label names; marshal() turns them into pc-relative offsets.

import {
  CLASS_JMP, CLASS_JMP32, JMP_CALL, JMP_JA, JMP_JCOND, JMP_OPS, MAY_GOTO, OP_EXIT,
  PSEUDO_CALL, PSEUDO_KFUNC_CALL, SRC_K, SRC_X, type JmpOp,
} from "./opcodes.ts";
import { AsmError, checkReg, imm32, immS32, insn, type Instruction, type Reg } from "./instruction.ts";
import type { Operand } from "./alu.ts";

/**
 * `if dst op src goto target` / `if dst op imm goto target`, comparing 64 bits, or the
 * low 32 bits when `is32` (BPF_JMP32, Linux 5.1).
 *
 *   opcode = op:4 | BPF_X or BPF_K | BPF_JMP or BPF_JMP32
 *   dst = dst, src = src reg or 0, off = target - (pc + 1), imm = imm or 0
 *
 * `ja` ignores dst and the operand; `ja` with `is32` is gotol, whose offset lives in imm
 * (range ±2^31, cpu v4, Linux 6.6).
 */
export function jmp(op: JmpOp, dst: Reg, srcOrImm: Operand, target: string, is32 = false): Instruction {
  const code = JMP_OPS[op];
  if (code === undefined) throw new AsmError(`unknown jump op "${String(op)}"`);
  checkTarget(target, op);
  const cls = is32 ? CLASS_JMP32 : CLASS_JMP;
  if (code === JMP_JA) return insn(cls | JMP_JA, 0, 0, 0, 0n, { target });
  const what = `${op}${is32 ? "32" : ""} r${dst}`;
  checkReg(dst, what);
  if (typeof srcOrImm === "number") {
    return insn(cls | code | SRC_X, dst, checkReg(srcOrImm, what), 0, 0n, { target });
  }
  const imm = is32 ? imm32(srcOrImm.imm, what) : immS32(srcOrImm.imm, what);
  return insn(cls | code | SRC_K, dst, 0, 0, imm, { target });
}

/** `goto target`. opcode = BPF_JMP | BPF_JA (0x05), off = target - (pc + 1). */
export function ja(target: string): Instruction {
  return jmp("ja", 0, 0, target);
}

/**
 * `gotol target`: unconditional jump with a 32-bit range. Requires cpu v4 (Linux 6.6).
 * opcode = BPF_JMP32 | BPF_JA (0x06), off = 0, imm = target - (pc + 1).
 */
export function gotol(target: string): Instruction {
  return jmp("ja", 0, 0, target, true);
}

/**
 * `may_goto target`: the verifier-bounded loop escape. Requires Linux 6.9.
 * opcode = BPF_JMP | BPF_JCOND (0xe5), src = BPF_MAY_GOTO (0), off = target - (pc + 1).
 */
export function mayGoto(target: string): Instruction {
  checkTarget(target, "may_goto");
  return insn(CLASS_JMP | JMP_JCOND, 0, MAY_GOTO, 0, 0n, { target });
}

type CondOp = Exclude<JmpOp, "ja">;
const reg = (op: CondOp) => (dst: Reg, src: Reg, target: string): Instruction => jmp(op, dst, src, target);
const imm = (op: CondOp) => (dst: Reg, v: number | bigint, target: string): Instruction =>
  jmp(op, dst, { imm: v }, target);

/** Named 64-bit conditional jumps: `jeq(dst, src, target)`, `jeqImm(dst, imm, target)`, ... */
export const jumpBuilders = {
  jeq: reg("jeq"), jeqImm: imm("jeq"),
  jne: reg("jne"), jneImm: imm("jne"),
  jgt: reg("jgt"), jgtImm: imm("jgt"),
  jge: reg("jge"), jgeImm: imm("jge"),
  jlt: reg("jlt"), jltImm: imm("jlt"),
  jle: reg("jle"), jleImm: imm("jle"),
  jsgt: reg("jsgt"), jsgtImm: imm("jsgt"),
  jsge: reg("jsge"), jsgeImm: imm("jsge"),
  jslt: reg("jslt"), jsltImm: imm("jslt"),
  jsle: reg("jsle"), jsleImm: imm("jsle"),
  jset: reg("jset"), jsetImm: imm("jset"),
};

/**
 * `call helper`: arguments in r1-r5, result in r0, r1-r5 clobbered.
 * opcode = BPF_JMP | BPF_CALL (0x85), src = 0, imm = helper id (enum bpf_func_id).
 */
export function call(helperId: number): Instruction {
  if (!Number.isInteger(helperId) || helperId < 0 || helperId > 0x7fffffff) {
    throw new AsmError(`call: invalid helper id ${helperId}`);
  }
  return insn(CLASS_JMP | JMP_CALL, 0, 0, 0, BigInt(helperId));
}

/**
 * `call target`: bpf-to-bpf call of the subprogram starting at label `target`.
 * opcode = 0x85, src = BPF_PSEUDO_CALL (1), imm = target - (pc + 1).
 */
export function callLocal(target: string): Instruction {
  checkTarget(target, "call");
  return insn(CLASS_JMP | JMP_CALL, 0, PSEUDO_CALL, 0, 0n, { target });
}

/**
 * Call a kernel function by BTF id. Requires Linux 5.13.
 * opcode = 0x85, src = BPF_PSEUDO_KFUNC_CALL (2), imm = BTF id,
 * off = index into fd_array of the module BTF (0: vmlinux).
 */
export function callKfunc(btfId: number, btfFdIndex = 0): Instruction {
  if (!Number.isInteger(btfId) || btfId < 0 || btfId > 0x7fffffff) {
    throw new AsmError(`call kfunc: invalid btf id ${btfId}`);
  }
  if (!Number.isInteger(btfFdIndex) || btfFdIndex < 0 || btfFdIndex > 0x7fff) {
    throw new AsmError(`call kfunc: invalid fd_array index ${btfFdIndex}`);
  }
  return insn(CLASS_JMP | JMP_CALL, 0, PSEUDO_KFUNC_CALL, btfFdIndex, BigInt(btfId));
}

/** `exit`: return r0. opcode = BPF_JMP | BPF_EXIT (0x95), all other fields 0. */
export function exit(): Instruction {
  return insn(OP_EXIT, 0, 0, 0, 0n);
}

function checkTarget(target: string, what: string): void {
  if (typeof target !== "string" || target === "") throw new AsmError(`${what}: empty jump target`);
}
