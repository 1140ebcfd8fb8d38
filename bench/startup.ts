// Start-up, process against process: the CLI's `BEGIN { exit(); }` from fork to exit
// (and bare `node -e 0`), and fork → every probe attached for the probes of the warm-cell
// case, found by polling the tracer's programs until each has run (prog-stats.ts).
import { measured, msBetween } from "./processes.ts";
import { startAttached, tracers, tracebook, bpftrace, type Tracer } from "./tracers.ts";

/** The probes of the first warm-cell case, each counting instead of exiting. */
export const ATTACH_PROBES =
  "tracepoint:syscalls:sys_enter_getppid { @a = count(); } tracepoint:syscalls:sys_enter_getpid { @b = count(); } uprobe:/lib/x86_64-linux-gnu/libc.so.6:getpid { @c = count(); } interval:ms:1 { @d = count(); }";

export interface StartupFigures {
  /** fork → exit, ms, and user+sys ms, by command (tracebook, bpftrace, node). */
  readonly wall: Record<string, number[]>;
  readonly cpu: Record<string, number[]>;
  readonly rssMb: Record<string, number[]>;
  /** fork → all 4 probes attached, ms, by tracer. */
  readonly attach: Record<string, number[]>;
}

export async function measureStartup(runs: number): Promise<StartupFigures> {
  const f: StartupFigures = { wall: {}, cpu: {}, rssMb: {}, attach: {} };
  const cmds: [string, [string, string[]]][] = [
    ...tracers.map((t): [string, [string, string[]]] => [t.name, t.argv("BEGIN { exit(); }")]),
    ["node", [process.execPath, ["-e", "0"]]],
  ];
  // one warm-up round, then the commands in turn, round after round
  for (let r = 0; r <= runs; r++) {
    for (const [name, [cmd, args]] of cmds) {
      const rep = await measured(cmd, args).done;
      if (r === 0) continue;
      if (rep.status !== 0) throw new Error(`bench: ${name} BEGIN exit failed with status ${rep.status}`);
      (f.wall[name] ??= []).push(msBetween(rep.startNs, rep.exitNs));
      (f.cpu[name] ??= []).push((rep.userUs + rep.sysUs) / 1000);
      (f.rssMb[name] ??= []).push(rep.maxRssKb / 1024);
    }
  }
  for (let r = 0; r <= runs; r++) {
    for (const t of tracers) {
      const ms = await forkToAttached(t);
      if (r > 0) (f.attach[t.name] ??= []).push(ms);
    }
  }
  return f;
}

async function forkToAttached(t: Tracer): Promise<number> {
  const s = await startAttached(t, ATTACH_PROBES, 4);
  const rep = await s.stop();
  return Number(s.attachedNs - rep.startNs) / 1e6;
}

export { tracebook, bpftrace };
