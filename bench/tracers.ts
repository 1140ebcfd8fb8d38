// The two tracers side by side: our CLI and Debian's bpftrace, started the same way.
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as native from "../native/index.ts";
import { measured, ROOT, type Measured } from "./processes.ts";
import { untilAllRan } from "./prog-stats.ts";

export interface Tracer {
  readonly name: string;
  /** Settings of its own (BPFTRACE_* variables). */
  readonly env?: NodeJS.ProcessEnv;
  /** The command line for a program and its positional parameters. */
  argv(prog: string, args?: readonly string[]): [string, string[]];
}

export const BPFTRACE = "/usr/bin/bpftrace";

export const tracebook: Tracer = {
  name: "tracebook",
  argv: (prog, args = []) => [process.execPath, [join(ROOT, "bin/tracebook.js"), "-e", prog, ...args]],
};

export const bpftrace: Tracer = {
  name: "bpftrace",
  argv: (prog, args = []) => [BPFTRACE, ["-e", prog, ...args]],
};

export const tracers: readonly Tracer[] = existsSync(BPFTRACE) ? [tracebook, bpftrace] : [tracebook];

/** Ours with bpftrace 0.17's default string size (64 bytes; ours and today's bpftrace's: 1024). */
export const tracebook64: Tracer = { ...tracebook, name: "tracebook64", env: { BPFTRACE_MAX_STRLEN: "64" } };

/**
 * Room for 100k keys in both tracers, for the read-out cases only (bpftrace 0.17 reads the
 * old name, 4096 by default): ours creates its hash maps preallocated, and 200k entries
 * cost it about half a second at start. String sizes stay each one's default (0.17: 64
 * bytes; ours and current bpftrace's: 1024).
 */
export const MANY_KEYS_ENV = { BPFTRACE_MAP_KEYS_MAX: "200000", BPFTRACE_MAX_MAP_KEYS: "200000" };

export interface Started {
  readonly run: Measured;
  readonly pid: number;
  /** hrtime (ns) when every program had run once. */
  readonly attachedNs: bigint;
  /** Stop it (SIGINT) and wait for its exit. */
  stop(): Promise<Awaited<Measured["done"]>>;
  /** SIGINTs it took (bpftrace 0.17 now and then goes on after the first). */
  signals: number;
}

/**
 * Starts `prog` under the tracer and waits until its `programs` programs all ran once (BPF
 * stats on meanwhile, off again before this returns unless `keepStats`).
 */
/** BENCH_VERBOSE=1: each start and stop on stderr. */
export const trace = (s: string) => void (process.env.BENCH_VERBOSE && process.stderr.write(`bench: ${new Date().toISOString().slice(11, 23)} ${s}\n`));

export async function startAttached(t: Tracer, prog: string, programs: number, opts: { args?: readonly string[]; env?: NodeJS.ProcessEnv; keepBytes?: number; stats?: native.OwnedFd } = {}): Promise<Started> {
  const stats = opts.stats ?? native.enableStats();
  const [cmd, argv] = t.argv(prog, opts.args);
  const run = measured(cmd, argv, { env: { ...t.env, ...opts.env }, ...(opts.keepBytes !== undefined && { keepBytes: opts.keepBytes }) });
  try {
    const pid = await run.commandPid();
    trace(`${t.name} ${pid} started: ${prog.slice(0, 60)}`);
    const attachedNs = await untilAllRan(pid, programs);
    trace(`${t.name} ${pid} attached`);
    const started: Started = {
      run,
      pid,
      attachedNs,
      signals: 0,
      stop: async () => {
        trace(`${t.name} ${pid} SIGINT`);
        run.interrupt();
        started.signals = 1;
        // a tracer still running 20 s after SIGINT gets another (the run is then left out
        // of the figures that time its exit); after a minute it is killed
        const again = setInterval(() => {
          started.signals++;
          trace(`${t.name} ${pid} SIGINT again`);
          run.interrupt();
        }, 20_000);
        const kill = setTimeout(() => process.kill(pid, "SIGKILL"), 60_000);
        const rep = await run.done.finally(() => {
          clearInterval(again);
          clearTimeout(kill);
        });
        trace(`${t.name} ${pid} exited ${rep.status}`);
        return rep;
      },
    };
    return started;
  } catch (e) {
    run.interrupt();
    await run.done.catch(() => undefined);
    throw new Error(`${(e as Error).message}\n${t.name} stderr: ${run.stderr.slice(-800)}`);
  } finally {
    if (!opts.stats) stats.close();
  }
}
