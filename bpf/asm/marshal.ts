// marshal(): the last step of code generation. Labels become pc-relative offsets (lddw
// counts as two slots), map names become fds, and instructions become bytes.
// unmarshal() is its inverse, for tests and for disassembling loaded programs.

import {
  CLASS_JMP, CLASS_JMP32, JMP_CALL, JMP_EXIT, JMP_JA, JMP_JCOND, OP_LDDW, PSEUDO_CALL, PSEUDO_FUNC,
  PSEUDO_MAP_FD, PSEUDO_MAP_VALUE, opClass, opOp,
} from "./opcodes.ts";
import { AsmError, isReg, slots, type Instruction, type Reg } from "./instruction.ts";

export interface MarshalOptions {
  /** Map name -> map fd, for instructions with `mapRef`. */
  readonly maps?: ReadonlyMap<string, number>;
}

/** Where a label resolves to: the 16-bit `off` field or the 32-bit `imm` field. */
export type TargetField = "off" | "imm";

/**
 * Which field of `i` holds its pc-relative target, or undefined when it has none:
 * conditional jumps, ja and may_goto use off; gotol (BPF_JMP32|BPF_JA), bpf-to-bpf calls
 * (BPF_PSEUDO_CALL) and lddw of a subprogram address (BPF_PSEUDO_FUNC) use imm.
 */
export function targetField(i: Instruction): TargetField | undefined {
  if (i.opcode === OP_LDDW) return i.src === PSEUDO_FUNC ? "imm" : undefined;
  const cls = opClass(i.opcode);
  if (cls !== CLASS_JMP && cls !== CLASS_JMP32) return undefined;
  const op = opOp(i.opcode);
  if (op === JMP_CALL) return cls === CLASS_JMP && i.src === PSEUDO_CALL ? "imm" : undefined;
  if (op === JMP_EXIT || op === 0xf0) return undefined;
  if (op === JMP_JCOND) return cls === CLASS_JMP ? "off" : undefined;
  if (op === JMP_JA && cls === CLASS_JMP32) return "imm";
  return "off";
}

/** Slot index of each instruction, counting lddw as two. */
export function slotIndices(insns: readonly Instruction[]): number[] {
  const out: number[] = [];
  let pc = 0;
  for (const i of insns) {
    out.push(pc);
    pc += slots(i);
  }
  return out;
}

/**
 * The instruction at 8-byte slot `slot` (as the verifier numbers them) and the source
 * comment that covers it: its own, else the nearest one before it (codegen comments the
 * first instruction of each statement). Undefined when no instruction starts there.
 */
export function instructionAt(insns: readonly Instruction[], slot: number): { index: number; insn: Instruction; comment: string | undefined } | undefined {
  const pcs = slotIndices(insns);
  const index = pcs.indexOf(slot);
  if (index < 0) return undefined;
  let comment: string | undefined;
  for (let i = index; i >= 0 && comment === undefined; i--) comment = insns[i]!.comment;
  return { index, insn: insns[index]!, comment };
}

/** Label -> slot index. Throws AsmError on a duplicate label. */
export function labelSlots(insns: readonly Instruction[]): Map<string, number> {
  const labels = new Map<string, number>();
  let pc = 0;
  for (const i of insns) {
    if (i.label !== undefined) {
      if (labels.has(i.label)) throw new AsmError(`duplicate label "${i.label}"`);
      labels.set(i.label, pc);
    }
    pc += slots(i);
  }
  return labels;
}

/**
 * Resolves labels to offsets (lddw counts as 2 slots), patches map fds, and encodes.
 * Returns little-endian bytes, 8 per slot. Throws AsmError on an unknown label or map, a
 * duplicate label, or a field out of range.
 */
