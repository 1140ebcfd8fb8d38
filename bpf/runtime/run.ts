// One run of a compiled program: load → BEGIN → attach → events until exit/interrupt/
// timeout → detach → END → release. Every kernel object a run creates is owned here and
// released on every path (an error while loading or attaching detaches what was attached).
import * as native from "../../native/index.ts";
import type { OwnedFd } from "../../native/index.ts";
import { instructionAt, marshal } from "../asm/index.ts";
import { attach, AttachError } from "../probes/attach.ts";
import { kindOf } from "../probes/index.ts";
import { RingBuffer } from "../maps/ring-buffer.ts";
import type { ProgramSpec, ProgSpec, MapSpec } from "../codegen/spec.ts";
import type { Action } from "../functions/actions.ts";
import { DROPS_MAP, EVENTS_MAP, STOP_MAP, stacksMapDepth } from "../types/internal-maps.ts";
import { decodeValue, strCut } from "../maps/codec.ts";
import type { HelperErrorInfo } from "../output/json.ts";
import { mapFullCounts, mapFullWarning } from "./map-full.ts";
import { watchProcessExit } from "./process-exit.ts";
import { watchSelfSignals } from "./self-signal.ts";
import { runIterators } from "./iterate.ts";
import { catFile, runSystem } from "./async-actions.ts";
import type { EventContext, OutputMeta, Symbolizer } from "../functions/decode.ts";
import { eventHook } from "../functions/index.ts";

/** What a run needs from the session: the user maps, by name. */
export interface MapProvider {
  /** The kernel map for a user map spec, created on first use (kept by the session). */
  ensure(spec: MapSpec): OwnedFd;
  /** Text of print(@m, top, div) right now. */
  printMap(name: string, top: number, div: number): string;
  clearMap(name: string): void;
  zeroMap(name: string): void;
  /**
   * The stack-trace map that get_stackid() writes. The session owns it: map keys hold
   * stack ids, which must stay resolvable after the run that made them has ended.
   */
  stackMap(spec: MapSpec): OwnedFd;
  /** Symbols, user stacks and timestamps for printf/print arguments. */
  readonly symbolizer?: Symbolizer;
}


export interface RunHooks {
  /** printf lines and print() output, in order, as text; `meta` says what made them. */
  output(text: string, meta?: OutputMeta): void;
  /** Warnings (a skipped probe, a full map): bpftrace writes them to stderr. Default: errorOutput, then output. */
  warning?(text: string, helperError?: HelperErrorInfo): void;
  /**
   * Called once BEGIN has run and every other probe is attached (or BEGIN called exit),
   * with the number of probes, BEGIN and END included: bpftrace's "Attached N probes".
   */
  started?(probes: number): void;
  /** Events the ring buffer had no room for, reported once at the end (default: an output line). */
  lost?(count: bigint): void;
  /** Errors of cat()/system() (bpftrace writes them to stderr); default: `output`. */
  errorOutput?(text: string): void;
  /** While a wildcard attaches many probes: how many of them are attached so far. */
  attaching?(done: number, total: number): void;
  /** Called once every probe is attached, with their count (and what was attached). */
  attached?(count: number, spec: ProgramSpec): void;
  /** Called about once a second while probes are attached, with what the run has seen so far. */
  tick?(progress: RunProgress): void;
  readonly signal?: AbortSignal;
  /** Aborted when the `-c CMD` command has exited: the run ends ("process-exit"). */
  readonly commandExited?: AbortSignal;
  readonly durationMs?: number;
  /**
   * Close the probes off the reply path: detaching sets the run's stop flag (the programs
   * return at once from then on) and their fds close on worker threads
   * (native.backgroundClosesSettled says when). A notebook cell replies without waiting
   * tens of ms per tracepoint; the CLI closes them in line.
   */
  readonly closeProbesLater?: boolean;
  /** Leave the probes attached and return once BEGIN ran (%%bt --background). */
  readonly background?: boolean;
}

/** A running program's events so far: read from its ring buffer, and lost for want of room. */
export interface RunProgress {
  readonly events: number;
  readonly lost: bigint;
}

