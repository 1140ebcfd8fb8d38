// Disassembly for %bytecode and tests, in the style of bpftool / llvm-objdump:
//
//   <out>:
//         ; cell[2]:1: @x = count()
//      4: r1 = *(u64 *)(r10 - 8)
//      5: if r1 == 0x0 goto +3 <out>
//
// Never throws: a debug aid must show broken programs too.

import {
  ALU_DIV, ALU_END, ALU_MOD, ALU_MOV, ALU_NEG, ATOMIC_CMPXCHG, ATOMIC_FETCH,
  ATOMIC_LOAD_ACQ, ATOMIC_STORE_REL, ATOMIC_XCHG, CLASS_ALU, CLASS_ALU64, CLASS_JMP, CLASS_JMP32,
  CLASS_LD, CLASS_LDX, CLASS_ST, CLASS_STX, END_TO_BE, JMP_CALL, JMP_EXIT, JMP_JA, JMP_JCOND,
  MODE_ABS, MODE_ATOMIC, MODE_IMM, MODE_IND, MODE_MEM, MODE_MEMSX, OP_LDDW, PSEUDO_BTF_ID,
  PSEUDO_CALL, PSEUDO_FUNC, PSEUDO_KFUNC_CALL, PSEUDO_MAP_FD, PSEUDO_MAP_IDX, PSEUDO_MAP_IDX_VALUE,
  PSEUDO_MAP_VALUE, SIZE_DW, SRC_X, opClass, opMode, opOp, opSize, opSrc,
} from "./opcodes.ts";
import { sizeBytes, slots, type Instruction } from "./instruction.ts";
import { helperName } from "./helpers.ts";
import { targetField } from "./marshal.ts";

const ALU_SYMBOLS: Readonly<Record<number, string>> = {
  0x00: "+=", 0x10: "-=", 0x20: "*=", 0x30: "/=", 0x40: "|=", 0x50: "&=", 0x60: "<<=",
  0x70: ">>=", 0x90: "%=", 0xa0: "^=", 0xb0: "=", 0xc0: "s>>=",
};

const JMP_SYMBOLS: Readonly<Record<number, string>> = {
  0x10: "==", 0x20: ">", 0x30: ">=", 0x40: "&", 0x50: "!=", 0x60: "s>", 0x70: "s>=",
  0xa0: "<", 0xb0: "<=", 0xc0: "s<", 0xd0: "s<=",
};

const ATOMIC_NAMES: Readonly<Record<number, { readonly sym: string; readonly fn: string }>> = {
  0x00: { sym: "+=", fn: "fetch_add" },
  0x40: { sym: "|=", fn: "fetch_or" },
  0x50: { sym: "&=", fn: "fetch_and" },
  0xa0: { sym: "^=", fn: "fetch_xor" },
};

/** Where jumps land: label -> slot, and this instruction's slot. */
export interface DisasmContext {
  readonly pc: number;
  readonly labels: ReadonlyMap<string, number>;
}

/**
 * Text like bpftool/llvm-objdump: one line per instruction prefixed with its slot index;
 * labels as `<name>:` lines and comments as `; ...` lines before the instruction.
 */
export function disassemble(insns: readonly Instruction[]): string {
  const labels = new Map<string, number>();
  const pcs: number[] = [];
  let pc = 0;
  for (const i of insns) {
    pcs.push(pc);
    if (i.label !== undefined && !labels.has(i.label)) labels.set(i.label, pc);
    pc += slots(i);
  }
  const width = Math.max(4, String(Math.max(pc - 1, 0)).length);
  const lines: string[] = [];
  insns.forEach((i, n) => {
    const at = pcs[n] ?? 0;
    if (i.label !== undefined) lines.push(`<${i.label}>:`);
    if (i.comment !== undefined) {
      for (const c of i.comment.split("\n")) lines.push(`${" ".repeat(width + 2)}; ${c}`);
    }
    lines.push(`${String(at).padStart(width)}: ${formatInstruction(i, { pc: at, labels })}`);
  });
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}

