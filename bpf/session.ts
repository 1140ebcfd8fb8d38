// The long-lived state of a notebook (or of one CLI run): the map registry and the kernel
// maps behind it, the programs running in the background, and the machine's facts.
// Maps outlive the cells that made them: `@us` in cell 7 is the kernel map of cell 3.
import * as native from "../native/index.ts";
import type { OwnedFd } from "../native/index.ts";
import { compile, type CompileResult } from "./codegen/compile.ts";
import type { MapSpec, ProgramSpec } from "./codegen/spec.ts";
import { holdsStacks, mapPidOffsets, pidsIn } from "./maps/user-pids.ts";
import { MapRegistry } from "./check/map-registry.ts";
import { decodeMap, lookupValueSize, type StrCut, strCut } from "./maps/codec.ts";
import type { Symbolizer } from "./functions/decode.ts";
import type { MapSnapshot } from "./types/snapshot.ts";
import { formatMap } from "./output/index.ts";
import type { CompileEnv } from "./probes/env.ts";
import { runToEnd, type RunHooks, type RunProgress, type RunResult, LoadedRun, type MapProvider } from "./runtime/run.ts";
import { renderDiagnostics, type Diagnostic, type DiagnosticStyle } from "./types/diagnostic.ts";
import { stacksMapName } from "./types/internal-maps.ts";
import { STACK_DEPTH } from "./types/types.ts";
import { BUILD_ID_FRAME_SIZE } from "./types/abi.ts";
import { isBucketed } from "./types/map-info.ts";
import type { Settings } from "./lang/settings.ts";
import { CompileFailure, NoProbesError } from "./types/errors.ts";

export { CompileFailure, NoProbesError };

interface KernelMap {
  readonly spec: MapSpec;
  readonly fd: OwnedFd;
}

export interface RunOptions extends Omit<RunHooks, "attached" | "tick"> {
  readonly origin: string;
  /** About once a second while probes are attached: the maps the program writes, now. */
  readonly tick?: (maps: MapSnapshot[], progress: RunProgress) => void;
  readonly positional?: readonly string[];
  /** Named program options for getopt() ("depth=5", "errname"). */
  readonly programOptions?: readonly string[];
  readonly attached?: (count: number, spec: ProgramSpec) => void;
  /** -p PID / %pid: scope the probes to this process; the run ends when it exits. */
  readonly pid?: number;
  /** Leave this process out of the probes that fire for what it does (a notebook kernel's own pid). */
  readonly excludePid?: number;
  /** %cgroup: trace only the tasks of this cgroup v2 (its id, bpf/runtime/cgroup.ts resolves paths). */
  readonly cgroup?: bigint;
  /** bpftrace's --unsafe: allow system(), signal(), override(). */
  readonly unsafe?: boolean;
  /** -k: warn at run time when a map lookup finds nothing. */
  readonly helperChecks?: boolean;
  /** BPFTRACE_* settings from the environment (bpf/lang/settings.ts); they win over `config = {}`. */
  readonly settings?: Partial<Settings>;
  /** The pid of a `-c CMD` child started before the program (bpftrace's cpid). */
  readonly cpid?: number;
  /** The program's file, for `#include "file"`. */
  readonly sourcePath?: string;
  /** --include FILE (clang's -include): headers read before the program's own #includes. */
  readonly includes?: readonly string[];
  /** -I DIR: searched for #include before the system directories. */
  readonly includeDirs?: readonly string[];
  /** The notebook cell running it: a background job of the same cell is replaced. */
  readonly cell?: string;
  /** How compile diagnostics are spelled (the CLI: bpftrace's `ERROR:`/`WARNING:`). */
  readonly diagnosticStyle?: DiagnosticStyle;
  /**
   * bpftrace's --probe-filter: only the probes whose name (as `probe` prints it) the
   * expression finds something in are loaded and attached; BEGIN, END and self:signal are kept.
   */
  readonly probeFilter?: RegExp;
}

