// A long session in one kernel process: cells of every kind and ending, one after another
// (120 by default, TRACEBOOK_SOAK=N for more). Afterwards the kernel holds exactly what it
// held after its warm-up (fds, BPF programs/maps/links, perf events, ring-buffer mappings),
// and its memory stays flat: the JavaScript heap after a full collection (the kernel runs
// with --expose-gc; a %%ts cell reaches the kernel's own global through `tb`, an object of
// the kernel's realm) and the resident set, over the second half of the run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelProcess } from "../helpers/jupyter-kernel-process.ts";
import { runCell, streamText, untilAttached } from "../helpers/jupyter-cells.ts";
import { heldAgain, heldObjects, processObjects, settledObjects } from "../helpers/process-objects.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

const CELLS = Number(process.env.TRACEBOOK_SOAK ?? 120);
/**
 * Bounds over the second half of the run (measured: see the README's Safety section). The
 * heap after a full collection grows in steps (V8's optimised code of hot functions; the
 * kernel BTF's name index, ~10 MiB, built once when a cell first needs it), so its bound is
 * on the median growth between two samples ten cells apart: a leak grows every time. RSS also holds V8's reserve and native memory; its bound is looser.
 */
const HEAP_GROWTH_PER_10_CELLS_KB = 256;
const RSS_GROWTH_KB = 24 * 1024;

/** The kernel's heap after a full collection, bytes. */
async function heapAfterGc(k: KernelProcess): Promise<number> {
  const { iopub } = await runCell(k, '%%ts\n(() => { const g = tb.constructor.constructor("return globalThis")(); g.gc(); return g.process.memoryUsage().heapUsed; })()');
  const result = iopub.find((m) => m.header.msg_type === "execute_result");
  const bytes = Number((result?.content.data as Record<string, unknown> | undefined)?.["text/plain"]);
  if (!Number.isFinite(bytes)) throw new Error(`no heap size from the kernel: ${JSON.stringify(iopub.map((m) => m.content))}`);
  return bytes;
}

const TICKING = "tracepoint:syscalls:sys_enter_getppid { @soak_a = count(); } interval:ms:20 { @soak_b = count(); } rawtracepoint:sched_process_fork { @soak_a = count(); }";

type Kind = (k: KernelProcess, i: number) => Promise<void>;

async function expectCell(k: KernelProcess, code: string, outcome: Record<string, unknown>): Promise<void> {
  const { reply } = await runCell(k, code);
  expect(reply.content, code).toMatchObject(outcome);
}

const KINDS: [string, Kind][] = [
  ["--for", (k) => expectCell(k, `%%bt --for 100ms\n${TICKING}`, { status: "ok" })],
  ["exit()", (k) => expectCell(k, "interval:ms:20 { @soak_b = count(); printf(\"tick\\n\"); exit(); }", { status: "ok" })],
  ["interrupt", async (k) => {
    const id = await k.client.execute(TICKING);
    await untilAttached(k, id);
    await k.client.send("control", "interrupt_request");
    expect((await k.client.complete(id)).reply.content.status).toBe("ok");
  }],
  ["parse error", (k) => expectCell(k, "interval:ms:20 { @soak_b = count( }", { status: "error", ename: "ParseError" })],
  ["type error", (k) => expectCell(k, "BEGIN { @soak_a = hist(2); }", { status: "error", ename: "TypeError" })],
  ["attach failure", (k) => expectCell(k, `${TICKING} uprobe:/bin/true:0x7fff0000 { @soak_b = count(); }`, { status: "error", ename: "AttachError" })],
  ["background + %stop", async (k) => {
    await expectCell(k, `%%bt --background\n${TICKING}`, { status: "ok" });
    const id = /\[(\d+)\]/.exec(streamText((await runCell(k, "%jobs")).iopub))?.[1];
    await expectCell(k, `%stop ${id}`, { status: "ok" });
  }],
  // past the cap: the rest goes to a file of the kernel's
  ["capped stream", (k) => expectCell(k, "%%bt --for 150ms --limit 20\ninterval:ms:1 { printf(\"line %d\\n\", @soak_n); @soak_n = count(); }", { status: "ok" })],
  ["%print and %maps", async (k) => {
    await expectCell(k, "%print @soak_a", { status: "ok" });
    await expectCell(k, "%maps", { status: "ok" });
  }],
  ["BEGIN-only maps", (k, i) => expectCell(k, `BEGIN { @soak_k[${i % 7}] = sum(${i}); @soak_h = hist(${i}); exit(); }`, { status: "ok" })],
];

