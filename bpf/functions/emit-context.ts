// What a function's emit hook (a row of bpf/functions/) may use of the code generator:
// emit instructions, allocate stack, evaluate its arguments (into r0, or onto the stack),
// reach the user maps, add callbacks, and read the compile's shared state. The generator
// (bpf/codegen/generator.ts) implements it; a row never sees the generator itself, and
// nothing in bpf/functions/ imports bpf/codegen.
//
// Register discipline (the generator's): a number is returned in r0; strings, tuples and
// buffers live in stack slots (r10 + offset, from `frame.alloc` or `value`); helper calls
// clobber r0-r5; r6 holds the probe's context for the whole program.
import type { Emitter, Instruction, Reg } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import type { Type } from "../types/types.ts";
import type { MapInfo } from "../types/map-info.ts";
import type { Span } from "../types/span.ts";
import type { ConcreteProbe, ProbeEnv } from "../probes/index.ts";
import type { Action } from "./actions.ts";

export interface EmitContext {
  /** Where code goes; a for-map loop's body has a stream of its own. */
  readonly e: Emitter;
  readonly frame: StackFrame;
  /** The probe this program is generated for. */
  readonly probe: ConcreteProbe;
  readonly shared: SharedState;
  /** Where the program returns (exit() jumps here). */
  readonly exitLabel: string;
  /** The checked type of an expression. */
  type(x: A.Expr): Type;
  /** An expression's value in r0. */
  scalar(x: A.Expr): void;
  /** An expression stored on the stack: its offset from r10. */
  value(x: A.Expr): number;
  /** Write the value of `x` at r10+off, laid out as `t`. */
  storeInto(x: A.Expr, off: number, t: Type): void;
  /** Jump to `falseL` when `x` is false; fall through when true. */
  cond(x: A.Expr, falseL: string): void;
  loadConst(v: bigint): void;
  /** dst = *(t *)(src + off), sign- or zero-extended to 64 bits. */
  loadScalar(dst: Reg, src: Reg, off: number, t: Type): void;
  /** A label may be the last thing before more labels: give it an instruction to sit on. */
  placeNop(): void;
  /** r0 = `fallThrough` on the path that reaches here, `jumped` on the paths that jump to `label`. */
  flag(fallThrough: 0 | 1, label: string, jumped: 0 | 1): void;
  /** A user map of this compile, or a CodegenError at `span`. */
  mapInfo(name: string, span: Span): MapInfo;
  /** The kernel key of `@m[keys]` in a fresh stack slot (and its hist bucket's offset). */
  mapKey(x: A.MapExpr, info: MapInfo): { off: number; bucketOff: number | undefined };
  /** The kernel key of `info` from one expression (`delete(@m, k)`, `has_key(@m, k)`). */
  mapKeyOf(info: MapInfo, k: A.Expr): number;
  /** r0 = bpf_map_lookup_elem(@name, r10+keyOff): a pointer to the value or 0. */
  mapLookup(name: string, keyOff: number): void;
  /** Callbacks (for-map loops, len()), appended after the main function. */
  readonly subprogs: CallbackCode[];
}

/** The probe's stack frame: slots are offsets from r10, released after each statement. */
export interface StackFrame {
  /** Reserve `size` bytes aligned to `align`; "stack" keeps a slot on the real BPF stack (pointers spilled there). */
  alloc(size: number, align?: number, where?: "auto" | "stack"): number;
}

/** The parameters of a bpf_for_each_map_elem callback (each a `void *`). */
export const MAP_CALLBACK_PARAMS = ["map", "key", "value", "ctx"] as const;

/** A callback subprogram, finished: its instructions start with its label. */
export interface CallbackCode {
  readonly name: string;
  readonly label: string;
  /** Parameter names; every one is a `void *` (for_each_map_elem: map, key, value, ctx). */
  readonly params: readonly string[];
  readonly insns: readonly Instruction[];
}

/** What all programs of one compile share. */
export interface SharedState {
  readonly maps: ReadonlyMap<string, MapInfo>;
  readonly actions: Action[];
  readonly positional: readonly string[];
  /** Possible CPUs: per-CPU map reads in the kernel sum this many copies. */
  readonly cpus: number;
  /** -k: warn at run time when a helper fails (bpftrace's helper error checks: map lookups that find nothing). */
  readonly helperChecks?: boolean;
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
  /** Depths of ustack(build_id[, n]): one stack map of struct bpf_stack_build_id each. */
  readonly buildIdStackDepths: Set<number>;
  /** -p PID: probes that cannot be scoped when attached return early for other processes. */
  readonly pid?: number | undefined;
  /** A notebook kernel's own pid, left out of the probes it would feed back into (bpf/codegen/pid-scope.ts). */
  readonly self?: number | undefined;
  /** %cgroup: the cgroup v2 id the probes are scoped to (bpf/codegen/cgroup-scope.ts). */
  readonly cgroup?: bigint | undefined;
  /** CLOCK_TAI - CLOCK_BOOTTIME when compiling, for nsecs(sw_tai). */
  readonly taiOffsetNs?: bigint | undefined;
  /** BPFTRACE_DUMMY_TS_MAP: tseries() takes its time from this scalar map instead of the clock. */
  readonly dummyTsMap?: string | undefined;
}
