// Argument access: what arg0.., args.FIELD and retval are in a probe kind's programs. The
// checker asks for their types (or why a probe has none); codegen asks for the
// instructions that read them from the context, which r6 holds for the whole program.
// Codegen hands the kind an ArgCode, the few generator operations reading needs, so no
// probe file imports the generator. Kinds share the accessors below or write their own
// (usdt.ts, tracepoint.ts).
import { asm, helpers, type Instruction, type Reg, R0, R1, R2, R3, R6 } from "../asm/index.ts";
import { ArgRegs, PtRegs } from "../types/abi.ts";
import { type RecordField, type Type, s64, u64 } from "../types/types.ts";
import type { ConcreteProbe } from "./provider.ts";

type RecordType = Extract<Type, { k: "record" }>;

/** What argument access may use of the code generator (bpf/codegen/arg-code.ts). */
export interface ArgCode {
  emit(...insns: Instruction[]): void;
  /** r0 = v. */
  loadConst(v: bigint): void;
  /** dst = *(t *)(src + off), sign- or zero-extended to 64 bits. */
  loadScalar(dst: Reg, src: Reg, off: number, t: Type): void;
  /** r to the width and signedness of t. */
  truncate(r: Reg, t: Type): void;
  /** r0 = *(t *)(r + off), read through bpf_probe_read_user or _kernel. */
  readPointer(r: Reg, off: number, t: Type, user: boolean): void;
  /** Zero `size` bytes at r10+off. */
  zero(off: number, size: number): void;
  /** reg = r10 + off. */
  stackAddr(reg: Reg, off: number): void;
  /** Copy `size` bytes from [src+srcOff] to [dst+dstOff] (stack, context). */
  copy(dst: Reg, dstOff: number, src: Reg, srcOff: number, size: number): void;
  /** Give up on the expression being generated. */
  fail(message: string): never;
}

/** arg0..argN of a kind's probes. */
export interface PositionalArgs {
  /** argN's type in probe p, or why it has none. */
  type(p: ConcreteProbe, n: number): Type | string;
  /** r0 = argN, of the type `type` gave. */
  emit(p: ConcreteProbe, n: number, t: Type, code: ArgCode): void;
}

/** retval of a return probe. */
export interface ReturnValue {
  type(p: ConcreteProbe): Type;
  /** r0 = retval. */
  emit(p: ConcreteProbe, t: Type, code: ArgCode): void;
}

/** args.FIELD and `args` whole, in probes that have an args record (ConcreteProbe.args). */
export interface ArgFields {
  /** r0 = the scalar field f of type t. */
  scalar(f: RecordField, t: Type, code: ArgCode): void;
  /** Field f's bytes (a string or array), `size` of them at r10+off; absent: only scalars. */
  bytes?(f: RecordField, off: number, size: number, code: ArgCode): void;
  /** `args` whole at r10+off, laid out as `t` (its value form, bpf/check/record-value.ts). */
  record(p: ConcreteProbe, off: number, t: RecordType, code: ArgCode): void;
}

/** What a kind's programs can read of their arguments; an absent part is not available there. */
export interface ArgAccess {
  readonly positional?: PositionalArgs;
  readonly retval?: ReturnValue;
  readonly fields?: ArgFields;
}

/** Nothing: BEGIN, END, self, iter (iter has `ctx`). */
export const noArgs: ArgAccess = {};

/** arg0..arg5 from the saved registers (struct pt_regs, x86-64's argument registers). */
export const registerArgs: PositionalArgs = {
  type: (_p, n) => (n > 5 ? `arg${n}: only arg0..arg5 are passed in registers` : u64),
  emit(_p, n, _t, code) {
    const reg = ArgRegs[n];
    if (!reg) return code.fail(`arg${n}: only arg0..arg5 are in registers`);
    code.emit(asm.ldx(8, R0, R6, PtRegs[reg]));
  },
};

/** The return value in the saved rax (kretprobe, uretprobe). */
export const registerReturn: ReturnValue = {
  type: (p) => p.retvalType ?? s64,
  emit(_p, _t, code) {
    code.emit(asm.ldx(8, R0, R6, PtRegs.rax));
  },
};

/** arg0..argN: the u64 slots of the context (raw tracepoints, tp_btf, fentry/fexit). */
export const slotArgs: PositionalArgs = {
  type: () => u64,
  emit(_p, n, _t, code) {
    code.emit(asm.ldx(8, R0, R6, n * 8));
  },
};

/** `args.NAME`: each argument is one u64 slot of the context, typed through BTF. */
export const slotFields: ArgFields = {
  scalar(f, t, code) {
    code.emit(asm.ldx(8, R0, R6, f.offset));
    code.truncate(R0, t);
  },
  record: (p, off, t, code) => copyContext(p, off, t, code),
};

/**
 * `args` whole: the fixed part of the record is copied from the context
 * (bpf_probe_read_kernel(ctx)); the rest of the slot stays zero.
 */
export function copyContext(p: ConcreteProbe, off: number, t: RecordType, code: ArgCode): void {
  code.zero(off, t.size);
  const own = p.args;
  const fixed = Math.min(t.size, own?.k === "record" ? own.size : t.size);
  if (fixed > 0) {
    code.stackAddr(R1, off);
    code.emit(asm.movImm(R2, fixed), asm.mov(R3, R6), asm.call(helpers.probe_read_kernel!));
  }
}
