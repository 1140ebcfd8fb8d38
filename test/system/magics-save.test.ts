// %save through the real kernel: a session's DSL cells (with %params and durations) saved
// as one script, which Debian's bpftrace 0.17 and our CLI both run with the same stdout,
// counting exactly what a workload does in each cell's window; %load hands it back.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE, startKernel, type KernelProcess } from "../helpers/jupyter-kernel-process.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startWorkload, workloadBinary } from "../helpers/workload.ts";

const BPFTRACE = "/usr/bin/bpftrace";

interface Run {
  readonly code: number | null;
  readonly stdout: string;
}

/**
 * Runs a tracer on `file`; once it says its probes are attached, starts `openat` workloads
 * at the given times (ms after the tracer was spawned), then waits for the tracer to end.
 */
async function trace(argv: readonly string[], attachedLine: RegExp, file: string, schedule: { atMs: number; opens: number }[]): Promise<Run> {
  const started = Date.now();
  const child = spawn(argv[0]!, [...argv.slice(1), file], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let attached!: () => void;
  const isAttached = new Promise<void>((r) => (attached = r));
  const look = () => attachedLine.test(stdout + stderr) && attached();
  child.stdout.on("data", (d: Buffer) => ((stdout += d), look()));
  child.stderr.on("data", (d: Buffer) => ((stderr += d), look()));
  const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  await Promise.race([isAttached, exited]);
  for (const s of schedule) {
    const wait = started + s.atMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const w = await startWorkload(workloadBinary(), ["openat", String(s.opens), "/tmp/tb-save-none"]);
    await w.go();
  }
  const code = await exited;
  if (code !== 0) throw new Error(`${argv.join(" ")} ${file} exited ${code}: ${stderr}`);
  return { code, stdout };
}

describe.skipIf(skipWithoutBpf())("%save and %load through the kernel", () => {
  let k: KernelProcess;
  const dir = mkdtempSync(join(tmpdir(), "tb-save-"));
  const file = join(dir, "session.bt");
  const cell = async (code: string, timeoutMs = 20_000) => {
    const id = await k.client.execute(code);
    return k.client.complete(id, timeoutMs);
  };
  beforeAll(async () => {
    k = await startKernel();
  }, 30_000);
  afterAll(async () => {
    await k?.stop();
  });

  it("saves the cells as one script that bpftrace and tracebook run with the same output", async () => {
    for (const code of [
      "%params 7 world",
      'BEGIN { printf("hello %s, %d\\n", str($2), $1); exit(); }',
      '%%bt --for 3s\ntracepoint:syscalls:sys_enter_openat /str(args->filename) == "/tmp/tb-save-none"/ { @opens = count(); }',
      '%%bt --for 3s\ntracepoint:syscalls:sys_enter_openat /str(args->filename) == "/tmp/tb-save-none"/ { @late = count(); }',
      'END { printf("bye\\n"); }',
    ]) expect((await cell(code)).reply.content.status, code).toBe("ok");
    const saved = await cell(`%save ${file}`);
    expect(saved.reply.content.status).toBe("ok");
    expect(JSON.stringify(saved.iopub.map((m) => m.content))).toContain(`saved 4 cells ([2] [3] [4] [5]) to ${file}`);
    const script = readFileSync(file, "utf8");
    expect(script).toContain('printf("hello %s, %d\\n", "world", 7);');
    expect(script).toContain('tracepoint:syscalls:sys_enter_openat /(elapsed < 3000000000) && (str(args->filename) == "/tmp/tb-save-none")/ { @opens = count(); }');
    expect(script).toContain('tracepoint:syscalls:sys_enter_openat /(elapsed >= 3000000000) && (str(args->filename) == "/tmp/tb-save-none")/ { @late = count(); }');
    expect(script).toContain("interval:ms:6000 { exit(); }");

    // 5 opens early in the first window, 3 in the middle of the second (the clock starts
    // when the tracer does, a few hundred ms after it was spawned)
    const schedule = [{ atMs: 0, opens: 5 }, { atMs: 4500, opens: 3 }];
    const ours = await trace([process.execPath, BUNDLE], /Attached \d+ probes/, file, schedule);
    const theirs = await trace([BPFTRACE], /Attaching \d+ probes\.\.\./, file, schedule);
    const expected = "hello world, 7\nbye\n\n\n@late: 3\n@opens: 5\n";
    expect(ours.stdout).toBe(expected);
    expect(theirs.stdout.replace(/^Attaching \d+ probes\.\.\.\n/, "")).toBe(expected);
  }, 90_000);

  it("%load puts the saved script into the next cell", async () => {
    expect(existsSync(file)).toBe(true);
    const r = await cell(`%load ${file}`);
    expect(r.reply.content.status).toBe("ok");
    expect(r.reply.content.payload).toEqual([{ source: "set_next_input", text: readFileSync(file, "utf8"), replace: false }]);
  });
});
