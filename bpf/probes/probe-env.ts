// The facts about this machine that probe expansion needs, as a small interface so that
// compile stays pure (STYLE.md §1): the live implementation reads tracefs, BTF and ELF
// files; tests hand in recorded ones.
import type { UsdtArgSpec } from "./provider.ts";
import type { Btf } from "../btf/btf.ts";

export interface TracepointField {
  readonly name: string;
  readonly cType: string; // as written in the format file: "const char *", "int", "char[16]"
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  readonly isArray?: boolean;
  readonly arrayLen?: number;
  readonly isDataLoc?: boolean; // __data_loc
}

export interface TracepointFormat {
  readonly id: number;
  readonly fields: readonly TracepointField[];
}

export interface UsdtProbeInfo {
  readonly provider: string;
  readonly name: string;
  /** File offset of the probe's pc, for the uprobe. */
  readonly offset: number;
  /** File offset of the semaphore, if the probe has one. */
  readonly semaphoreOffset?: number;
  readonly args: readonly UsdtArgSpec[];
}

/**
 * A file a uprobe or USDT probe can go into. `name` is how bpftrace spells it in probe names
 * and `-l` lines: the path as written (`./bin/app`), a wildcard's match as glob(3) gives it,
 * a bare name's hit in $PATH, a mapped file of a process (`/proc/PID/root/...` when the
 * process sees another mount namespace); `path` is where it is (absolute), for reading and
 * attaching.
 */
export interface BinaryTarget {
  readonly name: string;
  readonly path: string;
}

/** A symbol of a user-space ELF file: its address (vaddr), size and file offset. */
export interface UserSymbol {
  readonly name: string;
  readonly address: bigint;
  readonly size: number;
  readonly offset: number;
}

export interface KernelFeatures {
  /** The kprobe PMU (/sys/bus/event_source/devices/kprobe) exists. */
  readonly kprobes: boolean;
  /** fentry/fexit programs load (BPF trampolines allowed). */
  readonly trampolines: boolean;
  /** A hardware PMU (cpu cycles) can be opened. */
  readonly hardwarePmu: boolean;
}

export interface ProbeEnv {
  /** "category:event" for every tracepoint in tracefs. */
  listTracepoints(): readonly string[];
  tracepointFormat(category: string, event: string): TracepointFormat | undefined;
  /** Why there are no tracepoints to list: tracefs unreadable or not mounted (undefined: it is fine). */
  tracefsProblem?(): { readonly message: string; readonly hints: readonly string[] } | undefined;
  /** Names of raw tracepoints / tp_btf targets (from BTF `btf_trace_<name>` typedefs). */
  listRawTracepoints(): readonly string[];
  /** BTF type id of a typedef or function in vmlinux. */
  btfId(name: string, kind: "typedef" | "func"): number | undefined;
  /** vmlinux BTF, for kernel struct fields, casts, enum constants and offsetof. */
  btf?(): Btf | undefined;
  /** Kernel functions (from BTF FUNC entries), for kprobe/fentry wildcards and hints. */
  listKernelFunctions(): readonly string[];
  /** File offset of an ELF symbol (function) in `path`, for uprobes; resolves PATH like bpftrace (bare names via $PATH). */
  elfSymbolOffset(path: string, symbol: string): number | undefined;
  elfFunctions(path: string): readonly string[];
  usdtProbes(path: string): readonly UsdtProbeInfo[];
  resolveBinary(path: string): string | undefined;
  /**
   * The executables and shared objects a uprobe/usdt target names, as bpftrace's
   * resolve_binary_path finds them: the path itself, or a bare name in $PATH (then the
   * library directories); a target with wildcards expands like glob(3). Absent: resolveBinary's one file.
   */
  resolveBinaries?(target: string): readonly BinaryTarget[];
  /** The ELF files process `pid` maps, its executable first (`uprobe:*` with -p); undefined: no such process. */
  processBinaries?(pid: number): readonly BinaryTarget[] | undefined;
  /** The ELF files every running process maps (`uprobe:*`, `usdt:*` without -p). */
  runningBinaries?(): readonly BinaryTarget[];
  /** A function of `path` by name, or the function or object whose range holds an address (vaddr). */
  userSymbol?(path: string, at: string | bigint): UserSymbol | undefined;
  features(): KernelFeatures;
  possibleCpus(): number;
  /** Address of a kernel symbol (/proc/kallsyms), for kaddr(); absent: not known here. */
  kernelSymbolAddress?(name: string): bigint | undefined;
  /** cgroup v2 id of a cgroupfs path (the directory's inode), for cgroupid(). */
  cgroupId?(path: string): bigint | undefined;
  /** Virtual address and size of any ELF symbol (functions and data), for uaddr(). */
  elfSymbol?(path: string, name: string): { readonly address: bigint; readonly size: number } | undefined;
  /** The virtual address of a file offset of `path` and whether the file is ET_DYN (loaded at a base chosen at run time), for uaddr(). */
  elfVaddr?(path: string, fileOffset: number): { readonly vaddr: bigint; readonly dyn: boolean } | undefined;
  /**
   * A C header for `#include`: `<name>` from the system include path, `"name"` first next
   * to `from` (the including file; undefined: the working directory). Absent: not found.
   */
  readHeader?(name: string, quoted: boolean, from?: string): { readonly path: string; readonly text: string } | undefined;
}
