// notebooks/hello.ipynb and notebooks/investigation.ipynb (the main job of README's first
// command) executed end to end by Jupyter's own tooling (nbconvert's ExecutePreprocessor,
// nbclient), with the kernelspec from a temporary prefix and the real interpreter. While
// each runs, the test keeps its workload running (a file reader for hello; for the
// investigation, scripts/slow-copy.sh), so every map is certain to have data.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ensureBuilt, ROOT } from "../helpers/jupyter-kernel-process.ts";
import { JUPYTER } from "../helpers/jupyter-server.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

const NOTEBOOK = join(ROOT, "notebooks/hello.ipynb");
const INVESTIGATION = join(ROOT, "notebooks/investigation.ipynb");

interface Output {
  readonly output_type: string;
  readonly data?: Record<string, unknown>;
  readonly ename?: string;
  readonly evalue?: string;
  readonly text?: string | string[];
}
interface Cell {
  readonly cell_type: string;
  readonly source: string | string[];
  readonly outputs?: Output[];
}

function nbconvertUnavailableReason(): string | null {
  try {
    execFileSync(JUPYTER, ["nbconvert", "--version"], { stdio: "ignore" });
    return null;
  } catch {
    return `requires ${JUPYTER} nbconvert (Debian package jupyter-nbconvert)`;
  }
}

const text = (v: unknown): string => (Array.isArray(v) ? v.join("") : String(v ?? ""));

const unavailable = nbconvertUnavailableReason();

/** Execute `notebook` with nbconvert while `workload` runs; the executed notebook's cells. */
async function execute(notebook: string, workload: () => ChildProcess): Promise<{ cells: Cell[]; metadata: Record<string, unknown> }> {
  ensureBuilt();
  const prefix = mkdtempSync(join(tmpdir(), "tb-notebook-"));
  execFileSync(process.execPath, [join(ROOT, "bin/tracebook.js"), "install", "--prefix", prefix], { stdio: "ignore" });
  const w = workload();
  try {
    await promisify(execFile)(
      JUPYTER,
      ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120",
        "--output-dir", prefix, "--output", "executed", notebook],
      {
        env: {
          ...process.env,
          JUPYTER_PATH: join(prefix, "share/jupyter"),
          JUPYTER_CONFIG_DIR: join(prefix, "config"),
          JUPYTER_DATA_DIR: join(prefix, "data"),
          JUPYTER_RUNTIME_DIR: join(prefix, "runtime"),
          PYDEVD_DISABLE_FILE_VALIDATION: "1",
        },
        timeout: 180_000,
      },
    );
  } finally {
    // the workload's children too (the slow copy's dd)
    try {
      process.kill(-w.pid!, "SIGKILL");
    } catch {
      w.kill("SIGKILL");
    }
  }
  return JSON.parse(readFileSync(join(prefix, "executed.ipynb"), "utf8")) as { cells: Cell[]; metadata: Record<string, unknown> };
}

/** The code cell whose source contains `marker`. */
function cellOf(cells: Cell[], marker: string): Cell {
  const found = cells.filter((c) => c.cell_type === "code").find((c) => text(c.source).includes(marker));
  if (!found) throw new Error(`no cell containing ${marker}`);
  return found;
}

function errorsOf(cells: Cell[]): string[] {
  return cells.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "error")).map((e) => `${e.ename}: ${e.evalue}`);
}

/** A cell's last display (its final maps), or the last one whose text shows `map`. */
function lastDisplay(c: Cell, map?: string): Record<string, unknown> {
  const shown = (c.outputs ?? []).filter((o) => o.output_type === "display_data" && (!map || text(o.data?.["text/plain"]).startsWith(`${map}:`)));
  return shown.at(-1)?.data ?? {};
}

