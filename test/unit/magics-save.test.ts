// %save's script from recorded cells (magics/save-script.ts): BEGIN/END merged with their
// exit() calls dropped, tracing cells kept to their elapsed windows, %params written in,
// %pid/-c/program options as comments; %load hands the file back as set_next_input.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { savedScript, ScriptHistory, type SavedCell } from "../../magics/save-script.ts";
import { runLineMagic } from "../../magics/line-magics.ts";
import { Session } from "../../bpf/session.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { Replay } from "../../magics/replay.ts";
import type { MagicContext } from "../../magics/interpreter.ts";
import { parse } from "../../bpf/lang/index.ts";

const info = { version: "0.1.0", host: "box", when: new Date("2026-12-03T10:00:00.123Z") };
const cell = (n: number, source: string, more: Partial<SavedCell> = {}): SavedCell => ({
  cell: n, source, positional: [], options: [], ranMs: 0, reason: "begin-only", ...more,
});
const HEADER = "// One program runs every cell at once: each cell's probes keep to the time the cell ran\n// (its elapsed window); BEGIN and END blocks are merged, in cell order.\n";

describe("savedScript", () => {
  it("merges BEGIN-only cells into one BEGIN that exits, with positional parameters written in", () => {
    const text = savedScript([
      cell(1, 'BEGIN { printf("hello %s %d of %d\\n", str($1), $2, $#); exit(); }', { positional: ["world", "7"] }),
      cell(2, "BEGIN /$1 > 0/ { @x = $1 + $3; exit() }", { positional: ["5"] }),
    ], info);
    expect(text).toBe(
      "// Saved by Tracebook 0.1.0 (%save) on box, 2026-12-03T10:00:00Z: 2 cells.\n" + HEADER + "\n" +
      "BEGIN {\n" +
      "  // cell [1]: %params world 7\n" +
      '  printf("hello %s %d of %d\\n", "world", 7, 2);\n' +
      "  // cell [2]: %params 5\n" +
      "  if (5 > 0) { @x = 5 + 0; }\n" +
      "  exit();\n" +
      "}\n");
  });

  it("keeps each tracing cell to its window and ends when the last one closes", () => {
    const text = savedScript([
      cell(1, 'BEGIN { printf("start\\n"); }\ntracepoint:syscalls:sys_enter_openat /comm == "dd"/ { @opens = count(); }', { durationMs: 2000, reason: "timeout", ranMs: 2004 }),
      cell(2, "tracepoint:syscalls:sys_exit_read { @bytes = hist(args->ret); if (@bytes > 3) { exit(); } }", { ranMs: 1500.2, reason: "interrupt" }),
      cell(3, "profile:hz:99 { @s[kstack] = count(); }\nEND { printf(\"end\\n\"); }", { durationMs: 500, reason: "timeout", ranMs: 501 }),
    ], info);
    expect(text).toContain(
      "BEGIN {\n  // cell [1]: --for 2s\n  printf(\"start\\n\");\n}\n\n" +
      "// cell [1]: --for 2s\n" +
      'tracepoint:syscalls:sys_enter_openat /(elapsed < 2000000000) && (comm == "dd")/ { @opens = count(); }\n\n' +
      "// cell [2]: ran 1501ms (interrupt)\n" +
      "tracepoint:syscalls:sys_exit_read /elapsed >= 2000000000 && elapsed < 3501000000/ { @bytes = hist(args->ret); if (@bytes > 3) {  } }\n\n" +
      "// cell [3]: --for 500ms\n" +
      "profile:hz:99 /elapsed >= 3501000000/ { @s[kstack] = count(); }\n\n" +
      "END {\n  // cell [3]\n  printf(\"end\\n\");\n}\n\n" +
      "// the last cell's window closes at 4001ms\ninterval:ms:4001 { exit(); }\n");
    // what it wrote parses
    expect(parse(text).diagnostics).toEqual([]);
  });

  it("a single tracing cell gets no window, and one that ends by its own exit() keeps it", () => {
    const one = savedScript([cell(4, "tracepoint:syscalls:sys_enter_getppid { @n = count(); }", { durationMs: 1000, reason: "timeout" })], info);
    expect(one).toContain("// cell [4]: --for 1s\ntracepoint:syscalls:sys_enter_getppid { @n = count(); }\n\n// the last cell's window closes at 1s\ninterval:ms:1000 { exit(); }\n");
    expect(one).not.toContain("elapsed <");
    const ends = savedScript([cell(4, "tracepoint:syscalls:sys_enter_getppid { @n = count(); if (@n == 3) { exit(); } }", { ranMs: 70, reason: "exit" })], info);
    expect(ends).toContain("if (@n == 3) { exit(); }");
    expect(ends).not.toContain("interval:");
  });

  it("says on the command line what has no in-script form: %pid, -c, program options", () => {
    const text = savedScript([
      cell(1, "uprobe:/bin/bash:readline { @n = count(); }", { pid: 42, durationMs: 1000, reason: "timeout" }),
      cell(2, "tracepoint:syscalls:sys_enter_openat { @o = count(); }", { cmd: "ls -l /tmp", ranMs: 30, reason: "process-exit", options: ["depth=5"] }),
      cell(3, "interval:s:1 { @b = count(); }", { reason: "detached" }),
    ], info);
    expect(text).toContain("// cell [1] traced process 42 (%pid): run the script with -p PID\n");
    expect(text).toContain('// cell [2] traced a command: run the script with -c "ls -l /tmp"\n');
    expect(text).toContain("// cell [2] had program options: tracebook FILE.bt -- --depth=5\n");
    // a background job runs from its start to the end: the script runs until interrupted
    expect(text).toContain("// cell [3]: in the background\ninterval:s:1 /elapsed >= 1030000000/ { @b = count(); }");
    expect(text).not.toContain("interval:ms:");
  });

  it("keeps the preamble (#define, struct, macros) of each cell above the probes", () => {
    const text = savedScript([cell(1, '#define LIMIT 3\nBEGIN { printf("%d\\n", LIMIT); exit(); }')], info);
    expect(text).toContain("// cell [1]\n#define LIMIT 3\n\nBEGIN {\n");
  });

  it("a cell run again replaces its record", () => {
    const h = new ScriptHistory();
    h.record(cell(1, "BEGIN { @a = 1; }", { cellId: "x" }));
    h.record(cell(2, "BEGIN { @b = 1; }", { cellId: "y" }));
    h.record(cell(3, "BEGIN { @a = 2; }", { cellId: "x" }));
    expect(h.cells.map((c) => c.cell)).toEqual([2, 3]);
  });
});

describe("%load", () => {
  it("puts the file into the next cell (set_next_input), and says why it cannot", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tb-load-"));
    const file = join(dir, "x.bt");
    writeFileSync(file, "BEGIN { exit(); }\n");
    const out: string[] = [];
    const ctx = { executionCount: 1, stream: (_: string, t: string) => void out.push(t), display: () => undefined, signal: new AbortController().signal };
    const m: MagicContext = { session: new Session(recordedEnv(join(import.meta.dirname, "../fixtures/tracefs"))), settings: { positional: [], options: [], durationMs: undefined, pid: undefined }, ctx, origin: "cell[1]", replay: new Replay() };
    expect(await runLineMagic(m, `%load ${file}`)).toEqual({ status: "ok", payload: [{ source: "set_next_input", text: readFileSync(file, "utf8"), replace: false }] });
    const missing = await runLineMagic(m, `%load ${join(dir, "nope.bt")}`);
    expect(missing.status === "error" && missing.evalue).toMatch(/^%load: cannot read .*nope\.bt: ENOENT/);
    const exists = await runLineMagic(m, `%save ${file}`);
    expect(exists.status === "error" && exists.evalue).toBe(`%save: ${file} exists; %save -f ${file} overwrites it`);
  });
});