/** What compile takes besides the source, from a run's options. */
export type CompileExtras = Pick<RunOptions, "pid" | "excludePid" | "cgroup" | "unsafe" | "helperChecks" | "settings" | "programOptions" | "cpid" | "sourcePath" | "includes" | "includeDirs">;

export interface SessionRunResult extends RunResult {
  /** Every non-empty map the program wrote, as it is at the end. */
  readonly maps: readonly MapSnapshot[];
}

export interface Job {
  readonly id: number;
  /** The notebook cell that started it (re-running the cell replaces the job). */
  readonly cell?: string;
  readonly origin: string;
  readonly source: string;
  readonly run: LoadedRun;
  readonly written: readonly string[];
  readonly started: Date;
}

export class Session implements MapProvider {
  readonly registry = new MapRegistry();
  readonly #maps = new Map<string, KernelMap>();
  readonly jobs = new Map<number, Job>();
  #nextJob = 1;
  /** The stack-trace maps by name (one per kstack(n)/ustack(n) depth). */
  readonly #stacks = new Map<string, OwnedFd>();
  /** Stops the user-stack priming of each background job (see primeWhileRunning). */
  readonly #priming = new Map<number, () => void>();
  /** Runs in progress (not background jobs): their programs may be writing stack ids. */
  #running = 0;
  /** What the last print() of each map printed (takePrinted). */
  readonly #printed = new Map<string, MapSnapshot>();
  readonly cpus: number;
  readonly symbolizer: Symbolizer;
  /** Which strings were cut, by the program started last: maps outlive programs, so it is the session's. */
  #strCut: StrCut | undefined;

  constructor(
    readonly env: CompileEnv,
    symbolizer?: (session: Session) => Symbolizer,
  ) {
    this.cpus = env.possibleCpus();
    this.symbolizer = symbolizer
      ? symbolizer(this)
      : { stack: (id, _user, o) => this.rawStack(id, o?.depth).map((a) => `0x${a.toString(16)}`), symbol: (a) => `0x${a.toString(16)}`, buildIdStack: (id, depth) => this.buildIdStack(id, depth) };
  }

  compile(source: string, origin: string, positional: readonly string[] = [], opts: CompileExtras = {}): CompileResult {
    return compile(source, {
      env: this.env, registry: this.registry, origin, positional, programOptions: opts.programOptions ?? [], startNs: monotonicNs(), taiOffsetNs: native.taiOffsetNs(), unsafe: opts.unsafe, helperChecks: opts.helperChecks, cpid: opts.cpid, sourcePath: opts.sourcePath, includes: opts.includes, includeDirs: opts.includeDirs,
      ...(opts.pid !== undefined && { pid: opts.pid }),
      ...(opts.excludePid !== undefined && { excludePid: opts.excludePid }),
      ...(opts.cgroup !== undefined && { cgroup: opts.cgroup }),
      ...(opts.settings && { settings: opts.settings }),
    });
  }

