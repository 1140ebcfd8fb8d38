// The per-CPU scratch area: where a program keeps what does not fit in the 512-byte BPF
// stack (1024-byte strings, tuples and printf records of them, map keys and values).
// It is the one value of a BPF_MAP_TYPE_PERCPU_ARRAY map (SCRATCH_MAP, key 0), looked up
// once at program entry into r7. bpftrace keeps large values the same way; like there, a
// probe that interrupts another one on the same CPU (perf/NMI, rare for tracepoints) would
// share the area with it.
//
// The generator allocates scratch slots at virtual r10 offsets below -512 (frame.ts) and
// emits ordinary stack code for them. After generation, `toScratch` rewrites each access
// to such an offset to go through r7:
//
//   ldx/stx/st [r10 + v]                 →  [r7 + (v - SCRATCH_BASE)]
//   rX = r10; rX += v   (stackAddr)      →  rX = r7; rX += (v - SCRATCH_BASE)
//
// `withScratch` then adds the entry lookup. From here on (STYLE.md §3) the invariants are:
// no instruction reaches r10 below -512, and r7 holds the scratch pointer in the main
// function and in every for-map callback (the caller saves r7 in its frame before the
// call, the callback loads it back, as it does r6), or 0 when the program needs no scratch.
// The generator never writes r7 otherwise.
import { asm, opcodes, R0, R1, R2, R6, R7, R10, type Instruction, H } from "../asm/index.ts";
import { isScratch, SCRATCH_BASE } from "./frame.ts";

/** The register holding the scratch pointer. */
export const SCRATCH_REG = R7;

const { CLASS_LDX, CLASS_ST, CLASS_STX, CLASS_ALU64, ALU_MOV, ALU_ADD, SRC_X, SRC_K } = opcodes;
const cls = (i: Instruction) => i.opcode & 0x07;
const isMovReg = (i: Instruction) => i.opcode === (CLASS_ALU64 | ALU_MOV | SRC_X) && i.off === 0;
const isAddImm = (i: Instruction) => i.opcode === (CLASS_ALU64 | ALU_ADD | SRC_K);

/** `insns` with every access to a virtual scratch offset made through r7 (see above). */
export function toScratch(insns: readonly Instruction[]): Instruction[] {
  const out: Instruction[] = [];
  for (let n = 0; n < insns.length; n++) {
    const i = insns[n]!;
    const c = cls(i);
    if (c === CLASS_LDX && i.src === R10 && isScratch(i.off)) {
      out.push({ ...i, src: SCRATCH_REG, off: i.off - SCRATCH_BASE });
      continue;
    }
    if ((c === CLASS_ST || c === CLASS_STX) && i.dst === R10 && isScratch(i.off)) {
      out.push({ ...i, dst: SCRATCH_REG, off: i.off - SCRATCH_BASE });
      continue;
    }
    const next = insns[n + 1];
    if (isMovReg(i) && i.src === R10 && next && isAddImm(next) && next.dst === i.dst && next.label === undefined && isScratch(Number(next.imm))) {
      out.push({ ...i, src: SCRATCH_REG }, { ...next, imm: next.imm - BigInt(SCRATCH_BASE) });
      n++;
      continue;
    }
    out.push(i);
  }
  return out;
}

export interface ScratchUse {
  /** Bytes of scratch the program needs (Frame.scratchSize); 0 for none. */
  readonly size: number;
  /** The program has callbacks, which load r7 from the caller's frame whether or not it is used. */
  readonly callbacks: boolean;
  /** The label of the main function's `r0 = 0; exit`. */
  readonly exitLabel: string;
  /** The kernel map holding the area. */
  readonly map: string;
}

/**
 * The finished program with its scratch accesses rewritten and r7 set right after the
 * entry's `r6 = r1`: the area's address (a null lookup, which cannot happen for key 0 of
 * a one-entry array, ends the program), or 0 when only callbacks need r7 defined.
 */
export function withScratch(insns: readonly Instruction[], use: ScratchUse): Instruction[] {
  if (use.size === 0 && !use.callbacks) return [...insns];
  const first = insns[0];
  if (!first || !isMovReg(first) || first.dst !== R6 || first.src !== R1) {
    throw new Error("internal: a program must start with r6 = r1");
  }
  const body = toScratch(insns.slice(1));
  if (use.size === 0) return [first, asm.movImm(SCRATCH_REG, 0), ...body];
  const keyOff = -4; // free at entry: nothing lives on the stack yet
  const prologue = [
    asm.st(4, R10, keyOff, 0),
    asm.ldMapFd(R1, use.map),
    asm.mov(R2, R10),
    asm.addImm(R2, keyOff),
    asm.call(H.map_lookup_elem),
    asm.jeqImm(R0, 0, use.exitLabel),
    asm.mov(SCRATCH_REG, R0),
  ];
  return [first, ...prologue, ...body];
}
