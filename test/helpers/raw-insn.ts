// Hand-encoded eBPF for the native/ tests: they load programs without bpf/asm, so a bug in
// the assembler cannot hide one in the syscall layer (and the other way round).

/** One 8-byte instruction: opcode, dst/src nibbles, s16 offset, s32 immediate. */
export function insn(code: number, dst: number, src: number, off: number, imm: number): Uint8Array {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  b[0] = code;
  b[1] = (src << 4) | dst;
  dv.setInt16(2, off, true);
  dv.setInt32(4, imm, true);
  return b;
}

/** Instructions concatenated into one program image. */
export function prog(...insns: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(insns.length * 8);
  insns.forEach((x, i) => out.set(x, i * 8));
  return out;
}

export const MOV64_IMM = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K
export const MOV64_REG = 0xbf; // BPF_ALU64 | BPF_MOV | BPF_X
export const ADD64_IMM = 0x07; // BPF_ALU64 | BPF_ADD | BPF_K
export const ADD64_REG = 0x0f; // BPF_ALU64 | BPF_ADD | BPF_X
export const AND64_IMM = 0x57; // BPF_ALU64 | BPF_AND | BPF_K
export const LDX_DW = 0x79; // BPF_LDX | BPF_MEM | BPF_DW
export const STX_DW = 0x7b; // BPF_STX | BPF_MEM | BPF_DW
export const STX_W = 0x63; // BPF_STX | BPF_MEM | BPF_W
export const ST_W = 0x62; // BPF_ST | BPF_MEM | BPF_W
export const ST_DW = 0x7a; // BPF_ST | BPF_MEM | BPF_DW
export const LD_IMM64 = 0x18; // BPF_LD | BPF_IMM | BPF_DW
export const JEQ_IMM = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
export const JNE_IMM = 0x55; // BPF_JMP | BPF_JNE | BPF_K
export const JA = 0x05; // BPF_JMP | BPF_JA
export const CALL = 0x85; // BPF_JMP | BPF_CALL
export const EXIT = 0x95; // BPF_JMP | BPF_EXIT