/** One instruction as text, without slot index, label or comment. */
export function formatInstruction(i: Instruction, ctx: DisasmContext = { pc: 0, labels: new Map() }): string {
  switch (opClass(i.opcode)) {
    case CLASS_ALU: return formatAlu(i, false);
    case CLASS_ALU64: return formatAlu(i, true);
    case CLASS_JMP: return formatJmp(i, false, ctx);
    case CLASS_JMP32: return formatJmp(i, true, ctx);
    case CLASS_LD: return formatLd(i, ctx);
    case CLASS_LDX: return formatLdx(i);
    case CLASS_ST: return opMode(i.opcode) === MODE_MEM ? `${mem(i.opcode, i.dst, i.off)} = ${s32(i.imm)}` : invalid(i);
    default: return formatStx(i);
  }
}

function formatAlu(i: Instruction, is64: boolean): string {
  const r = is64 ? "r" : "w";
  const d = `${r}${i.dst}`;
  const op = opOp(i.opcode);
  if (op === ALU_NEG) return `${d} = -${d}`;
  if (op === ALU_END) {
    const bits = s32(i.imm);
    if (is64) return opSrc(i.opcode) === 0 ? `r${i.dst} = bswap${bits} r${i.dst}` : invalid(i);
    return `r${i.dst} = ${opSrc(i.opcode) === END_TO_BE ? "be" : "le"}${bits} r${i.dst}`;
  }
  let sym = ALU_SYMBOLS[op];
  if (sym === undefined) return invalid(i);
  const x = opSrc(i.opcode) === SRC_X;
  if (i.off !== 0) {
    // cpu v4 reuses off: 1 selects signed div/mod, 8/16/32 a sign-extending mov.
    if ((op === ALU_DIV || op === ALU_MOD) && i.off === 1) sym = `s${sym}`;
    else if (op === ALU_MOV && x && (i.off === 8 || i.off === 16 || (is64 && i.off === 32))) {
      return `${d} = (s${i.off})${r}${i.src}`;
    } else return invalid(i);
  }
  return `${d} ${sym} ${x ? `${r}${i.src}` : s32(i.imm)}`;
}

function formatJmp(i: Instruction, is32: boolean, ctx: DisasmContext): string {
  const op = opOp(i.opcode);
  if (op === JMP_EXIT) return is32 ? invalid(i) : "exit";
  if (op === JMP_CALL) {
    if (is32) return invalid(i);
    if (i.src === PSEUDO_CALL) return `call ${where(i, ctx, Number(i.imm))}`;
    if (i.src === PSEUDO_KFUNC_CALL) return `call kfunc#${s32(i.imm)}${i.off !== 0 ? ` (btf fd_array[${i.off}])` : ""}`;
    const name = helperName(Number(i.imm));
    return `call ${s32(i.imm)}${name !== undefined ? ` ; bpf_${name}` : ""}`;
  }
  if (op === JMP_JA) return is32 ? `gotol ${where(i, ctx, Number(i.imm))}` : `goto ${where(i, ctx, i.off)}`;
  if (op === JMP_JCOND) return is32 ? invalid(i) : `may_goto ${where(i, ctx, i.off)}`;
  const sym = JMP_SYMBOLS[op];
  if (sym === undefined) return invalid(i);
  const r = is32 ? "w" : "r";
  const rhs = opSrc(i.opcode) === SRC_X ? `${r}${i.src}` : hex(i.imm);
  return `if ${r}${i.dst} ${sym} ${rhs} goto ${where(i, ctx, i.off)}`;
}

function formatLd(i: Instruction, ctx: DisasmContext): string {
  const mode = opMode(i.opcode);
  const size = sizeName(i.opcode, "u");
  if (mode === MODE_ABS && opSize(i.opcode) !== SIZE_DW) return `r0 = *(${size} *)skb[${s32(i.imm)}]`;
  if (mode === MODE_IND && opSize(i.opcode) !== SIZE_DW) return `r0 = *(${size} *)skb[r${i.src} ${disp(Number(i.imm))}]`;
  if (i.opcode !== OP_LDDW || mode !== MODE_IMM) return invalid(i);
  const d = `r${i.dst}`;
  const u = BigInt.asUintN(64, i.imm);
  const lo = Number(u & 0xffffffffn);
  const hi = Number(u >> 32n);
  const map = (kind: string) => (i.mapRef !== undefined ? `${kind}[${i.mapRef}]` : `${kind}[fd:${lo}]`);
  switch (i.src) {
    case 0: return `${d} = 0x${u.toString(16)} ll`;
    case PSEUDO_MAP_FD: return `${d} = ${map("map")} ll`;
    case PSEUDO_MAP_VALUE: return `${d} = ${map("map_value")} + ${hi} ll`;
    case PSEUDO_BTF_ID: return `${d} = btf_id[${lo}] ll`;
    case PSEUDO_FUNC: return `${d} = subprog ${where(i, ctx, Number(i.imm))} ll`;
    case PSEUDO_MAP_IDX: return `${d} = map_idx[${lo}] ll`;
    case PSEUDO_MAP_IDX_VALUE: return `${d} = map_idx_value[${lo}] + ${hi} ll`;
    default: return invalid(i);
  }
}

