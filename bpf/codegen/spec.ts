// What compile produces: a ProgramSpec (STYLE.md §1) — deterministic, built without
// privileges. Loading it into the kernel is the runtime's job (bpf/runtime/).
import type { Instruction } from "../asm/index.ts";
import type { MapInfo } from "../check/map-registry.ts";
import type { FormatSpec } from "../check/printf-format.ts";
import type { Type } from "../types/types.ts";
import type { ConcreteProbe } from "../probes/index.ts";
import type { Diagnostic } from "../types/diagnostic.ts";
import type { Settings } from "../lang/settings.ts";

/** A kernel map the programs reference by name (ldMapFd). */
export interface MapSpec {
  readonly name: string; // "@calls", or an internal name starting with "__"
  readonly type: number; // BPF_MAP_TYPE_*
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** The user map this kernel map holds; undefined for internal maps. */
  readonly info?: MapInfo;
  /** Values written once the map is created (entry i at key i): constant tables. */
  readonly init?: readonly Uint8Array[];
}

export interface ProgSpec {
  readonly probe: ConcreteProbe;
  readonly insns: readonly Instruction[];
  /** Bytes of stack the program uses (≤ 512). */
  readonly stackSize: number;
  /** Bytes of the per-CPU scratch area (SCRATCH_MAP) it uses beyond the stack; 0 for none. */
  readonly scratchSize?: number;
  /** Type information for a program with subprograms (callbacks); undefined for one function. */
  readonly btf?: ProgBtf;
}

/**
 * What BPF_PROG_LOAD needs besides the instructions once a program has subprograms: a BTF
 * blob with one FUNC per function (the runtime loads it with BPF_BTF_LOAD and passes the
 * fd as prog_btf_fd) and one struct bpf_func_info per function, in instruction order.
 */
export interface ProgBtf {
  readonly blob: Uint8Array;
  readonly funcInfo: readonly FuncInfo[];
}

/** struct bpf_func_info: the function's first instruction (in 8-byte slots) and its FUNC id. */
export interface FuncInfo {
  readonly insnOff: number;
  readonly typeId: number;
}

/** A record in the event ring buffer starts with a u64 action id; these say what follows. */
export type Action =
  | { readonly kind: "printf"; readonly format: string; readonly specs: readonly FormatSpec[]; readonly args: readonly ArgLayout[] }
  | { readonly kind: "exit" } // payload: s64 code
  | { readonly kind: "print"; readonly map: string; readonly top: number; readonly div: number }
  | { readonly kind: "print_value"; readonly arg: ArgLayout }
  | { readonly kind: "clear"; readonly map: string }
  | { readonly kind: "zero"; readonly map: string }
  | { readonly kind: "time"; readonly format: string }
  /** payload: `count` NUL-padded strings of `size` bytes; an empty one ends the list. */
  | { readonly kind: "join"; readonly separator: string; readonly count: number; readonly size: number }
  | { readonly kind: "cat"; readonly format: string; readonly specs: readonly FormatSpec[]; readonly args: readonly ArgLayout[] }
  | { readonly kind: "system"; readonly format: string; readonly specs: readonly FormatSpec[]; readonly args: readonly ArgLayout[] }
  /** errorf()/warnf() (and a failed assert()): printf's record, printed with the call's location. */
  | { readonly kind: "errorf" | "warnf"; readonly format: string; readonly specs: readonly FormatSpec[]; readonly args: readonly ArgLayout[]; readonly location: string };

/** Where one argument sits in an event record (offset from the record start). */
export interface ArgLayout {
  readonly type: Type;
  readonly offset: number;
}

export interface ProgramSpec {
  readonly maps: readonly MapSpec[];
  readonly programs: readonly ProgSpec[];
  readonly actions: readonly Action[];
  /** Maps the program writes; printed when it ends. */
  readonly written: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
  /** The program's settings (config block + environment); defaults when absent. */
  readonly settings?: Settings;
  /** -p PID: the run ends when this process does. */
  readonly pid?: number;
  /** The process some probes leave out (CompileOptions.excludePid), when any does. */
  readonly excludedPid?: number;
}

export const EVENTS_MAP = "__events";
/**
 * Counters the programs bump (an array of u64): slot 0 counts events lost because the ring
 * buffer was full, slot 1 + i the updates of the i-th user map (in ProgramSpec.maps
 * order) that failed because the map was full (-E2BIG).
 */
export const DROPS_MAP = "__drops";
export const STACKS_MAP = "__stacks";
/**
 * One u64 that is always 0 and that no program writes: reading it gives a value the
 * verifier cannot know, which for-map loops add to the probe's variables (for-map.ts).
 */
export const ZERO_MAP = "__zero";
/**
 * One per-CPU value holding what does not fit in the BPF stack (bpf/codegen/scratch.ts),
 * as large as the largest need of the programs of one compile.
 */
export const SCRATCH_MAP = "__scratch";
/** One u64 that the run sets when it detaches: attached programs then return at once (stop-flag.ts). */
export const STOP_MAP = "__stop";
export const RINGBUF_SIZE = 1 << 20;
/** Frames kept per stack (bpftrace's default is 127, the kernel's perf_event_max_stack). */
export { STACK_DEPTH } from "../types/types.ts";
import { STACK_DEPTH } from "../types/types.ts";

/**
 * The stack-trace map of kstack(n)/ustack(n): one per depth, as bpftrace has, because the
 * kernel hashes only the frames a map keeps: stacks that differ below frame n share an id.
 */
export function stacksMapName(depth: number = STACK_DEPTH): string {
  return depth === STACK_DEPTH ? STACKS_MAP : `${STACKS_MAP}_${depth}`;
}

/** The depth of a stack-trace map named by stacksMapName, or undefined for other maps. */
export function stacksMapDepth(name: string): number | undefined {
  if (name === STACKS_MAP) return STACK_DEPTH;
  const m = /^__stacks_(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
