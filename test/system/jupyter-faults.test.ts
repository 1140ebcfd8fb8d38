// Faults during a run, through the real kernel process and a real client: the traced
// process exits mid-trace, a hash map fills, the ring buffer overflows, tracefs is unmounted
// mid-session (in a mount namespace of the kernel's own: the machine's tracefs stays for
// everyone else). Each says what happened, with exact counts from workloads of our own, and
// the session keeps its other maps and its background job.
import { execFileSync } from "node:child_process";
import { existsSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../kernel/message.ts";
import { startKernel, type KernelProcess } from "../helpers/jupyter-kernel-process.ts";
import { displayTexts, runCell, streamText, untilAttached } from "../helpers/jupyter-cells.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startC, type Workload } from "../helpers/workload.ts";

const KEEP = "BEGIN { @keep[1] = 7; @keep[2] = 9; exit(); }";
const JOB = "%%bt --background\ninterval:ms:20 { @bg = count(); }";

/** The count a `%print @m` of a scalar count map shows. */
async function printed(k: KernelProcess, map: string): Promise<number> {
  const text = displayTexts((await runCell(k, `%print ${map}`)).iopub).join("");
  const m = new RegExp(`^${map}: (\\d+)$`, "m").exec(text);
  if (!m) throw new Error(`%print ${map} showed ${JSON.stringify(text)}`);
  return Number(m[1]);
}

/** The earlier map is as it was; the background job is listed and still counting. */
async function sessionKept(k: KernelProcess): Promise<void> {
  expect(displayTexts((await runCell(k, "%print @keep")).iopub).join("")).toBe("@keep[1]: 7\n@keep[2]: 9\n");
  expect(streamText((await runCell(k, "%jobs")).iopub)).toMatch(/^\[1\] cell\[\d+\] since .*: interval:ms:20 \{ @bg = count\(\); \}\n$/);
  const before = await printed(k, "@bg");
  await new Promise((r) => setTimeout(r, 200));
  expect(await printed(k, "@bg")).toBeGreaterThan(before);
}

/** Runs `code` (given the workload's pid) while the workload runs, from the moment the probes are attached. */
async function traced(k: KernelProcess, w: Workload, code: string): Promise<{ reply: Message; iopub: Message[] }> {
  try {
    const id = await k.client.execute(code);
    await untilAttached(k, id);
    await w.go();
    return await k.client.complete(id, 60_000);
  } finally {
    w.kill();
  }
}

const summaryOf = (iopub: readonly Message[]) => displayTexts(iopub).find((t) => / probes ran /.test(t)) ?? "";

describe.skipIf(skipWithoutBpf())("faults during a run", () => {
  describe("in one session", () => {
    let k: KernelProcess;
    beforeAll(async () => {
      k = await startKernel();
      expect((await runCell(k, KEEP)).reply.content.status).toBe("ok");
      expect((await runCell(k, JOB)).reply.content.status).toBe("ok");
    });
    afterAll(async () => {
      await k?.stop();
    });

    it("the traced process exits mid-trace (--pid): the cell ends by itself and says why", async () => {
      const w = await startC(["sleep", "10", "50000000"]); // ten naps of 50 ms
      const id = await k.client.execute(`%%bt --pid ${w.pid}\ntracepoint:syscalls:sys_enter_clock_nanosleep { @naps = count(); }`);
      await untilAttached(k, id);
      expect(displayTexts(k.client.children(id, "iopub")).at(-1)).toMatch(new RegExp(`^1 probes attached; running \\ds, until process ${w.pid} exits, exit\\(\\) or interrupt; `));
      const t0 = performance.now();
      await w.go();
      const { reply, iopub } = await k.client.complete(id, 30_000);
      w.kill();
      expect(reply.content.status).toBe("ok");
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(summaryOf(iopub)).toMatch(new RegExp(`^1 probes ran [\\d.]+s \\(process ${w.pid} exited\\); 0 events read, 0 lost$`));
      expect(displayTexts(iopub).at(-1)).toBe("@naps: 10\n");
      await sessionKept(k);
    });

    it("a hash map at its max entries: the updates that did not fit are counted and warned about; the other maps are whole", async () => {
      const w = await startC(["openat", "100", "/nonexistent-tracebook-faults"]);
      const { reply, iopub } = await traced(k, w, `%%bt --pid ${w.pid}\nconfig = { max_map_keys = 10 }\ntracepoint:syscalls:sys_enter_openat { @full[nsecs] = count(); @opens = count(); }`);
      expect(reply.content.status).toBe("ok");
      expect(streamText(iopub, "stderr")).toBe("WARNING: Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @full = hash(5000)` (@full: 90 failed updates)\n");
      const finals = displayTexts(iopub);
      expect(finals.filter((t) => t.startsWith("@full[")).at(-1)?.trim().split("\n")).toHaveLength(10);
      expect(finals.at(-1)).toBe("@opens: 100\n");
      // each map's output records the drops (metadata.tracebook.mapFullDrops)
      const metas = iopub.map((m) => (m.content.metadata as { tracebook?: { mapFullDrops?: unknown } } | undefined)?.tracebook?.mapFullDrops).filter(Boolean);
      expect(metas.length).toBeGreaterThan(0);
      for (const drops of metas) expect(drops).toEqual({ "@full": 90 });
      await sessionKept(k);
    });

    it("the ring buffer overflows: lost events are counted, and read + lost is every event", async () => {
      const n = 20_000;
      const w = await startC(["openat", String(n), "/nonexistent-tracebook-faults"]);
      // one page of ring buffer (128 records of 32 bytes): the writer outruns the reader
      const { reply, iopub } = await traced(k, w, `%%bt --pid ${w.pid}\nconfig = { perf_rb_pages = 1 }\ntracepoint:syscalls:sys_enter_openat { printf("%d\\n", pid); }`);
      expect(reply.content.status).toBe("ok");
      const [, read, lost] = /; ([\d,]+) events read, ([\d,]+) lost$/.exec(summaryOf(iopub))?.map((x) => x.replace(/,/g, "")) ?? [];
      console.log(`ring buffer of one page, ${n} events: ${read} read, ${lost} lost`);
      expect(Number(lost)).toBeGreaterThan(0);
      expect(Number(read) + Number(lost)).toBe(n);
      expect(streamText(iopub, "stderr")).toBe(`Lost ${lost} events\n`);
      const lines = streamText(iopub, "stdout").split("\n").filter((l) => l === String(w.pid)).length;
      expect(lines).toBe(Math.min(Number(read), 10_000));
      await sessionKept(k);
    });
  });

  describe("tracefs unmounted mid-session (a mount namespace of the kernel's own)", () => {
    let k: KernelProcess;
    let w: Workload | undefined;
    const ns = (pid: number, ...cmd: string[]) => execFileSync("nsenter", ["-t", String(pid), "-m", ...cmd], { stdio: "pipe" });
    beforeAll(async () => {
      k = await startKernel({}, { wrap: ["unshare", "-m"] });
    });
    afterAll(async () => {
      w?.kill();
      await k?.stop();
    });

    it("the next tracepoint cell says tracefs is gone and how to mount it; maps and the job (its tracepoint too) go on; mounted again, it works", async () => {
      const pid = k.proc.pid as number;
      expect(readlinkSync(`/proc/${pid}/ns/mnt`)).not.toBe(readlinkSync("/proc/self/ns/mnt"));
      w = await startC(["openat", "25", "/nonexistent-tracebook-faults"]);
      expect((await runCell(k, KEEP)).reply.content.status).toBe("ok");
      expect((await runCell(k, `%%bt --background\ntracepoint:syscalls:sys_enter_openat /pid == ${w.pid}/ { @job_opens = count(); } interval:ms:20 { @bg = count(); }`)).reply.content.status).toBe("ok");

      ns(pid, "umount", "/sys/kernel/tracing");
      // with debugfs mounted, tracefs is also reachable under it: gone there too
      for (const at of ["/sys/kernel/debug/tracing", "/sys/kernel/debug"]) {
        try {
          ns(pid, "umount", at);
        } catch {
          // not mounted in this namespace
        }
      }
      expect(existsSync("/sys/kernel/tracing/events"), "the machine's tracefs is untouched").toBe(true);

      const cell = "tracepoint:syscalls:sys_enter_getppid { @ppids = count(); }";
      const gone = await runCell(k, cell);
      expect(gone.reply.content).toMatchObject({ status: "error", evalue: expect.stringContaining("tracepoint:syscalls:sys_enter_getppid: tracefs is not mounted") });
      expect((gone.reply.content.traceback as string[]).join("\n")).toContain("mount -t tracefs nodev /sys/kernel/tracing (as root)");

      // the job's tracepoint was attached before: it counts the workload's opens exactly
      await w.go();
      expect(await printed(k, "@job_opens")).toBe(25);
      expect(displayTexts((await runCell(k, "%print @keep")).iopub).join("")).toBe("@keep[1]: 7\n@keep[2]: 9\n");
      const bg = await printed(k, "@bg");
      await new Promise((r) => setTimeout(r, 200));
      expect(await printed(k, "@bg")).toBeGreaterThan(bg);

      ns(pid, "mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing");
      const back = await runCell(k, `%%bt --for 200ms\n${cell}`);
      expect(back.reply.content.status).toBe("ok");
      expect(streamText((await runCell(k, "%stop 1")).iopub)).toBe("");
      expect(streamText((await runCell(k, "%jobs")).iopub)).toBe("no background jobs\n");
    });
  });
});
