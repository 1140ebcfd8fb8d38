// The notebook's %pid (and %%bt --pid for one cell): it scopes the following DSL cells like `-p PID` (a uprobe counts
// only that process's calls; the cell ends by itself when the process exits), `%pid`
// alone shows it, `%pid off` clears it, and a process that does not exist is refused.
// Driven through the real interpreter (magics/interpreter.ts) with real BPF programs.
import { describe, expect, it } from "vitest";
import type { CellContext, ExecuteOutcome, Interpreter } from "../../kernel/interpreter.ts";
import { createInterpreter } from "../../magics/interpreter.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startC, workloadBinary } from "../helpers/workload.ts";

interface Cell {
  readonly outcome: ExecuteOutcome;
  readonly stdout: string;
  readonly texts: string[];
}

let count = 0;

/** Run one cell; `onAttached` runs at the first display (the live display made once attached). */
async function cell(interp: Interpreter, code: string, onAttached?: () => void, timeoutMs = 15_000): Promise<Cell> {
  let stdout = "";
  const texts: string[] = [];
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  const ctx: CellContext = {
    executionCount: ++count,
    stream: (_name, text) => void (stdout += text),
    display: (data) => {
      if (texts.length === 0) onAttached?.();
      texts.push(String(data["text/plain"] ?? ""));
    },
    signal: ctl.signal,
  };
  const outcome = await interp.execute(code, ctx);
  clearTimeout(timer);
  return { outcome, stdout, texts };
}

describe.skipIf(skipWithoutBpf())("%pid", () => {
  it("scopes a uprobe cell to the process and ends the cell when it exits; %pid shows and clears it", async () => {
    const interp = createInterpreter();
    const bin = workloadBinary();
    const [a, b] = [await startC(["uprobe", "6", "/a"]), await startC(["uprobe", "4", "/b"])];
    try {
      expect((await cell(interp, `%pid ${b.pid}`)).outcome.status).toBe("ok");
      expect((await cell(interp, "%pid")).stdout).toBe(`target process: ${b.pid}\n`);
      const started = Date.now();
      const traced = await cell(interp, `uprobe:${bin}:handleRequest { @calls = count(); }`, () => void Promise.all([a.go(), b.go()]));
      expect(traced.outcome.status).toBe("ok");
      // Ended by b's exit, long before the cell's 15 s abort.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(traced.texts.at(-1)).toBe("@calls: 4\n");
      expect((await cell(interp, "%pid off")).outcome.status).toBe("ok");
      expect((await cell(interp, "%pid")).stdout).toBe("no target process (%pid PID sets one)\n");
    } finally {
      a.kill();
      b.kill();
      await interp.shutdown();
    }
  });

  it("%%bt --pid N scopes one cell", async () => {
    const interp = createInterpreter();
    const bin = workloadBinary();
    const [a, b] = [await startC(["uprobe", "3", "/a"]), await startC(["uprobe", "2", "/b"])];
    try {
      const traced = await cell(interp, `%%bt --pid ${a.pid}\nuprobe:${bin}:handleRequest { @calls = count(); }`, () => void Promise.all([a.go(), b.go()]));
      expect(traced.outcome.status).toBe("ok");
      expect(traced.texts.at(-1)).toBe("@calls: 3\n");
      expect((await cell(interp, "%pid")).stdout).toBe("no target process (%pid PID sets one)\n");
      expect((await cell(interp, "%%bt --pid 4194000\nBEGIN { exit(); }")).outcome).toMatchObject({ status: "error", evalue: "%%bt --pid: no such process: 4194000" });
    } finally {
      a.kill();
      b.kill();
      await interp.shutdown();
    }
  });

  it("refuses a process that does not exist", async () => {
    const interp = createInterpreter();
    const r = await cell(interp, "%pid 4194000");
    expect(r.outcome).toMatchObject({ status: "error", ename: "UsageError", evalue: "%pid: no such process: 4194000" });
    expect((await cell(interp, "%pid")).stdout).toBe("no target process (%pid PID sets one)\n");
    await interp.shutdown();
  });
});
