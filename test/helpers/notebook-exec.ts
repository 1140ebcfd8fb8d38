// Executing the project's notebooks the way a person's Jupyter does: nbconvert's
// ExecutePreprocessor (nbclient) with the Tracebook kernelspec installed into a temporary
// prefix, while a workload runs so every map is certain to have data. Shared by the
// notebook system tests (what the executed notebook holds) and the browser tests (what a
// front end shows of it).
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ensureBuilt, ROOT } from "./jupyter-kernel-process.ts";
import { JUPYTER } from "./jupyter-server.ts";

export const HELLO = join(ROOT, "notebooks/hello.ipynb");
export const INVESTIGATION = join(ROOT, "notebooks/investigation.ipynb");

export interface Output {
  readonly output_type: string;
  readonly data?: Record<string, unknown>;
  readonly metadata?: Record<string, unknown>;
  readonly ename?: string;
  readonly evalue?: string;
  readonly name?: string;
  readonly text?: string | string[];
}
export interface Cell {
  readonly cell_type: string;
  readonly source: string | string[];
  readonly outputs?: Output[];
}
export interface ExecutedNotebook {
  readonly cells: Cell[];
  readonly metadata: Record<string, unknown>;
  /** The executed .ipynb on disk (in the temporary prefix). */
  readonly path: string;
  /** The temporary prefix: the kernelspec and Jupyter's config, data and runtime dirs. */
  readonly prefix: string;
}

/** A notebook string field (a string or a list of lines) as one string. */
export const text = (v: unknown): string => (Array.isArray(v) ? v.join("") : String(v ?? ""));

/** Why nbconvert cannot run here, or null when it can. */
export function nbconvertUnavailableReason(): string | null {
  try {
    execFileSync(JUPYTER, ["nbconvert", "--version"], { stdio: "ignore" });
    return null;
  } catch {
    return `requires ${JUPYTER} nbconvert (Debian package jupyter-nbconvert)`;
  }
}

/** hello.ipynb's workload: opens and reads a file every few milliseconds until killed. */
export const fileReader = (): ChildProcess =>
  spawn(process.execPath, ["-e", 'const fs = require("node:fs"); setInterval(() => fs.readFileSync("/proc/self/stat"), 5);'], { stdio: "ignore", detached: true });

/** investigation.ipynb's workload: scripts/slow-copy.sh, a dd that reads 512 bytes a call. */
export const slowCopy = (): ChildProcess => spawn("bash", [join(ROOT, "scripts/slow-copy.sh")], { stdio: "ignore", detached: true });

/** The environment that points Jupyter at `prefix` only (no user or system kernelspecs). */
export function jupyterEnv(prefix: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    JUPYTER_PATH: join(prefix, "share/jupyter"),
    JUPYTER_CONFIG_DIR: join(prefix, "config"),
    JUPYTER_DATA_DIR: join(prefix, "data"),
    JUPYTER_RUNTIME_DIR: join(prefix, "runtime"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
}

/** Execute `notebook` with nbconvert while `workload` runs; the executed notebook. */
/** `workload`: started for the notebook's run and killed after (lessons start their own with `-c`). */
export async function execute(notebook: string, workload?: () => ChildProcess): Promise<ExecutedNotebook> {
  ensureBuilt();
  const prefix = mkdtempSync(join(tmpdir(), "tb-notebook-"));
  execFileSync(process.execPath, [join(ROOT, "bin/tracebook.js"), "install", "--prefix", prefix], { stdio: "ignore" });
  const w = workload?.();
  try {
    await promisify(execFile)(
      JUPYTER,
      ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120",
        "--output-dir", prefix, "--output", "executed", notebook],
      { env: jupyterEnv(prefix), timeout: 180_000 },
    );
  } finally {
    // the workload's children too (the slow copy's dd)
    if (w) {
      try {
        process.kill(-w.pid!, "SIGKILL");
      } catch {
        w.kill("SIGKILL");
      }
    }
  }
  const path = join(prefix, "executed.ipynb");
  const nb = JSON.parse(readFileSync(path, "utf8")) as { cells: Cell[]; metadata: Record<string, unknown> };
  return { cells: nb.cells, metadata: nb.metadata, path, prefix };
}
