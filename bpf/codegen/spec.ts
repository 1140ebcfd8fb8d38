// What compile produces: a ProgramSpec (STYLE.md §1) — deterministic, built without
// privileges. Loading it into the kernel is the runtime's job (bpf/runtime/).
import type { Instruction } from "../asm/index.ts";
import type { MapInfo } from "../types/map-info.ts";
import type { ConcreteProbe } from "../probes/index.ts";
import type { Diagnostic } from "../types/diagnostic.ts";
import type { Action } from "../functions/actions.ts";
import type { Settings } from "../lang/settings.ts";

/** A kernel map the programs reference by name (ldMapFd). */
export interface MapSpec {
  readonly name: string; // "@calls", or an internal name starting with "__"
  readonly type: number; // BPF_MAP_TYPE_*
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** BPF map_flags (BPF_F_STACK_BUILD_ID for ustack(build_id)'s stack maps). */
  readonly flags?: number;
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
