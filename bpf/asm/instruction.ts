// The one instruction value type, registers, sizes, and the range checks every builder
// and marshal() share.

import { OP_LDDW, SIZE_B, SIZE_DW, SIZE_H, SIZE_W } from "./opcodes.ts";

/** An eBPF register number. R10 is the read-only frame pointer. */
export type Reg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

export const R0: Reg = 0; // return value, helper result
export const R1: Reg = 1; // argument 1, the context on entry
export const R2: Reg = 2;
export const R3: Reg = 3;
export const R4: Reg = 4;
export const R5: Reg = 5; // argument 5
export const R6: Reg = 6; // callee-saved
export const R7: Reg = 7;
export const R8: Reg = 8;
export const R9: Reg = 9;
export const R10: Reg = 10; // frame pointer (BPF_REG_FP), read-only

/** Access size in bytes: BPF_B, BPF_H, BPF_W, BPF_DW. */
export type Size = 1 | 2 | 4 | 8;

/**
 * One eBPF instruction, before or after label and map resolution.
 *
 * Wire layout (struct bpf_insn, 8 bytes, little-endian):
 *
 *   byte 0      byte 1               bytes 2-3    bytes 4-7
 *   [ opcode ] [ src:4 hi | dst:4 lo ] [ off s16 ] [ imm s32 ]
 *
 * lddw (BPF_LD|BPF_IMM|BPF_DW) takes two slots; the second has opcode 0 and holds the
 * high 32 bits of `imm` in its imm field.
 */
export interface Instruction {
  /** The 8-bit code. */
  readonly opcode: number;
  readonly dst: Reg;
  /** A register number, or a pseudo value (BPF_PSEUDO_MAP_FD, BPF_PSEUDO_CALL, ...). 0-15. */
  readonly src: number;
  /** Signed 16-bit. For a jump with `target`, filled in by marshal(). */
  readonly off: number;
  /** Signed 32-bit for normal instructions; signed 64-bit for lddw. */
  readonly imm: bigint;
  /** This instruction is the target of that label. */
  readonly label?: string;
  /** Jump target label (resolved into off, or imm for gotol/call/BPF_PSEUDO_FUNC). */
  readonly target?: string;
  /** Map name; marshal() patches the map fd into the low 32 bits of imm (lddw only). */
  readonly mapRef?: string;
  /** Source comment, e.g. "cell[2]:1: @x = count()". */
  readonly comment?: string;
}

/** An instruction that cannot be built, resolved or encoded. */
export class AsmError extends Error {
  override name = "AsmError";
}

/**
 * Returns `i` as the target of `label`. An instruction holds one label; labelling an
 * already labelled instruction with another name throws, since jumps to the old name
 * would silently dangle.
 */
export function withLabel(i: Instruction, label: string): Instruction {
  if (label === "") throw new AsmError("empty label");
  if (i.label !== undefined && i.label !== label) {
    throw new AsmError(`instruction already has label "${i.label}", cannot add "${label}"`);
  }
  return { ...i, label };
}

/** Returns `i` annotated with a source comment; an existing comment is replaced. */
export function withComment(i: Instruction, comment: string): Instruction {
  return { ...i, comment };
}

/** Number of 8-byte slots the instruction takes when marshalled: 2 for lddw, else 1. */
export function slots(i: Instruction): 1 | 2 {
  return i.opcode === OP_LDDW ? 2 : 1;
}

export const isReg = (n: number): n is Reg => Number.isInteger(n) && n >= 0 && n <= 10;

export function checkReg(r: number, what: string): Reg {
  if (!isReg(r)) throw new AsmError(`${what}: invalid register r${r}`);
  return r;
}

const S32_MIN = -(2n ** 31n);
const S32_MAX = 2n ** 31n - 1n;
const U32_MAX = 2n ** 32n - 1n;

/**
 * An immediate that the kernel sign-extends to 64 bits: must fit s32. Used for ALU64,
 * JMP and 8-byte stores, where accepting 0xffffffff would silently mean -1.
 */
export function immS32(v: number | bigint, what: string): bigint {
  const b = toBig(v, what);
  if (b < S32_MIN || b > S32_MAX) throw new AsmError(`${what}: immediate ${b} does not fit in s32`);
  return b;
}

/**
 * An immediate that is only used as 32 bits (ALU32, JMP32, stores of 4 bytes or less):
 * accepts s32 or u32 and stores the bit pattern as s32.
 */
export function imm32(v: number | bigint, what: string): bigint {
  const b = toBig(v, what);
  if (b < S32_MIN || b > U32_MAX) throw new AsmError(`${what}: immediate ${b} does not fit in 32 bits`);
  return BigInt.asIntN(32, b);
}

/** A 64-bit immediate (lddw): accepts s64 or u64, stored as s64. */
export function imm64(v: number | bigint, what: string): bigint {
  const b = toBig(v, what);
  if (b < -(2n ** 63n) || b > 2n ** 64n - 1n) throw new AsmError(`${what}: immediate ${b} does not fit in 64 bits`);
  return BigInt.asIntN(64, b);
}

export function checkOff(off: number, what: string): number {
  if (!Number.isInteger(off) || off < -32768 || off > 32767) {
    throw new AsmError(`${what}: offset ${off} does not fit in s16`);
  }
  return off;
}

function toBig(v: number | bigint, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (!Number.isSafeInteger(v)) throw new AsmError(`${what}: immediate ${v} is not a safe integer`);
  return BigInt(v);
}

/** BPF_SIZE bits for a size in bytes. */
export function sizeCode(size: Size): number {
  switch (size) {
    case 1: return SIZE_B;
    case 2: return SIZE_H;
    case 4: return SIZE_W;
    case 8: return SIZE_DW;
  }
}

/** Size in bytes for BPF_SIZE bits. */
export function sizeBytes(code: number): Size {
  switch (code & 0x18) {
    case SIZE_B: return 1;
    case SIZE_H: return 2;
    case SIZE_W: return 4;
    default: return 8;
  }
}

/** Drops undefined optional fields so instructions compare equal structurally. */
export function insn(
  opcode: number, dst: Reg, src: number, off: number, imm: bigint,
  extra?: { target?: string | undefined; mapRef?: string | undefined },
): Instruction {
  const i: { -readonly [K in keyof Instruction]: Instruction[K] } = { opcode, dst, src, off, imm };
  if (extra?.target !== undefined) i.target = extra.target;
  if (extra?.mapRef !== undefined) i.mapRef = extra.mapRef;
  return i;
}