export type EndReason = "exit" | "interrupt" | "timeout" | "begin-only" | "detached" | "process-exit";

export interface RunResult {
  readonly reason: EndReason;
  readonly exitCode: number;
  readonly lost: bigint;
  /** The attach points that ran (BEGIN and END included), as the program names them. */
  readonly probes?: readonly string[];
  /** Per map, the updates dropped because the map was full. */
  readonly mapFull?: ReadonlyMap<string, bigint>;
  /** Ring-buffer events read (printf, print, ... records), END's included. */
  readonly events?: number;
}

/** The stop flag's value once the run has detached (a u64 1). */
const STOPPED = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]);

/** How many probes attach between two progress reports (and yields). */
const ATTACH_CHUNK = 32;

/**
 * How long one wake-up of a running program's ring buffer may read, in ms, and in batches
 * of how many records. In a flood the producer is as fast as the reader: a drain "until
 * empty" never returned, so the run's timer, an interrupt and every Jupyter message waited
 * behind it (a cell printing every syscall ran for minutes instead of 3 s). The poll fires
 * again at once while records wait, after the event loop had its turn.
 */
const DRAIN_BUDGET_MS = 20;
const DRAIN_BATCH = 256;

/** The probe's name as a BPF object name: 15 characters in the kernel (BPF_OBJ_NAME_LEN - 1), longer in messages. */
function progName(p: ProgSpec, max = 15): string {
  return p.probe.name.replace(/[^A-Za-z0-9_]/g, "_").slice(0, max);
}

/** A loaded, possibly attached program set. */
export class LoadedRun {
  readonly internal = new Map<string, OwnedFd>();
  readonly progs: { spec: ProgSpec; fd: OwnedFd }[] = [];
  readonly links: OwnedFd[] = [];
  /** Links of iter: programs, read once all probes are attached (bpf/runtime/iterate.ts). */
  readonly iterLinks: OwnedFd[] = [];
  ring: RingBuffer | undefined;
  exitCode: number | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** Probes that failed to attach and were skipped (missing_probes = warn / ignore). */
  #skipped = 0;
  /** Stops listening for the signals of self:signal probes (bpf/runtime/self-signal.ts). */
  #stopSignals: (() => void) | undefined;
  /** Called after self:signal programs ran. */
  #afterSignal: (() => void) | undefined;

  constructor(
    readonly spec: ProgramSpec,
    readonly maps: MapProvider,
    readonly hooks: RunHooks,
  ) {}

