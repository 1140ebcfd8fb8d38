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

/** Start a process and resolve once it printed "ready" (it then waits for go()). */
export async function startWorkload(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Workload> {
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "inherit"], ...(env && { env }) });
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
      child.kill("SIGUSR1");
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
