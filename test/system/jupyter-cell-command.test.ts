// `%%bt -c "CMD"` in the real kernel process over Jupyter's protocol: the command starts
// once the probes are attached, `cpid` is its pid, uprobes are scoped to it, its output is
// the cell's stream, the cell ends when it exits; a command that does not exist is a clear
// error that leaves nothing attached; an interrupt or --for ends the command with the cell.
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../kernel/message.ts";
import { bpfFds, startKernel, type KernelProcess } from "../helpers/jupyter-kernel-process.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startC, workloadBinary } from "../helpers/workload.ts";

const OPENS = `
tracepoint:syscalls:sys_enter_openat /pid == cpid/ { @opens = count(); }
tracepoint:syscalls:sys_exit_openat /pid == cpid && args.ret < 0/ { @failed = count(); }`;

function streamText(iopub: readonly Message[], name = "stdout"): string {
  return iopub.filter((m) => m.header.msg_type === "stream" && m.content.name === name).map((m) => String(m.content.text)).join("");
}

/** The text/plain of every display and display update, in order. */
function displayTexts(iopub: readonly Message[]): string[] {
  return iopub
    .filter((m) => m.header.msg_type === "display_data" || m.header.msg_type === "update_display_data")
    .map((m) => String((m.content.data as Record<string, unknown>)["text/plain"] ?? ""));
}

/** The last text shown for map `name` ("@failed: 17\n"). */
function lastMap(iopub: readonly Message[], name: string): string | undefined {
  return displayTexts(iopub).filter((t) => t.startsWith(`${name}:`) || t.startsWith(`${name}[`)).at(-1);
}

/** A process that is gone (or a zombie: exited, not yet reaped). */
function gone(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return true;
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true;
  }
}

describe.skipIf(skipWithoutBpf())("%%bt -c CMD in the kernel process", () => {
  let k: KernelProcess;
  const run = async (code: string, timeoutMs = 20_000) => k.client.complete(await k.client.execute(code), timeoutMs);

  // The workload starts at once (WORKLOAD_NOW): the cell holds it back until attached.
  beforeAll(async () => {
    k = await startKernel({ WORKLOAD_NOW: "1" });
  });
  afterAll(async () => {
    await k?.stop();
  });

  it("runs the command under the probes: exactly its 17 failing opens, its output in the stream, the cell ends when it exits", async () => {
    const bin = workloadBinary();
    const t0 = Date.now();
    // the header's quoting: the path with a space stays one argument of the command
    const { reply, iopub } = await run(`%%bt --for 60s -c "${bin} openat 17 '/nonexistent/tracebook cmd'"${OPENS}`, 30_000);
    const took = Date.now() - t0;
    expect(reply.content.status).toBe("ok");
    expect(lastMap(iopub, "@failed")).toBe("@failed: 17\n");
    // its successful opens are the dynamic loader's (ld.so.cache, libc), after the exec
    expect(Number(/^@opens: (\d+)$/m.exec(lastMap(iopub, "@opens") ?? "")?.[1])).toBeGreaterThanOrEqual(17);
    expect(streamText(iopub)).toContain("ready\n");
    // ended by the command's exit, long before the 60 s of --for
    expect(took).toBeLessThan(10_000);
    expect(displayTexts(iopub).some((t) => /probes ran [\d.]+s \(the command exited\)/.test(t))).toBe(true);
  });

  it("cpid is the command's pid, and its stderr goes to the cell's stderr", async () => {
    const { reply, iopub } = await run(`%%bt --cmd='/bin/sh -c "echo out; echo err >&2; echo pid \\$\\$"'
BEGIN { printf("cpid %d\\n", cpid); }
tracepoint:syscalls:sys_enter_exit_group /pid == cpid/ { @left = count(); }`);
    expect(reply.content.status).toBe("ok");
    const out = streamText(iopub);
    const cpid = /^cpid (\d+)$/m.exec(out)?.[1];
    expect(cpid).toBeDefined();
    expect(out).toContain("out\n");
    expect(out).toContain(`pid ${cpid}\n`);
    expect(streamText(iopub, "stderr")).toBe("err\n");
    expect(lastMap(iopub, "@left")).toBe("@left: 1\n");
  });

  it("scopes a uprobe to the command: another copy of the program is not counted", async () => {
    const bin = workloadBinary();
    // runs for seconds unprobed, so it overlaps the cell's command
    const other = await startC(["uprobe", "2000000000", "/other"]);
    void other.go();
    try {
      const { reply, iopub } = await run(`%%bt -c "${bin} uprobe 5 /child"\nuprobe:${bin}:handleRequest { @calls[pid == cpid] = count(); }`);
      expect(reply.content.status).toBe("ok");
      expect(lastMap(iopub, "@calls")).toBe("@calls[true]: 5\n");
    } finally {
      other.kill();
    }
  });

  it("a command that does not exist is a clear error; nothing stays attached and the kernel goes on", async () => {
    const pid = k.proc.pid as number;
    const before = bpfFds(pid);
    const { reply, iopub } = await run(`%%bt -c "/nonexistent/tracebook-no-such-program --flag"${OPENS}`);
    expect(reply.content).toMatchObject({ status: "error", ename: "CommandError", evalue: "command not found: /nonexistent/tracebook-no-such-program" });
    expect(iopub.some((m) => m.header.msg_type === "error")).toBe(true);
    const bare = await run(`%%bt -c tracebook-no-such-command${OPENS}`);
    expect(bare.reply.content).toMatchObject({ status: "error", evalue: "command not found: tracebook-no-such-command" });
    const after = bpfFds(pid);
    expect({ progs: after.progs, links: after.links, perfEvents: after.perfEvents }).toEqual({ progs: before.progs, links: before.links, perfEvents: before.perfEvents });
    expect(streamText((await run("%jobs")).iopub)).toBe("no background jobs\n");
    const next = await run('BEGIN { printf("still here\\n"); exit(); }');
    expect(next.reply.content.status).toBe("ok");
    expect(streamText(next.iopub)).toBe("still here\n");
  });

  it("an interrupt ends the cell and kills its command; so does --for expiring", async () => {
    const id = await k.client.execute(`%%bt -c "sleep 30"\nBEGIN { printf("cpid %d\\n", cpid); }\ntracepoint:syscalls:sys_enter_openat /pid == cpid/ { @opens = count(); }`);
    await k.client.until(() => k.client.children(id, "iopub").some((m) => m.header.msg_type === "display_data"), 10_000);
    const cpid = Number(/^cpid (\d+)$/m.exec(streamText(k.client.children(id, "iopub")))?.[1]);
    expect(cpid).toBeGreaterThan(0);
    expect(gone(cpid)).toBe(false);
    await k.client.send("control", "interrupt_request");
    const { reply } = await k.client.complete(id, 5000);
    expect(reply.content.status).toBe("ok");
    await k.client.until(() => gone(cpid), 2000);

    const t0 = Date.now();
    const timed = await run(`%%bt --for 1s -c "sleep 30"\nBEGIN { printf("cpid %d\\n", cpid); }\ntracepoint:syscalls:sys_enter_openat /pid == cpid/ { @opens = count(); }`);
    expect(timed.reply.content.status).toBe("ok");
    expect(Date.now() - t0).toBeLessThan(5000);
    const timedPid = Number(/^cpid (\d+)$/m.exec(streamText(timed.iopub))?.[1]);
    expect(timedPid).toBeGreaterThan(0);
    await k.client.until(() => gone(timedPid), 2000);
  });
});
