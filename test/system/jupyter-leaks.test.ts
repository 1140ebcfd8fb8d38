// Nothing of a cell stays in the kernel process after it ended, however it ended: normal
// end, exit(), interrupt, parse error, type error, verifier rejection, an attach that fails
// halfway through a multi-probe cell, a background job stopped; nothing stays attached after
// shutdown or SIGKILL. Checked in the real kernel process (its fds, the ids of the BPF
// programs, maps and links behind them, its perf events, its ring-buffer mappings), through
// a real client. Other developers load BPF programs on this machine at the same time: the
// checks look at this kernel's own objects, and at the machine only for ids it held.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelProcess } from "../helpers/jupyter-kernel-process.ts";
import { runCell, streamText, untilAttached } from "../helpers/jupyter-cells.ts";
import { heldAgain, heldObjects, processObjects, settledObjects, systemBpfIds, type ProcessObjects } from "../helpers/process-objects.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

/** The cells' maps, made once before the baseline: every cell below only reuses them. */
const MAPS = "BEGIN { @leak_a = count(); @leak_b = count(); exit(); }";
/** A perf event each (tracepoint, interval) and a BPF link (raw tracepoint). */
const TICKING = "tracepoint:syscalls:sys_enter_getppid { @leak_a = count(); } interval:ms:50 { @leak_b = count(); } rawtracepoint:sched_process_fork { @leak_a = count(); }";

/** Waits until the process holds what it held at `base` again, and checks it does. */
async function backTo(k: KernelProcess, base: ProcessObjects): Promise<void> {
  const now = await heldAgain(k.proc.pid as number, base);
  expect({ ...heldObjects(now), fds: base.fds }).toEqual(heldObjects(base));
  expect(now.fds).toBeLessThanOrEqual(base.fds);
}

