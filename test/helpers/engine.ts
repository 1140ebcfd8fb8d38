// Running a program in a Session against a workload: the workload is released once the
// probes are attached, and the run is interrupted once the workload has exited (events
// still in the ring buffer are drained after detaching, so nothing is lost by stopping).
import { Session, type RunOptions, type SessionRunResult } from "../../bpf/session.ts";
import { makeSymbolizer } from "../../bpf/runtime/symbolize.ts";
import { machineEnv } from "../../bpf/runtime/features.ts";
import type { MapSnapshot } from "../../bpf/types/snapshot.ts";
import type { Workload } from "./workload.ts";

export function newSession(): Session {
  return new Session(machineEnv(), makeSymbolizer);
}

export interface TracedRun extends SessionRunResult {
  readonly text: string;
  readonly lines: string[];
  readonly attachedCount: number | undefined;
  readonly workloadExit: number | null | undefined;
}

/** Run `source` with $1 = the workload's pid (plus `extra` positionals). */
export async function traceWorkload(
  session: Session,
  source: string,
  w: Workload | undefined,
  opts: { origin?: string; extra?: readonly string[]; programOptions?: readonly string[]; timeoutMs?: number; settleMs?: number; unsafe?: boolean; settings?: RunOptions["settings"] } = {},
): Promise<TracedRun> {
  let text = "";
  let attachedCount: number | undefined;
  let workloadExit: number | null | undefined;
  const ctl = new AbortController();
  const guard = setTimeout(() => ctl.abort(), opts.timeoutMs ?? 10_000);
  try {
    const res = await session.run(source, {
      origin: opts.origin ?? "cell[1]",
      positional: [...(w ? [String(w.pid)] : []), ...(opts.extra ?? [])],
      programOptions: opts.programOptions,
      ...(opts.unsafe && { unsafe: true }),
      ...(opts.settings && { settings: opts.settings }),
      signal: ctl.signal,
      output: (t) => {
        text += t;
      },
      attached: (n) => {
        attachedCount = n;
        if (!w) return;
        void w.go().then((code) => {
          workloadExit = code;
          setTimeout(() => ctl.abort(), opts.settleMs ?? 50);
        });
      },
    });
    return { ...res, text, lines: text.split("\n").filter((l) => l !== ""), attachedCount, workloadExit };
  } finally {
    clearTimeout(guard);
    w?.kill();
  }
}

export function mapOf(maps: readonly MapSnapshot[], name: string): MapSnapshot {
  const m = maps.find((x) => x.name === name);
  if (!m) throw new Error(`no map ${name} in [${maps.map((x) => x.name).join(", ")}]`);
  return m;
}

/** The single value of an unkeyed count/sum/min/max map. */
export function scalar(maps: readonly MapSnapshot[], name: string): bigint {
  const v = mapOf(maps, name).entries[0]?.value;
  if (!v || !("value" in v) || typeof v.value !== "bigint") throw new Error(`${name} is not a scalar aggregate`);
  return v.value;
}
