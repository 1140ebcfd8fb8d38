// Workloads for the engine system tests: a small C program (test/fixtures/workload/
// workload.c) built with gcc into a temp dir, started before the probes and released by
// SIGUSR1 once they are attached, so every count in a test comes from this process alone.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE = fileURLToPath(new URL("../fixtures/workload/workload.c", import.meta.url));
let built: string | undefined;

/** Path of the workload binary, built once per test process (-O1, with symbols). */
export function workloadBinary(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), "tracebook-workload-"));
  const out = join(dir, "myapp");
  execFileSync("gcc", ["-O1", "-g", "-o", out, SOURCE], { stdio: "pipe" });
  return (built = out);
}

export interface Workload {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Let the workload run (SIGUSR1); resolves with its exit code once it ended. */
  go(): Promise<number | null>;
  kill(): void;
}

/**
 * Start a process and resolve once it printed "ready" (it then waits for go()): by
 * SIGUSR1, or with `release: "stdin"` by a line on its stdin (for workloads whose
 * reads are not what is traced, like the Python one).
 */
export async function startWorkload(file: string, args: readonly string[], opts: { release?: "signal" | "stdin" } = {}): Promise<Workload> {
  const byStdin = opts.release === "stdin";
  const child = spawn(file, args, { stdio: [byStdin ? "pipe" : "ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    child.stdout!.on("data", (d: Buffer) => {
      seen += d.toString();
      if (seen.includes("ready\n")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
    child.once("error", reject);
  });
  return {
    child,
    pid: child.pid!,
    go: () => {
      if (byStdin) child.stdin!.end("go\n");
      else child.kill("SIGUSR1");
      return exited;
    },
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/** The C workload: "openat", "read" or "uprobe" mode (see workload.c). */
export function startC(args: readonly string[]): Promise<Workload> {
  return startWorkload(workloadBinary(), args);
}

/**
 * A python3.11 workload that calls target(i) N times once released (target is on line 3).
 * CPython 3.11 fires function__entry only from its tracing dispatch (DO_TRACING on RESUME),
 * which runs while a profile or trace function is set; function__return fires always.
 * So the workload sets a no-op profile function (its own calls are not traced).
 */
export const PYTHON_WORKLOAD = `
import sys, os
def target(i):
    return i * 2
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()
sys.setprofile(lambda *a: None)
for i in range(int(sys.argv[1])):
    target(i)
os._exit(0)
`;

/** workload.c's `struct request`, as a program defines it (for `workload struct N`). */
export const REQUEST_STRUCT = `
struct request {
  int id;
  char name[12];
  struct request *next;
  unsigned int flags : 3;
  unsigned int more : 9;
  long long total;
};
`;
