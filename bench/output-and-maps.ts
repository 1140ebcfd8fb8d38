// printf throughput and loss (200k events), and the end of a run with a large map:
// SIGINT → exit with 100k integer keys (reading and printing them), and peak RSS with
// 100k integer keys and with 100k string keys. The workload's pid is the program's $1, so
// other processes' system calls stay out of the counts.
import { workload, waitingWorkload, sleep, msBetween } from "./processes.ts";
import { MANY_KEYS_ENV, startAttached, tracers } from "./tracers.ts";

export const PRINTF_EVENTS = 200_000;
export const PRINTF_PROG = 'tracepoint:syscalls:sys_enter_getppid /pid == $1/ { printf("%d %d\\n", tid, nsecs); }';
export const MAP_KEYS = 100_000;
export const INT_KEYS_PROG = "tracepoint:syscalls:sys_enter_getpgid /pid == $1/ { @[args->pid] = count(); }";
export const STR_KEYS_PROG = "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @[str(args->filename)] = count(); }";

export interface OutputFigures {
  /** tracer → ns per printf event (traced - untraced workload), lines lost. */
  readonly printfNs: Record<string, number[]>;
  readonly printfLost: Record<string, number[]>;
  /** "int" | "str" → tracer → SIGINT → exit ms, and peak RSS MB. */
  readonly readoutMs: Record<string, Record<string, number[]>>;
  readonly rssMb: Record<string, Record<string, number[]>>;
  /** Runs left out, and why. */
  readonly failures: string[];
}

export async function measureOutput(runs: number): Promise<OutputFigures> {
  const f: OutputFigures = { printfNs: {}, printfLost: {}, readoutMs: {}, rssMb: {}, failures: [] };
  for (let r = 0; r < runs; r++) {
    for (const t of tracers) {
      const before = await workload("getppid", PRINTF_EVENTS);
      const w = waitingWorkload("getppid", PRINTF_EVENTS);
      const s = await startAttached(t, PRINTF_PROG, 1, { args: [String(w.pid)], keepBytes: 0 });
      const startLines = s.run.stdoutLines;
      const traced = await w.go();
      // every line that will come has come once the count stops growing for half a second
      let last = -1;
      while (s.run.stdoutLines !== last) {
        last = s.run.stdoutLines;
        await sleep(500);
      }
      await s.stop();
      const base = (before + (await workload("getppid", PRINTF_EVENTS))) / 2;
      const lines = s.run.stdoutLines - startLines;
      (f.printfNs[t.name] ??= []).push(traced - base);
      (f.printfLost[t.name] ??= []).push(Math.max(0, PRINTF_EVENTS - lines));
    }
  }
  for (const [kind, prog, mode] of [["int", INT_KEYS_PROG, "getpgid-distinct"], ["str", STR_KEYS_PROG, "openat-distinct"]] as const) {
    const ms: Record<string, number[]> = (f.readoutMs[kind] = {});
    const mb: Record<string, number[]> = (f.rssMb[kind] = {});
    for (let r = 0; r < runs; r++) {
      for (const t of tracers) {
        const w = waitingWorkload(mode, MAP_KEYS);
        const s = await startAttached(t, prog, 1, { args: [String(w.pid)], keepBytes: 0, env: MANY_KEYS_ENV });
        await w.go();
        const rep = await s.stop();
        const keys = s.run.stdoutLines;
        if (s.signals > 1) {
          f.failures.push(`${t.name} went on for 20 s after SIGINT with ${kind} keys; it ended after ${s.signals} (${keys} lines, exit ${rep.status})`);
          continue;
        }
        if (keys < MAP_KEYS) {
          // a run that did not print the whole map is left out, and said
          f.failures.push(`${t.name} printed ${keys} lines for ${MAP_KEYS} ${kind} keys (exit ${rep.status}): ${s.run.stderr.trim().split("\n").at(-1)}`);
          continue;
        }
        (ms[t.name] ??= []).push(msBetween(rep.signalNs, rep.exitNs));
        (mb[t.name] ??= []).push(rep.maxRssKb / 1024);
      }
    }
  }
  return f;
}
