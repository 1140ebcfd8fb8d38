// Symbols for stacks, ksym() and usym(): kernel addresses through /proc/kallsyms, user
// addresses through the process's /proc/PID/maps and the ELF symbols of its files (one
// UserSymbolizer per pid, the parsed ELF files shared), and the boot-time offset that
// turns strftime() timestamps into wall-clock time.
//
// A process's maps are read the first time one of its pids is seen (`prime`, called while
// the program runs) and kept: frames of a process that has exited since still resolve.
import { readFileSync } from "node:fs";
import { Clock, clockNs } from "../../native/index.ts";
import { loadKallsyms, UserSymbolizer, type ElfCache, type Kallsyms, type UserFrame } from "../symbols/index.ts";
import type { SourceLine } from "../elf/dwarf-line.ts";
import type { StackOptions, Symbolizer } from "../functions/decode.ts";
import { cgroupPath } from "./cgroup-path.ts";
import { userName } from "./user-name.ts";

let kallsyms: Kallsyms | undefined | null = null;

function kernelSymbols(): Kallsyms | undefined {
  if (kallsyms === null) {
    try {
      kallsyms = loadKallsyms();
    } catch {
      kallsyms = undefined;
    }
  }
  return kallsyms;
}

const hex = (a: bigint) => a.toString(16);

