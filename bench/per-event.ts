// What a traced event costs the traced program: the workload (bench/c/workload.c) timed
// untraced and traced in turn, (traced - untraced) CPU ns per system call; and what one run
// of each program costs in the kernel (BPF_ENABLE_STATS: run_time_ns / run_cnt).
import * as native from "../native/index.ts";
import { workload } from "./processes.ts";
import { nsPerRun, progIds, progRuns } from "./prog-stats.ts";
import { startAttached, tracers, tracebook64 } from "./tracers.ts";

export interface EventCase {
  readonly key: string;
  readonly prog: string;
  /** Programs the tracer loads for it. */
  readonly programs: number;
  readonly mode: string;
  readonly n: number;
  /** Also measure ours at bpftrace 0.17's string size (the case has strings). */
  readonly strings?: boolean;
}

export const EVENT_CASES: readonly EventCase[] = [
  { key: "comm", prog: "tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }", programs: 1, mode: "getppid", n: 500_000 },
  { key: "str", prog: "tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); }", programs: 1, mode: "openat", n: 200_000, strings: true },
  {
    key: "join",
    prog: 'tracepoint:syscalls:sys_enter_openat { @p[tid] = str(args->filename); } tracepoint:syscalls:sys_exit_openat { $f = @p[tid]; if ($f != "") { @[$f, args->ret] = count(); delete(@p[tid]); } }',
    programs: 2,
    mode: "openat",
    n: 200_000,
    strings: true,
  },
];

export interface EventFigures {
  /** case key → tracer → ns per event, one per pair. */
  readonly perEvent: Record<string, Record<string, number[]>>;
  /** case key → tracer → in-kernel ns per program run, one per round. */
  readonly nsPerRun: Record<string, Record<string, number[]>>;
  /** case key → untraced ns per system call. */
  readonly untraced: Record<string, number[]>;
}

export async function measureEvents(runs: number, statsRuns: number): Promise<EventFigures> {
  const f: EventFigures = { perEvent: {}, nsPerRun: {}, untraced: {} };
  for (const c of EVENT_CASES) {
    const pe: Record<string, number[]> = (f.perEvent[c.key] = {});
    const ns: Record<string, number[]> = (f.nsPerRun[c.key] = {});
    const un: number[] = (f.untraced[c.key] = []);
    const those = c.strings ? [...tracers, tracebook64] : tracers;
    for (let r = 0; r < runs; r++) {
      for (const t of those) {
        // the untraced runs just before and just after bracket the traced one
        const before = await workload(c.mode, c.n);
        const s = await startAttached(t, c.prog, c.programs);
        const traced = await workload(c.mode, c.n);
        await s.stop();
        const base = (before + (await workload(c.mode, c.n))) / 2;
        un.push(base);
        (pe[t.name] ??= []).push(traced - base);
      }
    }
    for (let r = 0; r < statsRuns; r++) {
      for (const t of those) {
        const stats = native.enableStats();
        try {
          const s = await startAttached(t, c.prog, c.programs, { stats });
          const before = progRuns(progIds(s.pid));
          await workload(c.mode, c.n);
          const after = progRuns(progIds(s.pid));
          await s.stop();
          // only the runs during the workload (attach-time pokes excluded)
          const delta = after.map((a) => {
            const b = before.find((x) => x.id === a.id);
            return { ...a, runCount: a.runCount - (b?.runCount ?? 0n), runTimeNs: a.runTimeNs - (b?.runTimeNs ?? 0n) };
          });
          (ns[t.name] ??= []).push(nsPerRun(delta));
        } finally {
          stats.close();
        }
      }
    }
  }
  return f;
}
