// Starting the measured commands. C helpers are built with gcc on first use; every
// command runs under bench/c/run.c, which reports the kernel's accounting of it (wait4's
// rusage) and CLOCK_MONOTONIC times on fd 3.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout: the first folder up from here with bin/tracebook.js (from bench/ or a bundle in dist/). */
export const ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "bin/tracebook.js")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
const BUILD = join(ROOT, "node_modules/.cache/tracebook-bench");

/** Path of bench/c/NAME.c built with gcc -O2 (rebuilt when the source is newer). */
export function cTool(name: string): string {
  const src = join(ROOT, "bench/c", `${name}.c`);
  const out = join(BUILD, name);
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(BUILD, { recursive: true });
    execFileSync("gcc", ["-O2", "-Wall", "-o", out, src], { stdio: "inherit" });
  }
  return out;
}

export interface RunReport {
  readonly startNs: bigint;
  readonly exitNs: bigint;
  /** When the first SIGINT/SIGTERM reached the wrapper (0n if none). */
  readonly signalNs: bigint;
  readonly userUs: number;
  readonly sysUs: number;
  readonly maxRssKb: number;
  readonly status: number;
}

export interface Measured {
  readonly child: ChildProcess;
  /** The command's pid (the wrapper's child), once known. */
  commandPid(): Promise<number>;
  stdout: string;
  stderr: string;
  /** Bytes and lines of stdout (kept whole only up to keepBytes). */
  stdoutBytes: number;
  stdoutLines: number;
  readonly done: Promise<RunReport>;
  /** SIGINT to the command (through the wrapper). */
  interrupt(): void;
  /** Write to the command's stdin. */
  write(s: string): void;
}

/** Runs CMD under the wrapper; keeps at most keepBytes of stdout (counts all of it). */
export function measured(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; keepBytes?: number } = {}): Measured {
  const child = spawn(cTool("run"), [cmd, ...args], { stdio: ["pipe", "pipe", "pipe", "pipe"], env: { ...process.env, ...opts.env } });
  const keep = opts.keepBytes ?? 1 << 20;
  let report = "";
  const m: Measured = {
    child,
    stdout: "",
    stderr: "",
    stdoutBytes: 0,
    stdoutLines: 0,
    commandPid: async () => {
      for (let i = 0; i < 2000; i++) {
        const kids = childrenOf(child.pid!);
        if (kids.length > 0) return kids[0]!;
        await sleep(1);
      }
      throw new Error(`bench: ${cmd} did not start`);
    },
    done: new Promise<RunReport>((res, rej) => {
      child.on("close", () => {
        const f = Object.fromEntries([...report.matchAll(/(\w+)=(-?\d+)/g)].map((x) => [x[1]!, x[2]!]));
        if (f.start_ns === undefined) return rej(new Error(`bench: no report from ${cmd}: ${m.stderr.slice(-500)}`));
        res({
          startNs: BigInt(f.start_ns),
          exitNs: BigInt(f.exit_ns!),
          signalNs: BigInt(f.signal_ns!),
          userUs: Number(f.user_us),
          sysUs: Number(f.sys_us),
          maxRssKb: Number(f.maxrss_kb),
          status: Number(f.status),
        });
      });
    }),
    interrupt: () => void child.kill("SIGINT"),
    write: (s) => void child.stdin!.write(s),
  };
  child.stdout!.on("data", (d: Buffer) => {
    m.stdoutBytes += d.length;
    for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) m.stdoutLines++;
    if (m.stdout.length < keep) m.stdout += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => void (m.stderr += d.toString()));
  (child.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => void (report += d.toString()));
  return m;
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** ms between two CLOCK_MONOTONIC readings in ns. */
export const msBetween = (a: bigint, b: bigint) => Number(b - a) / 1e6;

/** Runs the workload (bench/c/workload.c) untraced or traced, to its end; CPU ns per operation. */
export async function workload(mode: string, n: number): Promise<number> {
  const out = execFileSync(cTool("workload"), [mode, String(n)], { encoding: "utf8" });
  return Number(out.split(" ")[0]);
}

/** The workload started, waiting for a byte on stdin before its loop (so its pid can be traced). */
export function waitingWorkload(mode: string, n: number): { pid: number; go(): Promise<number> } {
  const child = spawn(cTool("workload"), [mode, String(n), "wait"], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => void (out += d.toString()));
  const exited = new Promise<void>((r) => child.on("close", () => r()));
  return {
    pid: child.pid!,
    go: async () => {
      child.stdin!.end("g");
      await exited;
      return Number(out.split(" ")[0]);
    },
  };
}
