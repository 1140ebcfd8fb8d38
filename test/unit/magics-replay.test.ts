// Finding a cell's recording in saved notebooks (magics/replay.ts): by cell id first, then
// by exact source; cells without outputs hold no recording; when cells replay and why.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canTrace, Replay } from "../../magics/replay.ts";

const out = (t: string) => [{ output_type: "stream", name: "stdout", text: [t] }];

function notebook(cells: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), "tb-replay-"));
  const file = join(dir, "saved.ipynb");
  writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
  return file;
}

describe("replay", () => {
  const file = notebook([
    { id: "a", cell_type: "code", source: ["BEGIN { exit(); }"], outputs: out("by id\n") },
    { id: "b", cell_type: "code", source: "tracepoint:x:y { @n = count(); }\n", outputs: out("by source\n") },
    { id: "c", cell_type: "code", source: "BEGIN { printf(\"never ran\"); }", outputs: [] },
    { id: "d", cell_type: "markdown", source: "BEGIN { exit(); }" },
  ]);
  const r = new Replay(() => true);
  r.file = file;

  it("finds a cell by its id, whatever its source now", () => {
    expect(r.find("a", "something else")?.outputs).toEqual(out("by id\n"));
  });
  it("else by its exact source (lines joined, outer blank lines ignored)", () => {
    expect(r.find(undefined, "\ntracepoint:x:y { @n = count(); }")?.outputs).toEqual(out("by source\n"));
    expect(r.find("zz", "tracepoint:x:y { @n = count(); }")?.file).toBe(file);
  });
  it("a cell that never ran, a markdown cell or another source holds no recording", () => {
    expect(r.find("c", "BEGIN { printf(\"never ran\"); }")).toBeUndefined();
    expect(r.find(undefined, "BEGIN { exit(); } // changed")).toBeUndefined();
  });
  it("replays where it cannot trace (auto), always when on, never when off", () => {
    const blind = new Replay(() => false);
    expect(blind.reason()).toMatch(/cannot trace: it has neither CAP_BPF with CAP_PERFMON nor CAP_SYS_ADMIN/);
    blind.mode = "off";
    expect(blind.reason()).toBeUndefined();
    const root = new Replay(() => true);
    expect(root.reason()).toBeUndefined();
    root.mode = "on";
    expect(root.reason()).toBe("%replay on");
  });
  it("reads capabilities: CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON", () => {
    expect(canTrace(1n << 21n)).toBe(true);
    expect(canTrace((1n << 38n) | (1n << 39n))).toBe(true);
    expect(canTrace(1n << 39n)).toBe(false);
    expect(canTrace(0n)).toBe(false);
  });
});