describe.skipIf(unavailable !== null || skipWithoutBpf())(`notebooks${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("hello.ipynb executes end to end with nbconvert: no errors, a read-size histogram, a %%ts result", async () => {
    // Opens and reads a file every few milliseconds until killed.
    const nb = await execute(NOTEBOOK, () =>
      spawn(process.execPath, ["-e", 'const fs = require("node:fs"); setInterval(() => fs.readFileSync("/proc/self/stat"), 5);'], { stdio: "ignore", detached: true }),
    );
    expect(nb.metadata.kernelspec).toEqual({ name: "tracebook", display_name: "Tracebook (bpftrace)", language: "bpftrace" });
    const cell = (marker: string) => cellOf(nb.cells, marker);
    expect(errorsOf(nb.cells)).toEqual([]);

    expect(text(cell("hello, world").outputs?.find((o) => o.output_type === "stream")?.text)).toBe("hello, world\n");
    expect(text(cell("%probes").outputs?.find((o) => o.output_type === "stream")?.text))
      .toMatch(/^tracepoint:syscalls:sys_enter_openat$/m);

    const hist = (cell("@bytes = hist").outputs ?? []).filter((o) => o.output_type === "display_data" && o.data?.["image/svg+xml"] !== undefined);
    expect(hist.length).toBeGreaterThanOrEqual(1);
    const histData = hist.at(-1)?.data ?? {};
    expect(text(histData["image/svg+xml"])).toContain("<svg");
    expect(text(histData["text/plain"])).toContain("@bytes:");
    expect(histData["application/vnd.vegalite.v5+json"]).toBeDefined();

    const opens = (cell("@opens[comm]").outputs ?? []).filter((o) => o.output_type === "display_data");
    expect(opens.map((o) => text(o.data?.["text/plain"])).join("\n")).toMatch(/^@opens\[node\]: \d+$/m);

    const results = (cell("%%ts").outputs ?? []).filter((o) => o.output_type === "execute_result");
    expect(results).toHaveLength(1);
    const top = text(results[0]?.data?.["text/plain"]);
    expect(top).toMatch(/key: '[^']+', value: \d+/);
    expect(top.match(/key:/g)?.length).toBeLessThanOrEqual(3);
  });

  it("investigation.ipynb (the main job) finds the 512-byte copy: syscalls, read sizes, its parent, its stacks, a for-loop over an earlier cell's map", async () => {
    const nb = await execute(INVESTIGATION, () => spawn("bash", [join(ROOT, "scripts/slow-copy.sh")], { stdio: "ignore", detached: true }));
    expect(errorsOf(nb.cells)).toEqual([]);
    const cell = (marker: string) => cellOf(nb.cells, marker);

    const calls = text(lastDisplay(cell("@calls[syscall_name"))["text/plain"]);
    const count = (name: string) => Number(new RegExp(`^@calls\\[${name}\\]: (\\d+)$`, "m").exec(calls)?.[1] ?? 0);
    expect(count("read")).toBeGreaterThan(1000);
    expect(count("write")).toBeGreaterThan(1000);

    const sizes = text(lastDisplay(cell("@read_bytes"), "@read_bytes")["text/plain"]);
    const bucket = /^\[512, 1024\)\s+(\d+) \|@+\|$/m.exec(sizes);
    expect(Number(bucket?.[1] ?? 0)).toBeGreaterThan(1000);

    expect(text(lastDisplay(cell("@launched_by"))["text/plain"])).toMatch(/^@launched_by\[\d+, bash\]: \d+$/m);

    const flame = lastDisplay(cell("@stacks[kstack"));
    expect(flame["application/vnd.vegalite.v5+json"]).toBeDefined();
    expect(text(flame["image/svg+xml"])).toContain("<svg");

    const loop = text(cell("for ($kv : @calls)").outputs?.find((o) => o.output_type === "stream")?.text);
    const m = /^dd made (\d+) system calls in 2 s; the commonest one, (\d+) times$/m.exec(loop);
    expect(Number(m?.[1])).toBeGreaterThan(Number(m?.[2]));
    expect(Number(m?.[2])).toBe(Math.max(count("read"), count("write")));

    const result = text((cell("%%ts").outputs ?? []).find((o) => o.output_type === "execute_result")?.data?.["text/plain"]);
    expect(result).toMatch(/readWriteShare: '\d+%'/);
  });
});