function readHostFile(path: string): Uint8Array | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * CLOCK_REALTIME - CLOCK_BOOTTIME, from the pair read closest together of five (as
 * bpftrace's get_delta_with_boottime does), so a timestamp converts within microseconds.
 */
export function realtimeAtBoot(): bigint {
  let best: { delta: bigint; value: bigint } | undefined;
  for (let i = 0; i < 5; i++) {
    const before = clockNs(Clock.REALTIME);
    const boot = clockNs(Clock.BOOTTIME);
    const after = clockNs(Clock.REALTIME);
    const delta = after - before;
    if (!best || delta < best.delta) best = { delta, value: (before + after) / 2n - boot };
  }
  return best!.value;
}

/** A session's symbolizer, with its per-pid caches. */
export class ProcessSymbolizer implements Symbolizer {
  readonly #procs = new Map<number, UserSymbolizer | null>();
  readonly #files: ElfCache = new Map();
  readonly #refreshed = new Map<number, number>();
  readonly #executables: string[] = [];
  #boot: { at: number; value: bigint } | undefined;

  constructor(
    private readonly rawStack: (id: bigint, depth?: number) => bigint[],
    readonly buildIdStack?: (id: bigint, depth: number) => Uint8Array | undefined,
  ) {}

  /** Read (once) the memory map of `pid`, while it still runs. */
  prime(pid: number): void {
    if (this.#procs.has(pid)) return;
    let s: UserSymbolizer | null = null;
    try {
      s = UserSymbolizer.forPid(pid, this.#files);
    } catch {
      s = null; // gone already (or a kernel thread): its frames stay addresses
    }
    this.#procs.set(pid, s);
  }

  /** Drop the per-process maps (no map refers to their stacks any more). */
  forgetProcesses(): void {
    this.#procs.clear();
    this.#refreshed.clear();
  }

  /** "name+off" of a kernel address, or its hex. */
  kernelFrame(addr: bigint): { text: string; known: boolean } {
    const hit = kernelSymbols()?.lookup(addr);
    return hit ? { text: `${hit.symbol.name}+${hit.offset}`, known: true } : { text: `0x${hex(addr)}`, known: false };
  }

  /** The address in process `pid`; a live process re-reads its maps (at most once a second) for an unmapped address (dlopen). */
  resolveUser(addr: bigint, pid: number, debugInfo = false): UserFrame | undefined {
    this.prime(pid);
    const f = this.#procs.get(pid)?.resolve(addr, debugInfo);
    if (f && f.path !== "") return f;
    const now = Date.now();
    if (now - (this.#refreshed.get(pid) ?? 0) < 1000) return f ?? this.inProbedExecutables(addr, debugInfo);
    this.#refreshed.set(pid, now);
    try {
      const fresh = UserSymbolizer.forPid(pid, this.#files);
      this.#procs.set(pid, fresh);
      return fresh.resolve(addr, debugInfo);
    } catch {
      // exited: keep the maps read while it ran, or, never having read them, look in the executables probed
      return f ?? this.inProbedExecutables(addr, debugInfo);
    }
  }

  /** The files the running programs' uprobes are in: frames of a process gone before its maps were read resolve there. */
  probedFiles(paths: readonly string[]): void {
    for (const p of paths) if (!this.#executables.includes(p)) this.#executables.push(p);
  }

  private inProbedExecutables(addr: bigint, debugInfo: boolean) {
    return UserSymbolizer.inExecutables(addr, this.#executables, readHostFile, this.#files, debugInfo);
  }

  /**
   * The lines of a user address in `pid` as bpftrace prints them: "name+off@file:line"
   * (the line when the file has DWARF and `debugInfo`), after a "[inlined] name@file:line"
   * for each function inlined there, innermost first; "addr name+off (module)" in perf
   * mode, after "addr name (inlined)" lines, never with source lines.
   */
  userFrame(addr: bigint, pid: number | undefined, perf: boolean, debugInfo: boolean): string[] {
    const f = pid === undefined ? undefined : this.resolveUser(addr, pid, debugInfo);
    if (!f || f.symbol === undefined) return [perf ? `${hex(addr)} 0x${hex(addr)} ([unknown])` : `0x${hex(addr)}`];
    const name = `${f.symbol}+${f.offset ?? 0}`;
    if (perf) return [...(f.inlined ?? []).map((i) => `${hex(addr)} ${i.name} (inlined)`), `${hex(addr)} ${name} (${f.path})`];
    const at = (s: SourceLine | undefined) => (s ? `@${s.file}:${s.line}` : "");
    return [...(f.inlined ?? []).map((i) => `[inlined] ${i.name}${at(i.source)}`), `${name}${at(f.source)}`];
  }

  symbol(addr: bigint, user: boolean, pid?: number): string {
    if (!user) {
      const hit = kernelSymbols()?.lookup(addr);
      return hit ? hit.symbol.name : `0x${hex(addr)}`;
    }
    if (pid === undefined) return `0x${hex(addr)}`;
    return this.resolveUser(addr, pid)?.symbol ?? `0x${hex(addr)}`;
  }

  stack(id: bigint, user: boolean, opts: StackOptions = {}): string[] {
    const { pid, mode = "bpftrace", debugInfo = true } = opts;
    return this.rawStack(id, opts.depth).flatMap((addr) => {
      if (mode === "raw") return [hex(addr)];
      if (!user) {
        const k = this.kernelFrame(addr).text;
        return [mode === "perf" ? `${hex(addr)} ${k}` : k];
      }
      return this.userFrame(addr, pid, mode === "perf", debugInfo);
    });
  }

  cgroupPath(id: bigint, filter?: string): string {
    return cgroupPath(id, filter);
  }

  userName(uid: number): string | undefined {
    return userName(uid);
  }

  realtimeAtBoot(): bigint {
    // Re-measured at most once a second: the realtime clock may be stepped (NTP, settime).
    const now = Date.now();
    if (!this.#boot || now - this.#boot.at > 1000) this.#boot = { at: now, value: realtimeAtBoot() };
    return this.#boot.value;
  }
}

/** The symbolizer of a session (bpf/session.ts): only its stack map reader is needed. */
export function makeSymbolizer(session: { rawStack(id: bigint, depth?: number): bigint[]; buildIdStack?(id: bigint, depth: number): Uint8Array | undefined }): Symbolizer {
  return new ProcessSymbolizer(
    (id, depth) => session.rawStack(id, depth),
    (id, depth) => session.buildIdStack?.(id, depth),
  );
}