export function marshal(insns: readonly Instruction[], opts: MarshalOptions = {}): Uint8Array {
  const labels = labelSlots(insns);
  const pcs = slotIndices(insns);
  const total = insns.length === 0 ? 0 : (pcs[pcs.length - 1] ?? 0) + slots(insns[insns.length - 1]!);
  const bytes = new Uint8Array(total * 8);
  const view = new DataView(bytes.buffer);

  insns.forEach((i, n) => {
    const pc = pcs[n] ?? 0;
    const where = `instruction ${n} (slot ${pc})`;
    let { off, imm } = i;

    if (i.target !== undefined) {
      const field = targetField(i);
      if (field === undefined) throw new AsmError(`${where}: has target "${i.target}" but is not a jump or call`);
      const to = labels.get(i.target);
      if (to === undefined) throw new AsmError(`${where}: unknown label "${i.target}"`);
      const rel = to - (pc + 1);
      if (field === "off") {
        if (rel < -32768 || rel > 32767) {
          throw new AsmError(`${where}: jump to "${i.target}" out of range (offset ${rel} does not fit in s16)`);
        }
        off = rel;
      } else {
        imm = BigInt(rel);
      }
    }

    if (i.mapRef !== undefined) {
      if (i.opcode !== OP_LDDW || (i.src !== PSEUDO_MAP_FD && i.src !== PSEUDO_MAP_VALUE)) {
        throw new AsmError(`${where}: map reference "${i.mapRef}" on an instruction that is not lddw of a map`);
      }
      const fd = opts.maps?.get(i.mapRef);
      if (fd === undefined) throw new AsmError(`${where}: unknown map "${i.mapRef}"`);
      if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) throw new AsmError(`${where}: invalid fd ${fd} for map "${i.mapRef}"`);
      imm = BigInt.asIntN(64, (BigInt.asUintN(64, imm) & ~0xffffffffn) | BigInt(fd));
    }

    checkFields(i, off, where);
    const at = pc * 8;
    bytes[at] = i.opcode;
    bytes[at + 1] = ((i.src & 0x0f) << 4) | (i.dst & 0x0f);
    view.setInt16(at + 2, off, true);
    if (i.opcode === OP_LDDW) {
      if (imm < -(2n ** 63n) || imm > 2n ** 64n - 1n) throw new AsmError(`${where}: immediate ${imm} does not fit in 64 bits`);
      const u = BigInt.asUintN(64, imm);
      view.setUint32(at + 4, Number(u & 0xffffffffn), true);
      // Second slot: opcode, registers and off all zero; only imm (the high half).
      view.setUint32(at + 12, Number(u >> 32n), true);
    } else {
      if (imm < -(2n ** 31n) || imm > 2n ** 32n - 1n) throw new AsmError(`${where}: immediate ${imm} does not fit in 32 bits`);
      view.setInt32(at + 4, Number(BigInt.asIntN(32, imm)), true);
    }
  });
  return bytes;
}

function checkFields(i: Instruction, off: number, where: string): void {
  if (!Number.isInteger(i.opcode) || i.opcode < 0 || i.opcode > 0xff) throw new AsmError(`${where}: invalid opcode ${i.opcode}`);
  if (!isReg(i.dst)) throw new AsmError(`${where}: invalid dst register r${i.dst}`);
  if (!Number.isInteger(i.src) || i.src < 0 || i.src > 15) throw new AsmError(`${where}: invalid src ${i.src}`);
  if (!Number.isInteger(off) || off < -32768 || off > 32767) throw new AsmError(`${where}: offset ${off} does not fit in s16`);
}

/**
 * Decodes bytes into instructions. Jump and call targets that land on an instruction get
 * a synthesized label `L<slot>` (on the target) and `target` (on the jump); `off`/`imm`
 * keep the encoded value, so marshal(unmarshal(b)) returns b. Map fds stay in imm.
 */
export function unmarshal(bytes: Uint8Array): Instruction[] {
  if (bytes.length % 8 !== 0) throw new AsmError(`unmarshal: ${bytes.length} bytes is not a multiple of 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw: Instruction[] = [];
  const pcs: number[] = [];
  const nslots = bytes.length / 8;
  for (let pc = 0; pc < nslots; pc++) {
    const at = pc * 8;
    const opcode = view.getUint8(at);
    const regs = view.getUint8(at + 1);
    const dst = regs & 0x0f;
    const src = regs >> 4;
    const off = view.getInt16(at + 2, true);
    let imm = BigInt(view.getInt32(at + 4, true));
    if (!isReg(dst)) throw new AsmError(`unmarshal: slot ${pc}: invalid dst register r${dst}`);
    if (opcode === OP_LDDW) {
      if (pc + 1 >= nslots) throw new AsmError(`unmarshal: slot ${pc}: lddw is missing its second slot`);
      const next = at + 8;
      if (view.getUint8(next) !== 0 || view.getUint8(next + 1) !== 0 || view.getInt16(next + 2, true) !== 0) {
        throw new AsmError(`unmarshal: slot ${pc + 1}: second slot of lddw must have zero opcode, registers and offset`);
      }
      const hi = BigInt(view.getUint32(next + 4, true));
      imm = BigInt.asIntN(64, (hi << 32n) | BigInt.asUintN(32, imm));
    }
    raw.push({ opcode, dst: dst as Reg, src, off, imm });
    pcs.push(pc);
    if (opcode === OP_LDDW) pc++;
  }

  const indexOfSlot = new Map<number, number>(pcs.map((pc, n) => [pc, n]));
  const targets = new Map<number, string>(); // instruction index -> label
  const out = raw.map((i, n) => {
    const field = targetField(i);
    if (field === undefined) return i;
    const rel = field === "off" ? i.off : Number(i.imm);
    const to = (pcs[n] ?? 0) + 1 + rel;
    const target = indexOfSlot.get(to);
    if (target === undefined) return i; // into the middle of lddw or out of the program: leave raw
    const label = `L${to}`;
    targets.set(target, label);
    return { ...i, target: label };
  });
  for (const [n, label] of targets) out[n] = { ...out[n]!, label };
  return out;
}
