// Memory builders: loads, stores, 64-bit immediates with map references, atomics and the
// legacy packet loads.

import {
  ATOMIC_FETCH, ATOMIC_LOAD_ACQ, ATOMIC_OPS, ATOMIC_STORE_REL, CLASS_LD, CLASS_LDX, CLASS_ST,
  CLASS_STX, MODE_ABS, MODE_ATOMIC, MODE_IND, MODE_MEM, MODE_MEMSX, OP_LDDW, PSEUDO_BTF_ID,
  PSEUDO_FUNC, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE, type AtomicOp,
} from "./opcodes.ts";
import {
  AsmError, checkOff, checkReg, imm32, imm64, immS32, insn, sizeCode, type Instruction, type Reg, type Size,
} from "./instruction.ts";

/**
 * `dst = *(size *)(src + off)`, zero-extended.
 *   opcode = BPF_MEM | size | BPF_LDX, dst, src, off, imm = 0
 */
export function ldx(size: Size, dst: Reg, src: Reg, off: number): Instruction {
  const what = `ldx${size * 8}`;
  return insn(CLASS_LDX | MODE_MEM | checkSize(size, what), checkReg(dst, what), checkReg(src, what), checkOff(off, what), 0n);
}

/**
 * `dst = *(s8|s16|s32 *)(src + off)`, sign-extended. Requires cpu v4 (Linux 6.6).
 *   opcode = BPF_MEMSX | size | BPF_LDX, dst, src, off, imm = 0
 */
export function ldxs(size: 1 | 2 | 4, dst: Reg, src: Reg, off: number): Instruction {
  const what = `ldxs${size * 8}`;
  if (size !== 1 && size !== 2 && size !== 4) throw new AsmError(`${what}: invalid size ${String(size)}`);
  return insn(CLASS_LDX | MODE_MEMSX | sizeCode(size), checkReg(dst, what), checkReg(src, what), checkOff(off, what), 0n);
}

/**
 * `*(size *)(dst + off) = src`.
 *   opcode = BPF_MEM | size | BPF_STX, dst, src, off, imm = 0
 */
export function stx(size: Size, dst: Reg, off: number, src: Reg): Instruction {
  const what = `stx${size * 8}`;
  return insn(CLASS_STX | MODE_MEM | checkSize(size, what), checkReg(dst, what), checkReg(src, what), checkOff(off, what), 0n);
}

/**
 * `*(size *)(dst + off) = imm`. An 8-byte store sign-extends imm, so it must fit s32;
 * narrower stores accept s32 or u32.
 *   opcode = BPF_MEM | size | BPF_ST, dst, src = 0, off, imm
 */
export function st(size: Size, dst: Reg, off: number, imm: number | bigint): Instruction {
  const what = `st${size * 8}`;
  const v = size === 8 ? immS32(imm, what) : imm32(imm, what);
  return insn(CLASS_ST | MODE_MEM | checkSize(size, what), checkReg(dst, what), 0, checkOff(off, what), v);
}

/**
 * `dst = imm ll`: 64-bit immediate, two slots.
 *   slot 0: opcode = BPF_LD | BPF_IMM | BPF_DW (0x18), dst, src = 0, imm = low 32 bits
 *   slot 1: opcode = 0, imm = high 32 bits
 */
export function ldImm64(dst: Reg, imm: bigint | number): Instruction {
  return insn(OP_LDDW, checkReg(dst, "lddw"), 0, 0, imm64(imm, "lddw"));
}

/**
 * `dst = map[mapName] ll`: pointer to a map; marshal() patches in its fd.
 *   lddw with src = BPF_PSEUDO_MAP_FD (1), slot 0 imm = map fd, slot 1 imm = 0
 */
export function ldMapFd(dst: Reg, mapName: string): Instruction {
  checkMapName(mapName);
  return insn(OP_LDDW, checkReg(dst, "lddw map"), PSEUDO_MAP_FD, 0, 0n, { mapRef: mapName });
}

/**
 * `dst = &map[mapName][0] + offset`: pointer into the value of an array map with one
 * element (global data). Requires Linux 5.2.
 *   lddw with src = BPF_PSEUDO_MAP_VALUE (2), slot 0 imm = map fd, slot 1 imm = offset
 * Until marshal() patches the fd, `imm` holds `offset << 32`.
 */
export function ldMapValue(dst: Reg, mapName: string, offset: number): Instruction {
  checkMapName(mapName);
  if (!Number.isInteger(offset) || offset < 0 || offset > 0xffffffff) {
    throw new AsmError(`lddw map value: invalid offset ${offset}`);
  }
  const imm = BigInt.asIntN(64, BigInt(offset) << 32n);
  return insn(OP_LDDW, checkReg(dst, "lddw map value"), PSEUDO_MAP_VALUE, 0, imm, { mapRef: mapName });
}