  /** Compile and run to the end (or, with `background`, until attached). */
  async run(source: string, opts: RunOptions): Promise<SessionRunResult> {
    const res = this.compile(source, opts.origin, opts.positional, opts);
    if (!res.spec) throw new CompileFailure(res.diagnostics, renderDiagnostics(res.diagnostics, source, opts.origin, opts.diagnosticStyle));
    // a program that compiled may still have warnings (bpftrace prints them to stderr)
    if (res.diagnostics.length) opts.warning?.(`${renderDiagnostics(res.diagnostics, source, opts.origin, opts.diagnosticStyle)}\n`);
    const spec = opts.probeFilter ? withProbeFilter(res.spec, opts.probeFilter) : res.spec;
    if (spec.programs.length === 0) throw new NoProbesError();
    this.#strCut = strCut(spec.settings);
    const { tick, diagnosticStyle: _style, probeFilter: _filter, unsafe: _unsafe, helperChecks: _helperChecks, cpid: _cpid, pid: _pid, excludePid: _excludePid, cgroup: _cgroup, settings: _settings, sourcePath: _sourcePath, cell, ...hooks } = opts;
    // re-running a cell replaces the programs it left running in the background
    if (cell !== undefined) for (const job of [...this.jobs.values()]) if (job.cell === cell) this.stopJob(job.id);
    const had = new Set(this.#maps.keys());
    const stopPriming = this.primeWhileRunning(spec);
    this.symbolizer.probedFiles?.(spec.programs.flatMap((p) => (p.probe.attach.kind === "uprobe" ? [p.probe.attach.path] : [])));
    let out: Awaited<ReturnType<typeof runToEnd>>;
    this.#running++;
    try {
      out = await runToEnd(spec, this, {
        ...hooks,
        ...(tick && { tick: (progress: RunProgress) => tick(this.snapshots(spec.written), progress) }),
      });
    } catch (e) {
      stopPriming();
      // A run that failed (verifier, attach) must not leave the maps it created: they are
      // not in the registry, and would block a later cell that uses the name differently.
      for (const name of [...this.#maps.keys()]) if (!had.has(name) && !this.registry.get(name)) this.dropMap(name);
      throw e;
    } finally {
      this.#running--;
    }
    if (out.reason !== "detached") stopPriming();
    else this.#priming.set(this.#nextJob, stopPriming);
    for (const m of spec.maps) if (m.info && !this.registry.get(m.name)) this.registry.set(m.info);
    if (out.reason === "detached") {
      const id = this.#nextJob++;
      this.jobs.set(id, { id, ...(opts.cell !== undefined && { cell: opts.cell }), origin: opts.origin, source, run: out.run, written: spec.written, started: new Date() });
      return { ...out, maps: [] };
    }
    const maps = spec.settings?.printMapsOnExit === false ? [] : this.snapshots(spec.written);
    this.releaseStacks();
    return { ...out, maps };
  }

  /**
   * While a program whose maps hold user stacks (or usym values) runs, read the memory
   * maps of the processes they name every 100 ms: a process that exits before the maps
   * are printed still has its frames symbolised. Returns the function that stops it.
   */
  primeWhileRunning(spec: ProgramSpec): () => void {
    const prime = this.symbolizer.prime?.bind(this.symbolizer);
    const watched = spec.maps.flatMap((m) => {
      const at = m.info ? mapPidOffsets(m.info) : undefined;
      return at ? [{ name: m.name, at }] : [];
    });
    if (!prime || watched.length === 0) return () => {};
    const scan = () => {
      for (const w of watched) {
        const km = this.#maps.get(w.name);
        if (!km?.spec.info) continue;
        const { keys, values } = native.mapEntries(km.fd, km.spec.keySize, lookupValueSize(km.spec.info, this.cpus));
        for (const pid of pidsIn(keys.map((key, i) => ({ key, value: values[i]! })), w.at)) prime(pid);
      }
    };
    const timer = setInterval(scan, 100);
    return () => {
      clearInterval(timer);
      scan();
    };
  }

  /**
   * Empty the stack map when no map refers to a stack any more (and no job runs): stack
   * ids would otherwise pile up for the whole session.
   */
  releaseStacks(): void {
    if (this.#stacks.size === 0 || this.jobs.size > 0 || this.#running > 0) return;
    for (const km of this.#maps.values()) {
      if (km.spec.info && holdsStacks(km.spec.info) && native.mapGetNextKey(km.fd, undefined, km.spec.keySize) !== undefined) return;
    }
    for (const fd of this.#stacks.values()) {
      let key: Uint8Array | undefined;
      const keys: Uint8Array[] = [];
      while ((key = native.mapGetNextKey(fd, key, 4)) !== undefined) keys.push(key);
      for (const k of keys) native.mapDelete(fd, k);
    }
    this.symbolizer.forgetProcesses?.();
  }

  /**
   * %verifier: compile and load a program without attaching it, with the verifier's log
   * at `level` (1: its walk over the instructions, 4: statistics), then unload it. Maps
   * the load had to create for it are dropped again.
   */
  verify(source: string, origin: string, level: number, positional: readonly string[] = [], opts: CompileExtras = {}): { probe: string; log: string }[] {
    const res = this.compile(source, origin, positional, opts);
    if (!res.spec) throw new CompileFailure(res.diagnostics, renderDiagnostics(res.diagnostics, source, origin));
    const had = new Set(this.#maps.keys());
    const run = new LoadedRun(res.spec, this, { output: () => {} });
    const logs: { probe: string; log: string }[] = [];
    try {
      run.load({ level, log: (probe, log) => logs.push({ probe, log }) });
    } finally {
      run.close();
      for (const name of [...this.#maps.keys()]) if (!had.has(name) && !this.registry.get(name)) this.dropMap(name);
    }
    return logs;
  }

  /** Stop a background job: detach, run END, release; returns its maps. */
  stopJob(id: number): MapSnapshot[] | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    this.jobs.delete(id);
    job.run.detach();
    job.run.drain();
    job.run.runSpecial("end");
    job.run.drain();
    job.run.close();
    this.#priming.get(id)?.();
    this.#priming.delete(id);
    const maps = this.snapshots(job.written);
    this.releaseStacks();
    return maps;
  }

  /** Snapshots of the named maps that have entries, in name order (as bpftrace prints them). */
  snapshots(names: readonly string[]): MapSnapshot[] {
    return [...names].sort().map((n) => this.snapshot(n)).filter((s): s is MapSnapshot => s !== undefined && s.entries.length > 0);
  }

  // --- MapProvider ------------------------------------------------------------------

  ensure(spec: MapSpec): OwnedFd {
    const have = this.#maps.get(spec.name);
    if (have) {
      if (have.spec.keySize === spec.keySize && have.spec.valueSize === spec.valueSize && have.spec.type === spec.type) return have.fd;
      throw new Error(`${spec.name} exists with another layout (key ${have.spec.keySize} B, value ${have.spec.valueSize} B); clear it with %clear ${spec.name}`);
    }
    const fd = native.mapCreate({
      type: spec.type,
      keySize: spec.keySize,
      valueSize: spec.valueSize,
      maxEntries: spec.maxEntries,
      name: spec.name === "@" ? "AT_" : spec.name.replace(/^@/, "").replace(/[^A-Za-z0-9_]/g, "_").slice(0, 15),
    });
    this.#maps.set(spec.name, { spec, fd });
    return fd;
  }

  stackMap(spec: MapSpec): OwnedFd {
    let fd = this.#stacks.get(spec.name);
    if (!fd) {
      fd = native.mapCreate({ type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, flags: spec.flags, name: spec.name.replace(/^__/, "tb_") });
      this.#stacks.set(spec.name, fd);
    }
    return fd;
  }

  /** The addresses of stack `id` in the stack map of `depth` frames (innermost first). */
  rawStack(id: bigint, depth: number = STACK_DEPTH): bigint[] {
    const fd = this.#stacks.get(stacksMapName(depth));
    if (!fd) return [];
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, Number(id), true);
    const v = native.mapLookup(fd, key, 8 * depth);
    if (!v) return [];
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    const out: bigint[] = [];
    for (let i = 0; i < depth; i++) {
      const a = dv.getBigUint64(i * 8, true);
      if (a === 0n) break;
      out.push(a);
    }
    return out;
  }

  /** The value of stack `id` in ustack(build_id)'s stack map of `depth` frames (struct bpf_stack_build_id each). */
  buildIdStack(id: bigint, depth: number): Uint8Array | undefined {
    const fd = this.#stacks.get(stacksMapName(depth, true));
    if (!fd) return undefined;
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, Number(id), true);
    return native.mapLookup(fd, key, BUILD_ID_FRAME_SIZE * depth);
  }

  /** The map as it is now, decoded; undefined when it has no kernel map. */
  snapshot(name: string): MapSnapshot | undefined {
    const km = this.#maps.get(name);
    const info = km?.spec.info;
    if (!km || !info) return undefined;
    // decoded page by page as the batch reads come: no copy of the whole map is held
    return decodeMap(info, native.mapEntryViews(km.fd, km.spec.keySize, lookupValueSize(info, this.cpus)), this.cpus, this.symbolizer, this.#strCut);
  }

  printMap(name: string, top: number, div: number): string {
    const s = this.scalarOrZero(name);
    if (!s) return "";
    this.#printed.set(name, s);
    return formatMap(s, { ...(top > 0 && { top }), ...(div > 1 && { div: BigInt(div) }) });
  }

  /**
   * print() of a scalar map nothing has written yet shows its zero value, as bpftrace HEAD
   * does (`@: 0`, stats `{ .count = 0, ... }`): the map decoded as if its one entry were all
   * zero bytes. Histograms and time series have no zero entry; they print nothing.
   */
  private scalarOrZero(name: string): MapSnapshot | undefined {
    const s = this.snapshot(name);
    const km = this.#maps.get(name);
    const info = km?.spec.info;
    if (!s || !km || !info || s.entries.length > 0 || info.keyTypes.length > 0 || isBucketed(info)) return s;
    const zero = { key: new Uint8Array(km.spec.keySize), value: new Uint8Array(lookupValueSize(info, this.cpus)) };
    return decodeMap(info, [zero], this.cpus, this.symbolizer, this.#strCut);
  }

  /**
   * The snapshot the last print() of `name` printed, once. Reading the map again would
   * also see the updates its probes made since (a notebook's heatmap column held one more
   * event than the printed histogram it draws).
   */
  takePrinted(name: string): MapSnapshot | undefined {
    const s = this.#printed.get(name);
    this.#printed.delete(name);
    return s;
  }

  clearMap(name: string): void {
    const km = this.#maps.get(name);
    if (!km) return;
    let key: Uint8Array | undefined;
    const keys: Uint8Array[] = [];
    while ((key = native.mapGetNextKey(km.fd, key, km.spec.keySize)) !== undefined) keys.push(key);
    for (const k of keys) native.mapDelete(km.fd, k);
    this.releaseStacks();
  }

  zeroMap(name: string): void {
    const km = this.#maps.get(name);
    if (!km?.spec.info) return;
    const size = lookupValueSize(km.spec.info, this.cpus);
    const zero = new Uint8Array(size);
    let key: Uint8Array | undefined;
    while ((key = native.mapGetNextKey(km.fd, key, km.spec.keySize)) !== undefined) native.mapUpdate(km.fd, key, zero, 0);
  }

  /** Forget a map entirely (its kernel map is closed). */
  dropMap(name: string): boolean {
    const km = this.#maps.get(name);
    this.registry.delete(name);
    if (!km) return false;
    km.fd.close();
    this.#maps.delete(name);
    this.releaseStacks();
    return true;
  }

  mapNames(): string[] {
    return [...this.#maps.keys()].sort();
  }

  /** Detach every background job and close every map. */
  close(): void {
    for (const id of [...this.jobs.keys()]) {
      try {
        this.stopJob(id);
      } catch {
        /* keep closing */
      }
    }
    for (const km of this.#maps.values()) km.fd.close();
    this.#maps.clear();
    for (const fd of this.#stacks.values()) fd.close();
    this.#stacks.clear();
  }
}

/** CLOCK_MONOTONIC in ns, what bpf_ktime_get_ns() returns. */
export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

/** The program without the probes --probe-filter leaves out (bpftrace: BEGIN, END and signal probes always stay). */
function withProbeFilter(spec: ProgramSpec, filter: RegExp): ProgramSpec {
  const kept = (p: ProgramSpec["programs"][number]) => p.probe.attach.kind === "run" || p.probe.attach.kind === "signal" || filter.test(p.probe.name);
  return { ...spec, programs: spec.programs.filter(kept) };
}