function formatLdx(i: Instruction): string {
  const mode = opMode(i.opcode);
  if (mode === MODE_MEM) return `r${i.dst} = ${mem(i.opcode, i.src, i.off)}`;
  if (mode === MODE_MEMSX && opSize(i.opcode) !== SIZE_DW) return `r${i.dst} = ${mem(i.opcode, i.src, i.off, "s")}`;
  return invalid(i);
}

function formatStx(i: Instruction): string {
  const mode = opMode(i.opcode);
  if (mode === MODE_MEM) return `${mem(i.opcode, i.dst, i.off)} = r${i.src}`;
  if (mode !== MODE_ATOMIC) return invalid(i);
  const bytes = sizeBytes(opSize(i.opcode));
  const r = bytes === 8 ? "r" : "w";
  const imm = Number(i.imm);
  // load-acquire is the one atomic that reads through src into dst.
  if (imm === ATOMIC_LOAD_ACQ) return `${r}${i.dst} = load_acquire((${sizeName(i.opcode, "u")} *)(r${i.src} ${disp(i.off)}))`;
  const ptr = `(${sizeName(i.opcode, "u")} *)(r${i.dst} ${disp(i.off)})`;
  if (imm === ATOMIC_STORE_REL) return `store_release(${ptr}, ${r}${i.src})`;
  if (bytes !== 4 && bytes !== 8) return invalid(i);
  const fn = bytes === 8 ? "atomic64" : "atomic";
  if (imm === ATOMIC_XCHG) return `${r}${i.src} = ${fn}_xchg(${ptr}, ${r}${i.src})`;
  if (imm === ATOMIC_CMPXCHG) return `${r}0 = ${fn}_cmpxchg(${ptr}, ${r}0, ${r}${i.src})`;
  const op = ATOMIC_NAMES[imm & ~ATOMIC_FETCH];
  if (op === undefined) return invalid(i);
  if (imm & ATOMIC_FETCH) return `${r}${i.src} = ${fn}_${op.fn}(${ptr}, ${r}${i.src})`;
  return `lock *${ptr} ${op.sym} ${r}${i.src}`;
}

/** `+3 <out>`: the encoded (or, for unresolved labels, computed) offset and the label. */
function where(i: Instruction, ctx: DisasmContext, encoded: number): string {
  if (i.target === undefined || targetField(i) === undefined) return rel(encoded);
  const to = ctx.labels.get(i.target);
  if (to === undefined) return `?? <${i.target}>`;
  return `${rel(to - (ctx.pc + 1))} <${i.target}>`;
}

function mem(opcode: number, base: number, off: number, sign: "u" | "s" = "u"): string {
  return `*(${sizeName(opcode, sign)} *)(r${base} ${disp(off)})`;
}

function sizeName(opcode: number, sign: "u" | "s"): string {
  return `${sign}${sizeBytes(opSize(opcode)) * 8}`;
}

/** A jump offset: `+3`, `-2`. */
const rel = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
/** A displacement in a memory operand: `+ 8`, `- 8`. */
const disp = (n: number): string => (n < 0 ? `- ${-n}` : `+ ${n}`);
const s32 = (v: bigint): string => String(BigInt.asIntN(32, v));
const hex = (v: bigint): string => {
  const n = BigInt.asIntN(32, v);
  return n < 0n ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
};

function invalid(i: Instruction): string {
  const code = i.opcode.toString(16).padStart(2, "0");
  return `<invalid opcode 0x${code} dst=r${i.dst} src=${i.src} off=${i.off} imm=${i.imm}>`;
}
