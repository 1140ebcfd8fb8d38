// Arithmetic builders: BPF_ALU64 and BPF_ALU (32-bit, zero-extends into the upper half).

import {
  ALU_END, ALU_MOV, ALU_NEG, ALU_OPS, CLASS_ALU, CLASS_ALU64, END_TO_BE, END_TO_LE, SRC_K, SRC_X,
  type AluOp,
} from "./opcodes.ts";
import { AsmError, checkReg, imm32, immS32, insn, type Instruction, type Reg } from "./instruction.ts";

/** The second operand of an ALU or jump instruction: a register or an immediate. */
export type Operand = Reg | { readonly imm: number | bigint };

/**
 * `dst op= src` / `dst op= imm`, 64-bit, or 32-bit when `is32`.
 *
 *   opcode = op:4 | BPF_X or BPF_K | BPF_ALU64 or BPF_ALU
 *   dst = dst, src = src reg (BPF_X) or 0, off = 1 for sdiv/smod else 0, imm = imm (BPF_K) or 0
 *
 * sdiv/smod need cpu v4 (Linux 6.6). `neg` is always encoded BPF_K with src 0 and imm 0
 * (the verifier rejects BPF_NEG|BPF_X), so its operand is ignored.
 * 64-bit immediates must fit s32 (the kernel sign-extends them); 32-bit ones may be u32.
 */
export function alu(op: AluOp, dst: Reg, srcOrImm: Operand, is32 = false): Instruction {
  const enc = ALU_OPS[op];
  if (enc === undefined) throw new AsmError(`unknown alu op "${String(op)}"`);
  const cls = is32 ? CLASS_ALU : CLASS_ALU64;
  const what = `${op}${is32 ? "32" : ""} r${dst}`;
  checkReg(dst, what);
  if (enc.op === ALU_NEG) return insn(cls | ALU_NEG | SRC_K, dst, 0, 0, 0n);
  if (typeof srcOrImm === "number") {
    return insn(cls | enc.op | SRC_X, dst, checkReg(srcOrImm, what), enc.off, 0n);
  }
  const imm = is32 ? imm32(srcOrImm.imm, what) : immS32(srcOrImm.imm, what);
  return insn(cls | enc.op | SRC_K, dst, 0, enc.off, imm);
}

const reg64 = (op: AluOp) => (dst: Reg, src: Reg): Instruction => alu(op, dst, src);
const imm64op = (op: AluOp) => (dst: Reg, imm: number | bigint): Instruction => alu(op, dst, { imm });

/** Named 64-bit ALU builders: `add(dst, src)`, `addImm(dst, imm)`, ... */
export const aluBuilders = {
  mov: reg64("mov"), movImm: imm64op("mov"),
  add: reg64("add"), addImm: imm64op("add"),
  sub: reg64("sub"), subImm: imm64op("sub"),
  mul: reg64("mul"), mulImm: imm64op("mul"),
  div: reg64("div"), divImm: imm64op("div"),
  sdiv: reg64("sdiv"), sdivImm: imm64op("sdiv"),
  mod: reg64("mod"), modImm: imm64op("mod"),
  smod: reg64("smod"), smodImm: imm64op("smod"),
  and: reg64("and"), andImm: imm64op("and"),
  or: reg64("or"), orImm: imm64op("or"),
  xor: reg64("xor"), xorImm: imm64op("xor"),
  lsh: reg64("lsh"), lshImm: imm64op("lsh"),
  rsh: reg64("rsh"), rshImm: imm64op("rsh"),
  arsh: reg64("arsh"), arshImm: imm64op("arsh"),
  /** `dst = -dst` (64-bit). */
  neg: (dst: Reg): Instruction => alu("neg", dst, { imm: 0 }),
  /** `wdst = -wdst` (32-bit). */
  neg32: (dst: Reg): Instruction => alu("neg", dst, { imm: 0 }, true),
  /** `wdst = wsrc`, zeroing the upper 32 bits. */
  mov32: (dst: Reg, src: Reg): Instruction => alu("mov", dst, src, true),
  /** `wdst = imm` (u32 or s32), zeroing the upper 32 bits. */
  mov32Imm: (dst: Reg, imm: number | bigint): Instruction => alu("mov", dst, { imm }, true),
};

/**
 * `dst = (s8|s16|s32) src`: sign-extending move, 64-bit. Requires cpu v4 (Linux 6.6).
 *
 *   opcode = BPF_ALU64 | BPF_MOV | BPF_X (0xbf), off = 8/16/32, imm = 0
 */
export function movsx(dst: Reg, src: Reg, bits: 8 | 16 | 32): Instruction {
  if (bits !== 8 && bits !== 16 && bits !== 32) throw new AsmError(`movsx: invalid width ${String(bits)}`);
  return insn(CLASS_ALU64 | ALU_MOV | SRC_X, checkReg(dst, "movsx"), checkReg(src, "movsx"), bits, 0n);
}

/**
 * `wdst = (s8|s16) wsrc`: sign-extending move into 32 bits. Requires cpu v4 (Linux 6.6).
 *
 *   opcode = BPF_ALU | BPF_MOV | BPF_X (0xbc), off = 8/16, imm = 0
 */
export function movsx32(dst: Reg, src: Reg, bits: 8 | 16): Instruction {
  if (bits !== 8 && bits !== 16) throw new AsmError(`movsx32: invalid width ${String(bits)}`);
  return insn(CLASS_ALU | ALU_MOV | SRC_X, checkReg(dst, "movsx32"), checkReg(src, "movsx32"), bits, 0n);
}

/**
 * `dst = le16/le32/le64/be16/be32/be64 dst`: convert between host and the given byte
 * order (on little-endian hosts "le" only truncates to `bits`).
 *
 *   opcode = BPF_ALU | BPF_END | BPF_TO_LE (0xd4) or BPF_TO_BE (0xdc), imm = 16/32/64
 */
export function endian(dst: Reg, to: "le" | "be", bits: 16 | 32 | 64): Instruction {
  checkBits(bits, "endian");
  const dir = to === "be" ? END_TO_BE : END_TO_LE;
  return insn(CLASS_ALU | ALU_END | dir, checkReg(dst, "endian"), 0, 0, BigInt(bits));
}

/**
 * `dst = bswap16/32/64 dst`: unconditional byte swap. Requires cpu v4 (Linux 6.6).
 *
 *   opcode = BPF_ALU64 | BPF_END | BPF_TO_LE (0xd7), imm = 16/32/64
 */
export function bswap(dst: Reg, bits: 16 | 32 | 64): Instruction {
  checkBits(bits, "bswap");
  return insn(CLASS_ALU64 | ALU_END | END_TO_LE, checkReg(dst, "bswap"), 0, 0, BigInt(bits));
}

function checkBits(bits: number, what: string): void {
  if (bits !== 16 && bits !== 32 && bits !== 64) throw new AsmError(`${what}: invalid width ${bits}`);
}
