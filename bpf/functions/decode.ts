// What a row's user-space hooks get: the Symbolizer, the machine's facts a value needs to
// be printed (symbols, stacks, user and cgroup names, the boot clock; implemented by
// bpf/runtime/symbolize.ts), and EventContext, what a ring-buffer record may do when it
// arrives (print, exit, touch a map, read a file, run a command; implemented by
// bpf/runtime/run.ts). Also the byte readers the decoders share.
import type { StackMode, Type } from "../types/types.ts";
import type { Value } from "../types/snapshot.ts";
import type { HelperErrorInfo } from "../output/json.ts";

export interface StackOptions {
  readonly pid?: number;
  readonly mode?: StackMode;
  readonly depth?: number;
  /** Source lines of user frames (show_debug_info); on unless false. */
  readonly debugInfo?: boolean;
}

/** A line of a stack that names a function inlined at the next frame's address: "[inlined] f@file:9", "addr f (inlined)". */
export function inlinedFrame(line: string): boolean {
  return line.startsWith("[inlined] ") || line.endsWith(" (inlined)");
}

/** What decoding needs of the machine (symbols are most of it). */
export interface Symbolizer {
  /**
   * Frames of a stack id from the stack map (innermost first), formatted like bpftrace
   * for `mode`: "func+off" (bpftrace), "addr func+off (module)" (perf), "addr" (raw).
   * User stacks come with the pid whose address space they belong to; `depth` names the
   * stack map of kstack(n)/ustack(n) and limits the addresses read. A function inlined at
   * an address prints before it as a line of its own (see inlinedFrame).
   */
  stack(id: bigint, user: boolean, opts?: StackOptions): string[];
  /** The raw value of stack `id` in ustack(build_id)'s map of `depth` frames: struct bpf_stack_build_id each. */
  buildIdStack?(id: bigint, depth: number): Uint8Array | undefined;
  /** The symbol name of an address (ksym, or usym in process `pid`), hex when unknown. */
  symbol(addr: bigint, user: boolean, pid?: number): string;
  /** `username`: the name of a uid (from /etc/passwd), or undefined when it has none. */
  userName?(uid: number): string | undefined;
  /** cgroup_path(): the cgroup's paths in the mounted hierarchies whose name matches `filter`. */
  cgroupPath?(id: bigint, filter?: string): string;
  /** CLOCK_REALTIME - CLOCK_BOOTTIME in ns, to print strftime() timestamps. */
  realtimeAtBoot?(): bigint;
  /** Read process `pid`'s memory map now, while it runs (its stacks print later). */
  prime?(pid: number): void;
  /** The files a program's uprobes attach to (where a gone process's frames are looked up). */
  probedFiles?(paths: readonly string[]): void;
  /** Forget the per-process state (nothing refers to those stacks any more). */
  forgetProcesses?(): void;
}

/**
 * What produced an output line, for bpftrace's `-f json` records: printf, print(value),
 * print(@map) (with its top/div), time(), cat(), join(), system().
 */
export type OutputMeta =
  | { readonly kind: "printf" | "time" | "cat" | "join" | "syscall" }
  | { readonly kind: "value"; readonly value: Value }
  | { readonly kind: "map"; readonly map: string; readonly top: number; readonly div: number };

/** What cat() and system() printed, and an error for stderr (bpftrace's "ERROR: ..."). */
export interface ActionOutput {
  readonly out: string;
  readonly err?: string;
}

/** What a row's event hook may do when its record arrives. */
export interface EventContext {
  /** printf lines and print() output, in order; `meta` says what made them. */
  output(text: string, meta?: OutputMeta): void;
  /** An error line (bpftrace writes them to stderr). */
  errorOutput(text: string): void;
  /** A warning line (stderr); a helper error also gives its fields (JSON prints those). */
  warn(text: string, helperError?: HelperErrorInfo): void;
  /** End the run with this exit code (the first exit() wins). */
  exit(code: number): void;
  /** Text of print(@m, top, div) right now. */
  printMap(name: string, top: number, div: number): string;
  clearMap(name: string): void;
  zeroMap(name: string): void;
  /** Decode a value of type `t` at `off` in `bytes`. */
  decode(t: Type, bytes: Uint8Array, off: number): Value;
  /** cat(): the start of a file. */
  catFile(path: string): ActionOutput;
  /** system(): a shell command's output (compiled only with --unsafe). */
  runSystem(command: string): ActionOutput;
}

let viewBuffer: ArrayBufferLike | undefined;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/**
 * A DataView over the whole buffer under `b`, made once per buffer: a map read-out decodes
 * its entries as views into a few large batch pages, and a DataView per read was most of
 * the time it took.
 */
function viewOf(b: Uint8Array): DataView {
  if (b.buffer !== viewBuffer) {
    viewBuffer = b.buffer;
    view = new DataView(b.buffer);
  }
  return view;
}

/** A little-endian integer of 1, 2, 4 or 8 bytes at `at`. */
export function readInt(b: Uint8Array, at: number, bytes: number, signed: boolean): bigint {
  if (at < 0 || at + bytes > b.byteLength) throw new RangeError(`offset ${at} + ${bytes} is outside the ${b.byteLength}-byte value`);
  const dv = viewOf(b);
  const off = b.byteOffset + at;
  switch (bytes) {
    case 1: return BigInt(signed ? dv.getInt8(off) : dv.getUint8(off));
    case 2: return BigInt(signed ? dv.getInt16(off, true) : dv.getUint16(off, true));
    case 4: return BigInt(signed ? dv.getInt32(off, true) : dv.getUint32(off, true));
    default: return signed ? dv.getBigInt64(off, true) : dv.getBigUint64(off, true);
  }
}

/** The NUL-terminated UTF-8 string in `size` bytes at `off`. */
export function cString(b: Uint8Array, off: number, size: number): string {
  const slice = b.subarray(off, off + size);
  const end = slice.indexOf(0);
  // decoded in place: no copy of the (up to max_strlen) bytes first
  return Buffer.from(slice.buffer, slice.byteOffset, end < 0 ? slice.byteLength : end).toString("utf8");
}
