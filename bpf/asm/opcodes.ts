// Opcode constants and the names the assembler uses for them. Values are the kernel's
// (linux/bpf_common.h, linux/bpf.h); each carries its kernel name.
//
// The 8-bit opcode is laid out per class:
//
//   ALU/ALU64/JMP/JMP32:   msb [ op:4 | src:1 | class:3 ] lsb    src: BPF_K=0 (imm) / BPF_X=1 (reg)
//   LD/LDX/ST/STX:         msb [ mode:3 | size:2 | class:3 ] lsb

// ---- classes: BPF_CLASS(code) = code & 0x07 ----
export const CLASS_LD = 0x00; // BPF_LD
export const CLASS_LDX = 0x01; // BPF_LDX
export const CLASS_ST = 0x02; // BPF_ST
export const CLASS_STX = 0x03; // BPF_STX
export const CLASS_ALU = 0x04; // BPF_ALU
export const CLASS_JMP = 0x05; // BPF_JMP
export const CLASS_JMP32 = 0x06; // BPF_JMP32
export const CLASS_ALU64 = 0x07; // BPF_ALU64

// ---- sizes: BPF_SIZE(code) = code & 0x18 ----
export const SIZE_W = 0x00; // BPF_W
export const SIZE_H = 0x08; // BPF_H
export const SIZE_B = 0x10; // BPF_B
export const SIZE_DW = 0x18; // BPF_DW

// ---- modes: BPF_MODE(code) = code & 0xe0 ----
export const MODE_IMM = 0x00; // BPF_IMM (only lddw in eBPF)
export const MODE_ABS = 0x20; // BPF_ABS (legacy packet access)
export const MODE_IND = 0x40; // BPF_IND (legacy packet access)
export const MODE_MEM = 0x60; // BPF_MEM
export const MODE_MEMSX = 0x80; // BPF_MEMSX (sign-extending load, cpu v4, Linux 6.6)
export const MODE_ATOMIC = 0xc0; // BPF_ATOMIC (was BPF_XADD)

// ---- source: BPF_SRC(code) = code & 0x08 ----
export const SRC_K = 0x00; // BPF_K: operand is imm
export const SRC_X = 0x08; // BPF_X: operand is src register

// ---- ALU ops: BPF_OP(code) = code & 0xf0 ----
export const ALU_ADD = 0x00; // BPF_ADD
export const ALU_SUB = 0x10; // BPF_SUB
export const ALU_MUL = 0x20; // BPF_MUL
export const ALU_DIV = 0x30; // BPF_DIV (off=1: signed, cpu v4)
export const ALU_OR = 0x40; // BPF_OR
export const ALU_AND = 0x50; // BPF_AND
export const ALU_LSH = 0x60; // BPF_LSH
export const ALU_RSH = 0x70; // BPF_RSH
export const ALU_NEG = 0x80; // BPF_NEG
export const ALU_MOD = 0x90; // BPF_MOD (off=1: signed, cpu v4)
export const ALU_XOR = 0xa0; // BPF_XOR
export const ALU_MOV = 0xb0; // BPF_MOV (off=8/16/32: sign-extending movsx, cpu v4)
export const ALU_ARSH = 0xc0; // BPF_ARSH
export const ALU_END = 0xd0; // BPF_END

export const END_TO_LE = 0x00; // BPF_TO_LE (in the source bit of BPF_END)
export const END_TO_BE = 0x08; // BPF_TO_BE

// ---- JMP ops ----
export const JMP_JA = 0x00; // BPF_JA (in JMP32: gotol, offset in imm, cpu v4)
export const JMP_JEQ = 0x10; // BPF_JEQ
export const JMP_JGT = 0x20; // BPF_JGT
export const JMP_JGE = 0x30; // BPF_JGE
export const JMP_JSET = 0x40; // BPF_JSET
export const JMP_JNE = 0x50; // BPF_JNE
export const JMP_JSGT = 0x60; // BPF_JSGT
export const JMP_JSGE = 0x70; // BPF_JSGE
export const JMP_CALL = 0x80; // BPF_CALL
export const JMP_EXIT = 0x90; // BPF_EXIT
export const JMP_JLT = 0xa0; // BPF_JLT
export const JMP_JLE = 0xb0; // BPF_JLE
export const JMP_JSLT = 0xc0; // BPF_JSLT
export const JMP_JSLE = 0xd0; // BPF_JSLE
export const JMP_JCOND = 0xe0; // BPF_JCOND (may_goto, Linux 6.9)