describe.skipIf(skipWithoutBpf())(`a session of ${CELLS} cells of mixed kinds`, () => {
  let k: KernelProcess;
  // the capped cells' files go here, not to the machine's /tmp
  const tmp = mkdtempSync(join(tmpdir(), "tb-soak-"));
  beforeAll(async () => {
    k = await startKernel({ NODE_OPTIONS: "--expose-gc", TMPDIR: tmp });
  });
  afterAll(async () => {
    await k?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("holds what it held after its warm-up, and its memory stays flat", async () => {
    const pid = k.proc.pid as number;
    // warm-up: every kind once (maps made, formats and fonts read, vega loaded, esbuild's
    // service started for %%ts: three pipes)
    for (const [, run] of KINDS) await run(k, 0);
    await heapAfterGc(k);
    const base = await settledObjects(pid);
    const samples: { cell: number; fds: number; rssKb: number; heapKb: number }[] = [];
    const baseHeap = await heapAfterGc(k);
    const t0 = performance.now();
    for (let i = 0; i < CELLS; i++) {
      const [name, run] = KINDS[i % KINDS.length]!;
      try {
        await run(k, i);
      } catch (e) {
        throw new Error(`cell ${i} (${name}): ${(e as Error).message}`);
      }
      if ((i + 1) % KINDS.length === 0 || i === CELLS - 1) {
        const now = await heldAgain(pid, base);
        expect({ ...heldObjects(now), fds: base.fds }, `after cell ${i}`).toEqual(heldObjects(base));
        expect(now.fds, `fds after cell ${i}`).toBeLessThanOrEqual(base.fds);
        const heap = await heapAfterGc(k);
        samples.push({ cell: i + 1, fds: now.fds, rssKb: processObjects(pid).rssKb, heapKb: heap / 1024 });
      }
    }
    const secs = (performance.now() - t0) / 1000;
    const mid = samples[Math.floor((samples.length - 1) / 2)]!;
    const end = samples.at(-1)!;
    const mib = (kb: number) => (kb / 1024).toFixed(1);
    console.log(`soak: ${CELLS} cells in ${secs.toFixed(0)} s; fds ${base.fds} before, ${samples.map((s) => s.fds).join(" ")}`);
    console.log(`soak: heap after GC MiB ${mib(baseHeap / 1024)} before, ${samples.map((s) => mib(s.heapKb)).join(" ")}; middle→end ${((end.heapKb - mid.heapKb)).toFixed(0)} KiB`);
    console.log(`soak: RSS MiB ${mib(base.rssKb)} before, ${samples.map((s) => mib(s.rssKb)).join(" ")}; middle→end ${mib(end.rssKb - mid.rssKb)} MiB, peak ${mib(Math.max(...samples.map((s) => s.rssKb)))} MiB`);
    expect(samples.every((s) => s.fds <= base.fds)).toBe(true);
    const late = samples.slice(samples.indexOf(mid));
    const steps = late.slice(1).map((s, i) => s.heapKb - late[i]!.heapKb).sort((a, b) => a - b);
    const median = steps[Math.floor(steps.length / 2)] ?? 0;
    console.log(`soak: heap growth per 10 cells over the second half, median ${median.toFixed(0)} KiB (steps ${steps.map((x) => x.toFixed(0)).join(" ")})`);
    expect(median).toBeLessThan(HEAP_GROWTH_PER_10_CELLS_KB);
    expect(end.rssKb - mid.rssKb).toBeLessThan(RSS_GROWTH_KB);
  });
});
