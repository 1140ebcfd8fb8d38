// The real kernel process (node dist/tracebook.js kernel -f FILE) over real ZeroMQ
// sockets, with the real interpreter loading real BPF programs. Every cell's effects are
// checked in the kernel process itself: its BPF fds before, during and after a cell.
import { readdirSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../kernel/message.ts";
import { Signer } from "../../kernel/wire.ts";
import { loadedProgIds } from "../../native/index.ts";
import { bpfFds, bpfProgIds, startKernel, type KernelProcess } from "../helpers/jupyter-kernel-process.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

const HELLO = 'BEGIN { printf("hello, world\\n"); exit(); }';
const TICKS = 'interval:ms:100 { printf("tick %d\\n", 1); }';

function ofType(iopub: readonly Message[], type: string): Message[] {
  return iopub.filter((m) => m.header.msg_type === type);
}

function streamText(iopub: readonly Message[]): string {
  return ofType(iopub, "stream").map((m) => String(m.content.text)).join("");
}

function plainTexts(iopub: readonly Message[]): string[] {
  return [...ofType(iopub, "display_data"), ...ofType(iopub, "execute_result")].map((m) =>
    String((m.content.data as Record<string, unknown>)["text/plain"] ?? ""));
}

async function run(k: KernelProcess, code: string, timeoutMs = 20_000): Promise<{ reply: Message; iopub: Message[] }> {
  return k.client.complete(await k.client.execute(code), timeoutMs);
}

/** Runs a long cell until the kernel holds its programs, then returns its msg_id. */
async function startTicking(k: KernelProcess, code: string): Promise<string> {
  const id = await k.client.execute(code);
  await k.client.until(() => streamText(k.client.children(id, "iopub")).includes("tick 1"), 10_000);
  return id;
}

describe.skipIf(skipWithoutBpf())("the kernel process", () => {
  describe("protocol", () => {
    let k: KernelProcess | undefined;
    afterEach(async () => {
      await k?.stop();
      k = undefined;
    });

    it("echoes heartbeats", async () => {
      k = await startKernel();
      const echoed = await k.client.ping(Buffer.from("ping-123"));
      expect(echoed.map(String)).toEqual(["ping-123"]);
    });

    it("runs hello world: busy, execute_input, stream, reply, idle", async () => {
      k = await startKernel();
      const { reply, iopub } = await run(k, HELLO);
      expect(reply.content).toMatchObject({ status: "ok", execution_count: 1 });
      expect(iopub.map((m) => m.header.msg_type)).toEqual(["status", "execute_input", "stream", "status"]);
      expect(iopub[2]?.content).toEqual({ name: "stdout", text: "hello, world\n" });
    });

    it("ignores a message with a forged signature, logs it once without its content, and keeps serving", async () => {
      k = await startKernel();
      const forged = k.client.frames(
        "execute_request",
        { code: 'BEGIN { printf("SECRET-PAYLOAD\\n"); exit(); }', silent: false },
        new Signer("not-the-key"),
      );
      await k.client.shell.send(forged.frames);
      const { reply, iopub } = await run(k, HELLO);
      expect(reply.content.status).toBe("ok");
      expect(streamText(iopub)).toBe("hello, world\n");
      expect(k.client.children(forged.msgId)).toEqual([]);
      expect(k.stderr().match(/invalid signature/g)).toHaveLength(1);
      expect(k.stderr()).not.toContain("SECRET-PAYLOAD");
      expect(JSON.stringify(k.client.received)).not.toContain("SECRET-PAYLOAD");
    });

    it("shutdown_request on control replies and the process exits", async () => {
      k = await startKernel();
      await run(k, HELLO);
      const id = await k.client.send("control", "shutdown_request", { restart: false });
      await k.client.until(() => k?.client.reply(id) !== undefined);
      expect(k.client.reply(id)?.content).toEqual({ status: "ok", restart: false });
      const code = await Promise.race([k.exited, new Promise((r) => setTimeout(() => r("timeout"), 5000))]);
      expect(code).toBe(0);
    });
  });

  describe("interrupting a running cell", () => {
    let k: KernelProcess | undefined;
    afterEach(async () => {
      await k?.stop();
      k = undefined;
    });

    it("interrupt_request stops a ticking cell within 200 ms and leaves no program, link or perf event", async () => {
      k = await startKernel();
      const pid = k.proc.pid as number;
      await run(k, HELLO); // the engine is warm: what it keeps open between cells is in `before`
      const before = bpfFds(pid);

      const id = await startTicking(k, TICKS);
      const during = bpfFds(pid);
      const progIds = bpfProgIds(pid);
      expect(during.progs).toBeGreaterThan(before.progs);
      expect(during.perfEvents + during.links).toBeGreaterThan(before.perfEvents + before.links);
      expect(k.client.reply(id)).toBeUndefined();
      await new Promise((r) => setTimeout(r, 300)); // a few more ticks

      const t0 = performance.now();
      const interrupt = await k.client.send("control", "interrupt_request");
      await k.client.until(() => k?.client.reply(id) !== undefined, 5000);
      const latency = performance.now() - t0;
      const { reply, iopub } = await k.client.complete(id);
      console.log(`interrupt → execute_reply: ${latency.toFixed(1)} ms`);
      expect(latency).toBeLessThan(200);
      expect(reply.content.status).toBe("ok");
      expect(k.client.reply(interrupt)?.content).toEqual({ status: "ok" });
      expect(streamText(iopub).split("\n").filter((l) => l === "tick 1").length).toBeGreaterThanOrEqual(3);

      const after = bpfFds(pid);
      expect({ progs: after.progs, links: after.links, perfEvents: after.perfEvents })
        .toEqual({ progs: before.progs, links: before.links, perfEvents: before.perfEvents });
      // Nobody else holds them either: the kernel has unloaded the cell's programs.
      await k.client.until(() => !loadedProgIds().some((p) => progIds.includes(p)), 2000);

      const next = await run(k, HELLO);
      expect(next.reply.content.status).toBe("ok");
      expect(streamText(next.iopub)).toBe("hello, world\n");
    });

    it("SIGINT to the kernel process stops the running cell, not the kernel", async () => {
      k = await startKernel();
      const pid = k.proc.pid as number;
      await run(k, HELLO);
      const before = bpfFds(pid);
      const id = await startTicking(k, TICKS);
      k.proc.kill("SIGINT");
      const { reply } = await k.client.complete(id, 5000);
      expect(reply.content.status).toBe("ok");
      expect(k.proc.exitCode).toBeNull();
      expect(bpfFds(pid)).toMatchObject({ progs: before.progs, links: before.links, perfEvents: before.perfEvents });
      expect((await run(k, HELLO)).reply.content.status).toBe("ok");
    });
  });

  describe("one notebook's cells in one kernel", () => {
    let k: KernelProcess | undefined;
    beforeAll(async () => {
      k = await startKernel();
    });
    afterAll(async () => {
      await k?.stop();
    });
    const kernel = (): KernelProcess => k as KernelProcess;

    it("shows each map of a live cell once, in its own display, updated while it runs and rich at the end", async () => {
      const { reply, iopub } = await run(kernel(),
        "%%bt --for 4s\ninterval:ms:20 { @live_a = count(); @live_b[1] = sum(2); }", 30_000);
      expect(reply.content.status).toBe("ok");
      const displayId = (m: Message): string => String((m.content.transient as { display_id?: string } | undefined)?.display_id ?? "");
      const text = (m: Message): string => String((m.content.data as Record<string, unknown>)["text/plain"] ?? "");
      for (const name of ["@live_a", "@live_b"]) {
        const shows = ofType(iopub, "display_data").filter((m) => text(m).includes(`${name}`));
        expect(shows.length, `${name} is displayed once`).toBe(1);
        const id = displayId(shows[0] as Message);
        expect(id).not.toBe("");
        const updates = ofType(iopub, "update_display_data").filter((m) => displayId(m) === id);
        expect(updates.length, `${name} updates`).toBeGreaterThanOrEqual(3);
        // The last update is the final rich bundle, with the map's final text.
        const last = updates[updates.length - 1] as Message;
        expect(Object.keys(last.content.data as object).length, "a rich bundle, not text alone").toBeGreaterThanOrEqual(2);
        expect(text(last)).toContain(name);
        // While it runs, a chart is live as a picture too (every front end shows text/html first).
        const hasPng = (m: Message) => (m.content.data as Record<string, unknown>)["image/png"] !== undefined;
        const live = updates.slice(0, -1).filter(hasPng);
        expect(live.length, `${name} live pictures`).toBeGreaterThanOrEqual(hasPng(last) ? 2 : 0);
        // No other output repeats the map.
        const others = [...ofType(iopub, "display_data"), ...ofType(iopub, "update_display_data"), ...ofType(iopub, "execute_result")]
          .filter((m) => displayId(m) !== id && text(m).includes(`${name}`));
        expect(others).toEqual([]);
      }
    });

    it("a map shown live that is empty at the end (END clears it) ends as an empty output, not a stale one", async () => {
      const { reply, iopub } = await run(kernel(),
        "%%bt --for 3s\ninterval:ms:20 { @scratch_t[1] = 1; @kept = count(); }\nEND { clear(@scratch_t); }", 30_000);
      expect(reply.content.status).toBe("ok");
      const displayId = (m: Message): string => String((m.content.transient as { display_id?: string } | undefined)?.display_id ?? "");
      const text = (m: Message): string => String((m.content.data as Record<string, unknown>)["text/plain"] ?? "");
      const shown = ofType(iopub, "display_data").find((m) => text(m).startsWith("@scratch_t"));
      expect(shown, "@scratch_t is shown while the cell runs").toBeDefined();
      const updates = ofType(iopub, "update_display_data").filter((m) => displayId(m) === displayId(shown as Message));
      expect(updates.length).toBeGreaterThanOrEqual(1);
      expect(updates.at(-1)?.content.data).toEqual({ "text/plain": "" });
      const kept = [...ofType(iopub, "display_data"), ...ofType(iopub, "update_display_data")].filter((m) => text(m).startsWith("@kept"));
      expect(text(kept.at(-1) as Message)).toMatch(/^@kept: \d+\n$/);
    });

    it("says in one line what runs: probes, time of its duration, events read and lost; and sums it up at the end", async () => {
      const { reply, iopub } = await run(kernel(),
        '%%bt --for 3s\ninterval:ms:100 { printf("tick\\n"); }', 30_000);
      expect(reply.content.status).toBe("ok");
      const texts = [...ofType(iopub, "display_data"), ...ofType(iopub, "update_display_data")]
        .map((m) => String((m.content.data as Record<string, unknown>)["text/plain"] ?? ""));
      const running = texts.filter((t) => t.startsWith("1 probes attached"));
      expect(running.length).toBeGreaterThanOrEqual(2);
      for (const t of running) expect(t).toMatch(/^1 probes attached; running \ds of 3s; [\d,]+ events read, 0 lost$/);
      expect(running.some((t) => /; [1-9][\d,]* events read/.test(t))).toBe(true);
      const ticks = streamText(iopub).split("\n").filter((l) => l === "tick").length;
      const summary = texts.find((t) => t.startsWith("1 probes ran"));
      expect(summary).toBe(`1 probes ran ${/ran ([\d.]+)s/.exec(summary ?? "")?.[1]}s (timeout); ${ticks} events read, 0 lost`);
    });

    it("while a wildcard attaches many probes, the progress line counts them: attaching N of M", async () => {
      const total = readdirSync("/sys/kernel/tracing/events/syscalls").filter((n) => n.startsWith("sys_enter_")).length;
      const { reply, iopub } = await run(kernel(), "%%bt --for 1s\ntracepoint:syscalls:sys_enter_* { @[probe] = count(); }", 60_000);
      expect(reply.content.status).toBe("ok");
      const id = (m: Message) => String((m.content.transient as { display_id?: string } | undefined)?.display_id ?? "");
      const progress = [...ofType(iopub, "display_data"), ...ofType(iopub, "update_display_data")].filter((m) => id(m).endsWith("-progress"))
        .map((m) => String((m.content.data as Record<string, unknown>)["text/plain"]));
      const attaching = progress.filter((t) => t.startsWith("attaching"));
      expect(attaching.length).toBe(Math.floor((total - 1) / 32));
      expect(attaching[0]).toBe(`attaching 32 of ${total} probes`);
      expect(attaching.at(-1)).toBe(`attaching ${32 * attaching.length} of ${total} probes`);
      expect(progress.at(-1)).toMatch(new RegExp(`^${total} probes ran`));
      expect(ofType(iopub, "display_data").filter((m) => id(m).endsWith("-progress"))).toHaveLength(1);
    });

    it("draws a histogram printed over time as a heatmap whose columns hold exactly what each print() printed", async () => {
      const { reply, iopub } = await run(kernel(),
        "%%bt --for 3500ms\ninterval:ms:10 { @h = hist(nsecs % 5000); } interval:ms:500 { print(@h); clear(@h); }", 30_000);
      expect(reply.content.status).toBe("ok");
      // the counts of each printed histogram, in order
      const printed = streamText(iopub).split(/^@h:$/m).slice(1)
        .map((block) => [...block.matchAll(/^[[(][^\n]*?\)?\]?\s+(\d+) \|/gm)].reduce((a, m) => a + Number(m[1]), 0));
      expect(printed.length).toBeGreaterThanOrEqual(5);
      const id = (m: Message) => String((m.content.transient as { display_id?: string } | undefined)?.display_id ?? "");
      const all = [...ofType(iopub, "display_data"), ...ofType(iopub, "update_display_data")];
      const series = all.filter((m) => id(m).endsWith("-series-@h"));
      expect(ofType(iopub, "display_data").filter((m) => id(m).endsWith("-series-@h"))).toHaveLength(1);
      const last = series.at(-1)!.content as { data: Record<string, unknown>; metadata: Record<string, unknown> };
      const spec = last.data["application/vnd.vegalite.v5+json"] as { mark: { type: string }; data: { values: { t: number; count: number }[] } };
      expect(spec.mark.type).toBe("rect");
      const columns = new Map<number, number>();
      for (const v of spec.data.values) columns.set(v.t, (columns.get(v.t) ?? 0) + v.count);
      expect([...columns.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n)).toEqual(printed);
      expect(last.data["image/png"]).toBeDefined();
      expect(last.metadata.tracebook).toMatchObject({ ended: "timeout" });
    });

    it("keeps maps across cells, and names the creating cell on a conflicting use", async () => {
      const a = await run(kernel(), "BEGIN { @x = count(); @x = count(); exit(); }");
      expect(a.reply.content.status).toBe("ok");
      const cellA = a.reply.content.execution_count as number;
      expect(plainTexts(a.iopub)).toContain("@x: 2\n");

      const b = await run(kernel(), "BEGIN { @x = count(); exit(); }");
      expect(b.reply.content.status).toBe("ok");
      expect(plainTexts(b.iopub)).toContain("@x: 3\n");

      const c = await run(kernel(), "BEGIN { @x = hist(1); exit(); }");
      expect(c.reply.content.status).toBe("error");
      const errors = ofType(c.iopub, "error");
      expect(errors).toHaveLength(1);
      const err = errors[0]?.content as { ename: string; evalue: string; traceback: string[] };
      expect(`${err.evalue}\n${err.traceback.join("\n")}`).toContain(`cell[${cellA}]`);
      expect(err.traceback[0]).toMatch(new RegExp(`^cell\\[${String(c.reply.content.execution_count)}\\]:1:9`));
    });

    it("re-running a cell (same metadata.cellId) replaces the background job it left; another cell's job stays", async () => {
      const bg = "%%bt --background\ninterval:ms:50 { @bgticks = count(); }";
      const first = await kernel().client.complete(await kernel().client.execute(bg, "cell-A"), 20_000);
      expect(first.reply.content.status).toBe("ok");
      const other = await kernel().client.complete(await kernel().client.execute("%%bt --background\ninterval:ms:50 { @othertick = count(); }", "cell-B"), 20_000);
      expect(other.reply.content.status).toBe("ok");
      const progsWithTwo = bpfProgIds(kernel().proc.pid!).length;
      const again = await kernel().client.complete(await kernel().client.execute(bg, "cell-A"), 20_000);
      expect(again.reply.content.status).toBe("ok");
      const jobs = streamText((await run(kernel(), "%jobs")).iopub).trim().split("\n");
      expect(jobs).toHaveLength(2);
      expect(jobs.filter((l) => l.includes("@bgticks"))).toHaveLength(1);
      expect(jobs.filter((l) => l.includes("@othertick"))).toHaveLength(1);
      // the replaced job's program is gone: as many programs as with two jobs
      expect(bpfProgIds(kernel().proc.pid!).length).toBe(progsWithTwo);
      for (const line of jobs) await run(kernel(), `%stop ${/^\[(\d+)\]/.exec(line)![1]}`);
      expect(streamText((await run(kernel(), "%jobs")).iopub)).toBe("no background jobs\n");
    });

    it("%verifier loads a program without attaching it and shows the verifier's statistics; nothing stays loaded", async () => {
      const progsBefore = bpfProgIds(kernel().proc.pid!).length;
      const { reply, iopub } = await run(kernel(), "%verifier tracepoint:syscalls:sys_enter_openat { @verified[comm] = count(); }");
      expect(reply.content.status).toBe("ok");
      const text = streamText(iopub);
      expect(text).toMatch(/^tracepoint:syscalls:sys_enter_openat:\n/);
      expect(text).toMatch(/processed \d+ insns \(limit 1000000\)/);
      expect(bpfProgIds(kernel().proc.pid!).length).toBe(progsBefore);
      expect(streamText((await run(kernel(), "%maps")).iopub)).not.toContain("@verified");
    });

    it("completes the members of the running kernel's task_struct after curtask->", async () => {
      const code = "BEGIN { printf(\"%d\\n\", curtask->real_par";
      const id = await kernel().client.send("shell", "complete_request", { code, cursor_pos: code.length });
      const { reply } = await kernel().client.complete(id);
      expect(reply.content).toMatchObject({ status: "ok", matches: ["real_parent"], cursor_start: code.length - "real_par".length, cursor_end: code.length });
    });

    it("reports a parse error with line:col and a caret, and keeps serving", async () => {
      const { reply, iopub } = await run(kernel(), 'BEGIN {\n  printf("a\\n") exit();\n}');
      expect(reply.content).toMatchObject({ status: "error", ename: "ParseError" });
      const err = ofType(iopub, "error")[0]?.content as { traceback: string[] };
      const n = String(reply.content.execution_count);
      expect(err.traceback[0]).toMatch(new RegExp(`^cell\\[${n}\\]:2:\\d+: error: `));
      const col = Number(/:2:(\d+):/.exec(err.traceback[0] ?? "")?.[1]);
      expect(err.traceback[1]).toBe('  printf("a\\n") exit();');
      expect(err.traceback[2]).toBe(`${" ".repeat(col - 1)}^`);
      expect((await run(kernel(), HELLO)).reply.content.status).toBe("ok");
    });

    it("reports an unknown tracepoint with a did-you-mean hint, and keeps serving", async () => {
      const { reply, iopub } = await run(kernel(), "tracepoint:syscalls:sys_enter_opnat { @c = count(); }");
      expect(reply.content.status).toBe("error");
      const err = ofType(iopub, "error")[0]?.content as { evalue: string; traceback: string[] };
      expect(err.evalue).toContain("sys_enter_opnat");
      expect(err.traceback.join("\n")).toContain("did you mean tracepoint:syscalls:sys_enter_openat");
      const next = await run(kernel(), HELLO);
      expect(streamText(next.iopub)).toBe("hello, world\n");
    });

    it("runs %%ts cells over the session, with variables that persist across cells", async () => {
      const r = await run(kernel(), "%%ts\nconst r = await tb.run('BEGIN { @a = count(); exit(); }'); r[\"@a\"][0].value");
      expect(r.reply.content.status).toBe("ok");
      const results = ofType(r.iopub, "execute_result");
      expect(results).toHaveLength(1);
      expect(results[0]?.content.data).toEqual({ "text/plain": "1" });

      expect((await run(kernel(), "%%ts\nconst base: number = 40;\nlet seen = r[\"@a\"].length;")).reply.content.status).toBe("ok");
      const next = await run(kernel(), "%%ts\nbase + seen + r[\"@a\"][0].value");
      expect(ofType(next.iopub, "execute_result")[0]?.content.data).toEqual({ "text/plain": "42" });
    });
  });
});