  /**
   * Create the maps and load the programs. With `verifierLog` (%verifier), each program is
   * loaded with that BPF log level (1: the verifier's walk, 4: its statistics) and the log
   * handed over.
   */
  load(verifierLog?: { level: number; log(probe: string, text: string): void }): void {
    const fds = new Map<string, number>();
    for (const m of this.spec.maps) {
      if (stacksMapDepth(m.name) !== undefined) {
        fds.set(m.name, native.rawFd(this.maps.stackMap(m)));
        continue;
      }
      if (m.info) {
        fds.set(m.name, native.rawFd(this.maps.ensure(m)));
        continue;
      }
      const fd = native.mapCreate({ type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, name: m.name.replace(/^__/, "tb_") });
      this.internal.set(m.name, fd);
      m.init?.forEach((value, i) => {
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, i, true);
        native.mapUpdate(fd, key, value);
      });
      fds.set(m.name, native.rawFd(fd));
    }
    for (const p of this.spec.programs) {
      const insns = marshal(p.insns, { maps: fds });
      // A program with subprograms brings its own BTF; the loaded program keeps a reference.
      const btf = p.btf ? native.btfLoad(p.btf.blob, { context: `load BTF of "${p.probe.name}"` }) : undefined;
      try {
        const logSize = this.spec.settings?.logSize;
        const { fd, log } = native.progLoadWithLog({
          // a log_size of the user's asks for the log from the first load, as libbpf does for
          // a program given its own log buffer: one too small fails the load with ENOSPC
          ...((verifierLog || logSize !== undefined) && { logLevel: verifierLog?.level ?? 1 }),
          type: p.probe.progType,
          insns,
          name: progName(p),
          license: "GPL",
          context: `load program "${p.probe.name}"`,
          ...(p.probe.expectedAttachType !== undefined && { expectedAttachType: p.probe.expectedAttachType }),
          ...(p.probe.attachBtfId !== undefined && { attachBtfId: p.probe.attachBtfId }),
          ...(btf && p.btf && { btf, funcInfo: p.btf.funcInfo }),
          ...(logSize !== undefined && { logSize }),
        });
        this.progs.push({ spec: p, fd });
        verifierLog?.log(p.probe.name, log);
      } catch (e) {
        // name the source line of the instruction the verifier refused
        if (e instanceof native.VerifierError && e.insn !== undefined) e.source ??= instructionAt(p.insns, e.insn)?.comment;
        if (e instanceof native.VerifierError) e.program ??= `${progName(p, 64)}_${this.spec.programs.indexOf(p) + 1}`;
        throw e;
      } finally {
        btf?.close();
      }
    }
    this.ring = RingBuffer.open(this.internal.get(EVENTS_MAP)!, this.spec.maps.find((m) => m.name === EVENTS_MAP)!.maxEntries);
  }

  /** Run the BEGIN or END programs in the kernel (BPF_PROG_TEST_RUN), then drain. */
  runSpecial(when: "begin" | "end"): void {
    for (const p of this.progs) {
      if (p.spec.probe.attach.kind === "run" && p.spec.probe.attach.when === when) {
        if (when === "begin" && this.exitCode !== undefined) break;
        native.progTestRun(p.fd, new Uint8Array(8));
        this.drainSome();
      }
    }
  }

  attachAll(): number {
    let n = 0;
    for (const p of this.#attachable()) if (this.#attachOne(p)) n++;
    return n;
  }

  /**
   * attachAll for a run with hooks: a wildcard that attaches many probes reports
   * "done of total" every ATTACH_CHUNK probes and yields, so the progress reaches the
   * front end while it attaches.
   */
  async attachAllReporting(): Promise<number> {
    const all = this.#attachable();
    let n = 0;
    for (let i = 0; i < all.length; i++) {
      if (this.#attachOne(all[i]!)) n++;
      if (this.hooks.attaching && all.length > ATTACH_CHUNK && (i + 1) % ATTACH_CHUNK === 0 && i + 1 < all.length) {
        this.hooks.attaching(i + 1, all.length);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return n;
  }

  #attachable(): { spec: ProgSpec; fd: OwnedFd }[] {
    // self:signal probes listen from now on, before the run says it is attached
    this.#stopSignals ??= watchSelfSignals(this, () => this.#afterSignal?.());
    const all = this.progs.filter((p) => p.spec.probe.attach.kind !== "run");
    // Kinds the kernel runs newest first (uprobes, kprobes, ...) attach last to first, after
    // the others, so that two probes on one hook fire in the order they are written
    // (bpftrace's attach_reverse).
    const reversed = (p: { spec: ProgSpec }) => kindOf(p.spec.probe).firesNewestFirst === true;
    return [...all.filter((p) => !reversed(p)), ...all.filter(reversed).reverse()];
  }

  /** Attaches one program; false when it was skipped (missing_probes = warn / ignore). */
  #attachOne(p: { spec: ProgSpec; fd: OwnedFd }): boolean {
    const probe = p.spec.probe;
    try {
      if (probe.attachError !== undefined) throw new AttachError(probe.attachError);
      const fds = attach(probe.attach, p.fd);
      this.links.push(...fds);
      if (probe.attach.kind === "iter") this.iterLinks.push(...fds);
    } catch (e) {
      const msg = (e as Error).message;
      const missing = this.spec.settings?.missingProbes ?? "error";
      if (missing !== "error") {
        // bpftrace's two lines (log_probe_attach_failure)
        if (missing === "warn") this.warn(`WARNING: ${msg}\nWARNING: Unable to attach probe: ${probe.name}. Skipping.\n`);
        this.#skipped++;
        return false;
      }
      throw new AttachError(msg, (e as AttachError).hints ?? (e as native.SyscallError).hints ?? [], probe.name);
    }
    return true;
  }

  warn(text: string, helperError?: HelperErrorInfo): void {
    if (this.hooks.warning) this.hooks.warning(text, helperError);
    else (this.hooks.errorOutput ?? this.hooks.output)(text);
  }

  /**
   * Probes as bpftrace counts them: each attach point, BEGIN and END once each, a USDT probe
   * at several locations once.
   */
  get probeCount(): number {
    const special = new Set(this.progs.map((p) => (p.spec.probe.attach.kind === "run" ? p.spec.probe.attach.when : undefined)));
    special.delete(undefined);
    const extraLocations = this.progs.filter((p) => (p.spec.probe.location ?? 0) > 0).length;
    return this.attachedCount - this.#skipped - extraLocations + special.size;
  }

  get attachedCount(): number {
    return this.progs.filter((p) => p.spec.probe.attach.kind !== "run").length;
  }

  // Records are handed over as views of the ring buffer (no copy each): an event hook
  // decodes its record before it returns and keeps none of its bytes.
  drain(): void {
    this.ring?.drain((rec) => this.event(rec), Infinity, true);
  }

  /** Reads for about DRAIN_BUDGET_MS at most; true when it stopped with records left. */
  drainSome(): boolean {
    const until = performance.now() + DRAIN_BUDGET_MS;
    for (;;) {
      if (!this.ring || this.ring.closed || this.ring.drain((rec) => this.event(rec), DRAIN_BATCH, true) < DRAIN_BATCH) return false;
      if (performance.now() >= until) return true;
    }
  }

  /** Reads what is left (up to a full ring buffer after a flood), yielding between batches. */
  async drainRest(): Promise<void> {
    while (this.drainSome()) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Ring-buffer events read so far (printf, print, exit, ... records). */
  events = 0;

  event(rec: Uint8Array): void {
    this.events++;
    // the action id is a u64 whose high half is 0: read as a number, with no DataView or BigInt per record
    const id = rec[4]! | rec[5]! | rec[6]! | rec[7]! ? -1 : (rec[0]! | (rec[1]! << 8) | (rec[2]! << 16) | (rec[3]! << 24)) >>> 0;
    const a: Action | undefined = this.spec.actions[id];
    if (!a) return;
    const hook = eventHook(a.kind) as ((a: Action, record: Uint8Array, rt: EventContext) => void) | undefined;
    hook?.(a, rec, this.#events);
  }

  /** What a row's event hook (bpf/functions/) may do when its record arrives. */
  readonly #events: EventContext = {
    output: (text, meta) => this.hooks.output(text, meta),
    errorOutput: (text) => (this.hooks.errorOutput ?? this.hooks.output)(text),
    warn: (text, helperError) => this.warn(text, helperError),
    exit: (code) => {
      if (this.exitCode === undefined) this.exitCode = code;
    },
    printMap: (name, top, div) => this.maps.printMap(name, top, div),
    clearMap: (name) => this.maps.clearMap(name),
    zeroMap: (name) => this.maps.zeroMap(name),
    decode: (t, bytes, off) => decodeValue(t, bytes, off, this.maps.symbolizer, strCut(this.spec.settings)),
    catFile: (path) => catFile(path, this.spec.settings?.maxCatBytes),
    runSystem,
  };

  /** Wait for exit(), the abort signal or the duration; events are handled meanwhile. */
  wait(): Promise<EndReason> {
    const { signal, durationMs, commandExited } = this.hooks;
    return new Promise<EndReason>((resolve) => {
      let done = false;
      const finish = (r: EndReason) => {
        if (done) return;
        done = true;
        target?.stop();
        this.#afterSignal = undefined;
        clearTimeout(timer);
        clearInterval(this.#ticker);
        this.#ticker = undefined;
        this.ring?.onReadable(null);
        signal?.removeEventListener("abort", onAbort);
        commandExited?.removeEventListener("abort", onCommandExit);
        resolve(r);
      };
      // a self:signal probe that called exit() ends the run
      this.#afterSignal = () => {
        if (this.exitCode !== undefined) finish("exit");
      };
      const onAbort = () => finish("interrupt");
      const onCommandExit = () => finish("process-exit");
      const timer = durationMs !== undefined ? setTimeout(() => finish("timeout"), durationMs) : undefined;
      const target = this.spec.pid !== undefined ? watchProcessExit(this.spec.pid, () => finish("process-exit")) : undefined;
      if (signal?.aborted) return finish("interrupt");
      if (commandExited?.aborted) return finish("process-exit");
      signal?.addEventListener("abort", onAbort);
      commandExited?.addEventListener("abort", onCommandExit);
      this.ring?.onReadable(() => {
        this.drainSome();
        if (this.exitCode !== undefined) finish("exit");
      });
      if (this.hooks.tick) this.#ticker = setInterval(() => this.hooks.tick?.({ events: this.events, lost: this.lost() }), 1000);
      if (this.exitCode !== undefined) finish("exit");
    });
  }

  /**
   * Sets the run's stop flag: from now on its attached programs return at once, although
   * they stay attached until their links close. False when the program has no flag (no
   * attached probes).
   */
  stop(): boolean {
    const flag = this.internal.get(STOP_MAP);
    if (!flag) return false;
    native.mapUpdate(flag, new Uint8Array(4), STOPPED);
    return true;
  }

  detach(): void {
    this.#stopSignals?.();
    this.#stopSignals = undefined;
    this.iterLinks.length = 0;
    const links = this.links.splice(0);
    if (this.hooks.closeProbesLater && links.length > 0 && this.stop()) {
      for (const l of links) l.closeInBackground();
    } else for (const l of links) l.close();
  }

  lost(): bigint {
    const fd = this.internal.get(DROPS_MAP);
    if (!fd) return 0n;
    const v = native.mapLookup(fd, new Uint8Array(4), 8);
    return v ? new DataView(v.buffer, v.byteOffset).getBigUint64(0, true) : 0n;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ticker);
    this.detach();
    try {
      this.ring?.close();
    } catch {
      /* already closed */
    }
    for (const p of this.progs.splice(0)) p.fd.close();
    for (const fd of this.internal.values()) fd.close();
    this.internal.clear();
  }
}

/**
 * Run a program to its end. BEGIN runs before any probe is attached; a program with only
 * BEGIN/END ends right after BEGIN. The probes are detached before END runs.
 */
export async function runToEnd(spec: ProgramSpec, maps: MapProvider, hooks: RunHooks): Promise<RunResult & { run: LoadedRun }> {
  const run = new LoadedRun(spec, maps, hooks);
  let reason: EndReason = "begin-only";
  // Only a run left attached in the background outlives this call (the session's job
  // closes it); every other path, errors included, releases what it loaded.
  let detached = false;
  try {
    run.load();
    run.runSpecial("begin");
    if (run.exitCode === undefined && run.attachedCount > 0) {
      const n = await run.attachAllReporting();
      hooks.started?.(run.probeCount);
      hooks.attached?.(n, spec);
      if (hooks.background) {
        detached = true;
        return { reason: "detached", exitCode: 0, lost: 0n, run };
      }
      if (run.iterLinks.length > 0) {
        // an iterator program is the whole run: read it to its end, then END
        runIterators(run.iterLinks, () => run.drain(), () => run.exitCode !== undefined);
        reason = "exit";
      } else reason = await run.wait();
    } else {
      hooks.started?.(run.probeCount);
      if (run.exitCode !== undefined) reason = "exit";
    }
    run.detach();
    await run.drainRest();
    run.runSpecial("end");
    run.drain();
    const lost = run.lost();
    if (lost > 0n) hooks.lost ? hooks.lost(lost) : hooks.output(`Lost ${lost} events\n`);
    const drops = run.internal.get(DROPS_MAP);
    const mapFull = drops ? mapFullCounts(spec, drops) : new Map<string, bigint>();
    for (const [map, n] of mapFull) run.warn(mapFullWarning(map, n));
    const probes = [...new Set(run.progs.map((p) => p.spec.probe.name))];
    return { reason, exitCode: run.exitCode ?? 0, lost, probes, mapFull, events: run.events, run };
  } finally {
    if (!detached) run.close();
  }
}