/**
 * `dst = &subprogram`: address of the subprogram at label `target`, for callbacks of
 * bpf_loop, bpf_for_each_map_elem and timers. Requires Linux 5.13.
 *   lddw with src = BPF_PSEUDO_FUNC (4), slot 0 imm = target - (pc + 1)
 */
export function ldFunc(dst: Reg, target: string): Instruction {
  if (target === "") throw new AsmError("lddw func: empty target");
  return insn(OP_LDDW, checkReg(dst, "lddw func"), PSEUDO_FUNC, 0, 0n, { target });
}

/**
 * `dst = &ksym`: address of a kernel variable by BTF id. Requires Linux 5.10.
 *   lddw with src = BPF_PSEUDO_BTF_ID (3), slot 0 imm = BTF id
 */
export function ldBtfId(dst: Reg, btfId: number): Instruction {
  return insn(OP_LDDW, checkReg(dst, "lddw btf id"), PSEUDO_BTF_ID, 0, immS32(btfId, "lddw btf id"));
}

/**
 * Atomic read-modify-write of `*(size *)(dst + off)` with `src`. Requires Linux 5.12 for
 * anything but add without fetch (the old BPF_XADD).
 *   opcode = BPF_ATOMIC | size | BPF_STX (0xc3 for 4 bytes, 0xdb for 8), dst, src, off,
 *   imm = BPF_ADD/OR/AND/XOR (| BPF_FETCH: src receives the old value), BPF_XCHG, BPF_CMPXCHG
 * xchg and cmpxchg always fetch, whatever `fetch` says; cmpxchg compares with r0 and
 * leaves the old value in r0.
 */
export function atomic(op: AtomicOp, size: 4 | 8, dst: Reg, off: number, src: Reg, fetch = false): Instruction {
  const code = ATOMIC_OPS[op];
  if (code === undefined) throw new AsmError(`unknown atomic op "${String(op)}"`);
  const what = `atomic ${op}${size * 8}`;
  if (size !== 4 && size !== 8) throw new AsmError(`${what}: invalid size ${String(size)}`);
  const imm = code | (fetch ? ATOMIC_FETCH : 0);
  return insn(CLASS_STX | MODE_ATOMIC | sizeCode(size), checkReg(dst, what), checkReg(src, what), checkOff(off, what), BigInt(imm));
}

/**
 * `dst = load_acquire((size *)(src + off))`. Requires Linux 6.15.
 *   opcode = BPF_ATOMIC | size | BPF_STX, imm = BPF_LOAD_ACQ (0x100)
 */
export function loadAcquire(size: Size, dst: Reg, src: Reg, off: number): Instruction {
  const what = `load_acquire${size * 8}`;
  return insn(CLASS_STX | MODE_ATOMIC | checkSize(size, what), checkReg(dst, what), checkReg(src, what), checkOff(off, what), BigInt(ATOMIC_LOAD_ACQ));
}

/**
 * `store_release((size *)(dst + off), src)`. Requires Linux 6.15.
 *   opcode = BPF_ATOMIC | size | BPF_STX, imm = BPF_STORE_REL (0x110)
 */
export function storeRelease(size: Size, dst: Reg, off: number, src: Reg): Instruction {
  const what = `store_release${size * 8}`;
  return insn(CLASS_STX | MODE_ATOMIC | checkSize(size, what), checkReg(dst, what), checkReg(src, what), checkOff(off, what), BigInt(ATOMIC_STORE_REL));
}

/**
 * Legacy `r0 = ntoh(*(size *)(skb->data + imm))`; socket filters only, implicit ctx in r6.
 *   opcode = BPF_ABS | size | BPF_LD, imm = offset
 */
export function ldAbs(size: 1 | 2 | 4, imm: number): Instruction {
  if (size !== 1 && size !== 2 && size !== 4) throw new AsmError(`ld_abs: invalid size ${String(size)}`);
  return insn(CLASS_LD | MODE_ABS | sizeCode(size), 0, 0, 0, immS32(imm, "ld_abs"));
}

/**
 * Legacy `r0 = ntoh(*(size *)(skb->data + src + imm))`.
 *   opcode = BPF_IND | size | BPF_LD, src, imm = offset
 */
export function ldInd(size: 1 | 2 | 4, src: Reg, imm: number): Instruction {
  if (size !== 1 && size !== 2 && size !== 4) throw new AsmError(`ld_ind: invalid size ${String(size)}`);
  return insn(CLASS_LD | MODE_IND | sizeCode(size), 0, checkReg(src, "ld_ind"), 0, immS32(imm, "ld_ind"));
}

function checkSize(size: Size, what: string): number {
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw new AsmError(`${what}: invalid size ${String(size)}`);
  return sizeCode(size);
}

function checkMapName(name: string): void {
  if (typeof name !== "string" || name === "") throw new AsmError("lddw map: empty map name");
}
