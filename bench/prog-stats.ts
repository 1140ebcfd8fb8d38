// The BPF programs a tracer process holds, and what the kernel counted for them while
// BPF_ENABLE_STATS is on: run_cnt and run_time_ns from BPF_OBJ_GET_INFO_BY_FD, opened by
// id (prog_id in /proc/PID/fdinfo) while the tracer runs — bpftrace's as well as ours.
import { readdirSync, readFileSync, readlinkSync, openSync, closeSync } from "node:fs";
import koffi from "koffi";
import * as native from "../native/index.ts";

/** The ids of the BPF programs `pid` holds open. */
export function progIds(pid: number): number[] {
  const ids: number[] = [];
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return ids;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== "anon_inode:bpf-prog") continue;
      const m = /^prog_id:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"));
      if (m) ids.push(Number(m[1]));
    } catch {
      /* closed meanwhile */
    }
  }
  return ids;
}

export interface ProgRun {
  readonly id: number;
  readonly name: string;
  readonly runCount: bigint;
  readonly runTimeNs: bigint;
}

/** run_cnt / run_time_ns of each program, by id (BPF_PROG_GET_FD_BY_ID + BPF_OBJ_GET_INFO_BY_FD). */
export function progRuns(ids: readonly number[]): ProgRun[] {
  const out: ProgRun[] = [];
  for (const id of ids) {
    let fd: native.OwnedFd | undefined;
    try {
      fd = native.progGetFdById(id);
      const info = native.objGetInfoByFd(fd) as native.ProgInfo;
      out.push({ id, name: info.name, runCount: info.runCount, runTimeNs: info.runTimeNs });
    } catch {
      /* unloaded meanwhile */
    } finally {
      fd?.close();
    }
  }
  return out;
}

/** Σ run_time_ns / Σ run_cnt over the programs: the in-kernel cost of one run. */
export function nsPerRun(runs: readonly ProgRun[]): number {
  const n = runs.reduce((a, r) => a + r.runCount, 0n);
  const t = runs.reduce((a, r) => a + r.runTimeNs, 0n);
  return n === 0n ? NaN : Number(t) / Number(n);
}

const libc = koffi.load("libc.so.6");
const getpid = libc.func("int getpid()");
const getpgid = libc.func("int getpgid(int)");

/**
 * Makes the events the benchmark programs trace happen once in this process: getppid,
 * getpid (through libc: its uprobe too), getpgid, openat of a missing file.
 */
export function poke(): void {
  void process.ppid; // a getppid(2) on every read
  getpid();
  getpgid(0);
  try {
    closeSync(openSync("/tmp/tb-bench-missing/poke", "r"));
  } catch {
    /* ENOENT, as intended */
  }
}

/**
 * Waits until `pid` holds `count` programs and each has run at least once, poking the
 * traced events every millisecond: the moment its probes are really attached, whatever
 * it prints (bpftrace 0.17 prints "Attaching N probes..." before it attaches). Needs
 * BPF stats on (native.enableStats). Returns process.hrtime.bigint() at that moment.
 */
export async function untilAllRan(pid: number, count: number, timeoutMs = 30_000): Promise<bigint> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    poke();
    const ids = progIds(pid);
    if (ids.length >= count) {
      const runs = progRuns(ids);
      if (runs.filter((r) => r.runCount > 0n).length >= count) return process.hrtime.bigint();
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`bench: pid ${pid} did not have ${count} programs running within ${timeoutMs} ms (has ${progIds(pid).length})`);
}