// ---- atomic operations, in imm of BPF_STX|BPF_ATOMIC ----
export const ATOMIC_FETCH = 0x01; // BPF_FETCH
export const ATOMIC_XCHG = 0xe0 | ATOMIC_FETCH; // BPF_XCHG
export const ATOMIC_CMPXCHG = 0xf0 | ATOMIC_FETCH; // BPF_CMPXCHG
export const ATOMIC_LOAD_ACQ = 0x100; // BPF_LOAD_ACQ (Linux 6.15)
export const ATOMIC_STORE_REL = 0x110; // BPF_STORE_REL (Linux 6.15)

// ---- src_reg pseudo values ----
export const PSEUDO_MAP_FD = 1; // BPF_PSEUDO_MAP_FD: lddw imm = map fd
export const PSEUDO_MAP_VALUE = 2; // BPF_PSEUDO_MAP_VALUE: lddw imm = map fd, second imm = offset
export const PSEUDO_BTF_ID = 3; // BPF_PSEUDO_BTF_ID: lddw imm = kernel BTF id of a VAR
export const PSEUDO_FUNC = 4; // BPF_PSEUDO_FUNC: lddw imm = insn offset to a subprogram
export const PSEUDO_MAP_IDX = 5; // BPF_PSEUDO_MAP_IDX
export const PSEUDO_MAP_IDX_VALUE = 6; // BPF_PSEUDO_MAP_IDX_VALUE
export const PSEUDO_CALL = 1; // BPF_PSEUDO_CALL: call imm = pc-relative offset to a subprogram
export const PSEUDO_KFUNC_CALL = 2; // BPF_PSEUDO_KFUNC_CALL: call imm = BTF id of a kernel function
export const MAY_GOTO = 0; // BPF_MAY_GOTO, src of BPF_JCOND

// ---- whole opcodes used on their own ----
export const OP_LDDW = CLASS_LD | MODE_IMM | SIZE_DW; // 0x18
export const OP_CALL = CLASS_JMP | JMP_CALL; // 0x85
export const OP_EXIT = CLASS_JMP | JMP_EXIT; // 0x95

export const opClass = (code: number): number => code & 0x07;
export const opSize = (code: number): number => code & 0x18;
export const opMode = (code: number): number => code & 0xe0;
export const opSrc = (code: number): number => code & 0x08;
export const opOp = (code: number): number => code & 0xf0;

export type AluOp =
  | "add" | "sub" | "mul" | "div" | "sdiv" | "or" | "and" | "lsh"
  | "rsh" | "neg" | "mod" | "smod" | "xor" | "mov" | "arsh";

/** The BPF_OP bits and the `off` field that select an ALU operation (cpu v4 overloads off). */
export const ALU_OPS: Readonly<Record<AluOp, { readonly op: number; readonly off: number }>> = {
  add: { op: ALU_ADD, off: 0 },
  sub: { op: ALU_SUB, off: 0 },
  mul: { op: ALU_MUL, off: 0 },
  div: { op: ALU_DIV, off: 0 },
  sdiv: { op: ALU_DIV, off: 1 },
  or: { op: ALU_OR, off: 0 },
  and: { op: ALU_AND, off: 0 },
  lsh: { op: ALU_LSH, off: 0 },
  rsh: { op: ALU_RSH, off: 0 },
  neg: { op: ALU_NEG, off: 0 },
  mod: { op: ALU_MOD, off: 0 },
  smod: { op: ALU_MOD, off: 1 },
  xor: { op: ALU_XOR, off: 0 },
  mov: { op: ALU_MOV, off: 0 },
  arsh: { op: ALU_ARSH, off: 0 },
};

export type JmpOp =
  | "ja" | "jeq" | "jgt" | "jge" | "jset" | "jne" | "jsgt" | "jsge"
  | "jlt" | "jle" | "jslt" | "jsle";

export const JMP_OPS: Readonly<Record<JmpOp, number>> = {
  ja: JMP_JA,
  jeq: JMP_JEQ,
  jgt: JMP_JGT,
  jge: JMP_JGE,
  jset: JMP_JSET,
  jne: JMP_JNE,
  jsgt: JMP_JSGT,
  jsge: JMP_JSGE,
  jlt: JMP_JLT,
  jle: JMP_JLE,
  jslt: JMP_JSLT,
  jsle: JMP_JSLE,
};

export type AtomicOp = "add" | "or" | "and" | "xor" | "xchg" | "cmpxchg";

/** imm of BPF_STX|BPF_ATOMIC without BPF_FETCH; xchg and cmpxchg always fetch. */
export const ATOMIC_OPS: Readonly<Record<AtomicOp, number>> = {
  add: ALU_ADD,
  or: ALU_OR,
  and: ALU_AND,
  xor: ALU_XOR,
  xchg: ATOMIC_XCHG,
  cmpxchg: ATOMIC_CMPXCHG,
};