describe.skipIf(skipWithoutBpf())("no leaks", () => {
  describe("each way a cell ends leaves nothing of it", () => {
    let k: KernelProcess;
    let base: ProcessObjects;
    beforeAll(async () => {
      k = await startKernel();
      expect((await runCell(k, MAPS)).reply.content.status).toBe("ok");
      // the engine is warm (tracefs formats, BTF, vega): what it keeps between cells is in `base`
      expect((await runCell(k, `%%bt --for 200ms\n${TICKING}`)).reply.content.status).toBe("ok");
      base = await settledObjects(k.proc.pid as number);
    });
    afterAll(async () => {
      await k?.stop();
    });

    const endings: [string, string, Record<string, unknown>][] = [
      ["a normal end (--for)", `%%bt --for 300ms\n${TICKING}`, { status: "ok" }],
      ["exit()", "tracepoint:syscalls:sys_enter_getppid { @leak_a = count(); } interval:ms:100 { @leak_b = count(); exit(); }", { status: "ok" }],
      ["a parse error", "tracepoint:syscalls:sys_enter_getppid { @leak_a = count( }", { status: "error", ename: "ParseError" }],
      ["a type error", "tracepoint:syscalls:sys_enter_getppid { @leak_a = hist(1); }", { status: "error", ename: "TypeError" }],
      // the first program loads, the second is rejected (1,000,001 instructions processed)
      ["a verifier rejection of the second program", "tracepoint:syscalls:sys_enter_getppid { @leak_a = count(); } interval:ms:100 { $i = 0; while ($i < 100000000) { $i++; } }", { status: "error", ename: "VerifierError" }],
      // the tracepoint is attached when the uprobe fails (an offset past the end of the file)
      ["an attach that fails halfway", "tracepoint:syscalls:sys_enter_getppid { @leak_a = count(); } uprobe:/bin/true:0x7fff0000 { @leak_b = count(); }", { status: "error", ename: "AttachError" }],
    ];
    it.each(endings)("%s", async (_name, code, outcome) => {
      const { reply } = await runCell(k, code);
      expect(reply.content).toMatchObject(outcome);
      await backTo(k, base);
    });

    it("an interrupt (and its programs are gone from the machine)", async () => {
      const id = await k.client.execute(TICKING);
      await untilAttached(k, id);
      const running = processObjects(k.proc.pid as number);
      const cellProgs = running.progs.filter((p) => !base.progs.includes(p));
      expect(cellProgs.length).toBe(3);
      expect(running.perfEvents).toBeGreaterThan(base.perfEvents);
      expect(running.links.length).toBeGreaterThan(base.links.length);
      expect(running.bpfMappings).toBeGreaterThan(base.bpfMappings); // the cell's ring buffer
      await k.client.send("control", "interrupt_request");
      expect((await k.client.complete(id)).reply.content.status).toBe("ok");
      await backTo(k, base);
      await k.client.until(() => !cellProgs.some((p) => systemBpfIds().progs.has(p)), 15_000);
    });

    it("a background job, once stopped", async () => {
      const { reply } = await runCell(k, `%%bt --background\n${TICKING}`);
      expect(reply.content.status).toBe("ok");
      expect(processObjects(k.proc.pid as number).progs.length).toBe(base.progs.length + 3);
      const id = /\[(\d+)\]/.exec(streamText((await runCell(k, "%jobs")).iopub))?.[1];
      expect((await runCell(k, `%stop ${id}`)).reply.content.status).toBe("ok");
      await backTo(k, base);
    });
  });

  describe("a kernel that ends leaves nothing attached", () => {
    /** A kernel with a foreground cell running and a background job: the ids it holds. */
    async function busyKernel(): Promise<{ k: KernelProcess; held: ProcessObjects; cell: string }> {
      const k = await startKernel();
      try {
        expect((await runCell(k, `%%bt --background\n${TICKING}`)).reply.content.status).toBe("ok");
        const cell = await k.client.execute("tracepoint:syscalls:sys_enter_getpid { @fg = count(); } interval:ms:50 { @fg2 = count(); }");
        await untilAttached(k, cell);
        const held = processObjects(k.proc.pid as number);
        expect(held.progs.length).toBe(5);
        expect(held.perfEvents).toBeGreaterThanOrEqual(3);
        expect(held.links.length).toBe(1); // a link holds its program: the program's id gone is the link gone
        return { k, held, cell };
      } catch (e) {
        await k.stop();
        throw e;
      }
    }

    /** The machine no longer has any program or map the kernel held. */
    async function goneFromMachine(k: KernelProcess, held: ProcessObjects): Promise<void> {
      await k.client.until(() => {
        const now = systemBpfIds();
        return !held.progs.some((p) => now.progs.has(p)) && !held.maps.some((m) => now.maps.has(m));
      }, 15_000).catch(() => undefined);
      const now = systemBpfIds();
      expect(held.progs.filter((p) => now.progs.has(p))).toEqual([]);
      expect(held.maps.filter((m) => now.maps.has(m))).toEqual([]);
    }

    it("shutdown_request while a cell runs and a job is in the background: the process exits 0, its programs and maps are gone", async () => {
      const { k, held } = await busyKernel();
      try {
        const id = await k.client.send("control", "shutdown_request", { restart: false });
        await k.client.until(() => k.client.reply(id) !== undefined, 10_000);
        expect(await Promise.race([k.exited, new Promise((r) => setTimeout(() => r("still running"), 10_000))])).toBe(0);
        await goneFromMachine(k, held);
      } finally {
        await k.stop();
      }
    });

    it("SIGKILL: the kernel's programs, maps and perf events vanish with its fds", async () => {
      const { k, held } = await busyKernel();
      const pid = k.proc.pid as number;
      const before = systemBpfIds();
      expect(held.progs.every((p) => before.progs.has(p))).toBe(true);
      console.log(`before SIGKILL: kernel ${pid} holds programs ${held.progs.join(",")}, maps ${held.maps.join(",")}, links ${held.links.join(",") || "-"}, ${held.perfEvents} perf events`);
      k.proc.kill("SIGKILL");
      await k.exited;
      expect(existsSync(`/proc/${pid}/fd`)).toBe(false);
      await goneFromMachine(k, held);
      const after = systemBpfIds();
      console.log(`after SIGKILL: of those programs ${held.progs.filter((p) => after.progs.has(p)).length} loaded, of those maps ${held.maps.filter((m) => after.maps.has(m)).length}`);
      await k.stop();
    });
  });
});
