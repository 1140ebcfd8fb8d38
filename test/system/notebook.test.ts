// notebooks/hello.ipynb executed end to end by Jupyter's own tooling (nbconvert's
// ExecutePreprocessor, nbclient), with the kernelspec from a temporary prefix and the real
// interpreter: a 2 s read-size histogram, an openat count by process, a %%ts cell over it.
// While it runs, the test keeps a workload opening and reading a file, so both maps are
// certain to have data.
import { execFile, spawn } from "node:child_process";
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

describe.skipIf(unavailable !== null || skipWithoutBpf())(`notebooks/hello.ipynb${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("executes end to end with nbconvert: no errors, a read-size histogram, a %%ts result", async () => {
    ensureBuilt();
    const prefix = mkdtempSync(join(tmpdir(), "tb-notebook-"));
    execFileSync(process.execPath, [join(ROOT, "bin/tracebook.js"), "install", "--prefix", prefix], { stdio: "ignore" });

    // Opens and reads a file every few milliseconds until killed.
    const workload = spawn(
      process.execPath,
      ["-e", 'const fs = require("node:fs"); setInterval(() => fs.readFileSync("/proc/self/stat"), 5);'],
      { stdio: "ignore" },
    );
    try {
      await promisify(execFile)(
        JUPYTER,
        ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120",
          "--output-dir", prefix, "--output", "executed", NOTEBOOK],
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
      workload.kill("SIGKILL");
    }

    const nb = JSON.parse(readFileSync(join(prefix, "executed.ipynb"), "utf8")) as { cells: Cell[]; metadata: Record<string, unknown> };
    expect(nb.metadata.kernelspec).toEqual({ name: "tracebook", display_name: "Tracebook (bpftrace)", language: "bpftrace" });
    const code = nb.cells.filter((c) => c.cell_type === "code");
    const cell = (marker: string): Cell => {
      const found = code.find((c) => text(c.source).includes(marker));
      if (!found) throw new Error(`no cell containing ${marker}`);
      return found;
    };

    const errors = code.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "error"));
    expect(errors.map((e) => `${e.ename}: ${e.evalue}`)).toEqual([]);

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
});
