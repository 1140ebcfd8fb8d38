// What the function emitters (bpf/functions/) and codegen's helpers (map-ops, for-map,
// record-copy, name-tables, ...) may use of the generator: emit instructions, allocate
// stack, evaluate an argument into a register or onto the stack, map references and the
// compile's shared state. ProbeGenerator (generator.ts) implements it; no helper imports
// the generator back.
import type { Instruction, Reg } from "../asm/index.ts";
import type { Subprog } from "./func-info.ts";
import type * as A from "../lang/ast.ts";
import type { CheckedProbe } from "../check/checker.ts";
import type { Type } from "../types/types.ts";
import type { Emitter } from "./emitter.ts";
import type { Frame } from "./frame.ts";
import type { MapInfo } from "../check/map-registry.ts";
import type { ProbeEnv } from "../probes/index.ts";
import type { Action } from "./spec.ts";

export interface EmitContext {
  /** Where code goes; a for-map loop swaps in its callback's stream. */
  e: Emitter;
  readonly frame: Frame;
  readonly vars: Map<string, { off: number; type: Type }>;
  loops: Loop[];
  exitLabel: string;
  readonly cp: CheckedProbe;
  readonly shared: SharedState;
  /** The checked type of an expression. */
  type(x: A.Expr): Type;
  block(b: A.Block): void;
  cond(x: A.Expr, falseL: string): void;
  discard(x: A.Expr): void;
  /** An expression's value in r0. */
  scalar(x: A.Expr): void;
  /** An expression stored on the stack: its offset from r10. */
  value(x: A.Expr): number;
  storeInto(x: A.Expr, off: number, t: Type): void;
  recordAddress(x: A.Expr): boolean;
  loadConst(v: bigint): void;
  loadScalar(dst: Reg, src: Reg, off: number, t: Type): void;
  /** r to the width and signedness of t. */
  truncate(r: Reg, t: Type): void;
  /** r0 = *(t *)(r + off), read through bpf_probe_read_user or _kernel. */
  readPointer(r: Reg, off: number, t: Type, user: boolean): void;
  placeNop(): void;
  flag(fallThrough: 0 | 1, label: string, jumped: 0 | 1): void;
  stackId(user: boolean, t?: Type): void;
  log2Bucket(): void;
  /** Callbacks (for-map loops, len()), appended after the main function. */
  readonly subprogs: CallbackCode[];
}

/** A callback subprogram, finished: its instructions start with its label. */
export interface CallbackCode extends Subprog {
  readonly insns: readonly Instruction[];
}


/** What all programs of one compile share. */
export interface SharedState {
  readonly maps: ReadonlyMap<string, MapInfo>;
  readonly actions: Action[];
  readonly positional: readonly string[];
  /** Possible CPUs: per-CPU map reads in the kernel sum this many copies. */
  readonly cpus: number;
  /** ktime at the start of the run, for `elapsed` (patched in as a constant). */
  readonly startNs: bigint;
  /** The pid of `-c CMD`'s child (bpftrace's cpid), 0 without one. */
  readonly cpid: number;
  readonly source: string;
  readonly origin: string;
  /** The machine's facts: kaddr() and cgroupid() resolve through them. */
  readonly env?: ProbeEnv;
  needStacks: boolean;
  /** Depths of kstack(n)/ustack(n) other than the default: one stack map each. */
  readonly stackDepths: Set<number>;
  /** -p PID: probes that cannot be scoped when attached return early for other processes. */
  readonly pid?: number | undefined;
  /** A notebook kernel's own pid, left out of the probes it would feed back into (pid-scope.ts). */
  readonly self?: number | undefined;
  /** %cgroup: the cgroup v2 id the probes are scoped to (bpf/codegen/cgroup-scope.ts). */
  readonly cgroup?: bigint | undefined;
  /** CLOCK_TAI - CLOCK_BOOTTIME when compiling, for nsecs(sw_tai). */
  readonly taiOffsetNs?: bigint | undefined;
}

export interface Loop {
  readonly brk: string;
  readonly cont: string;
}

