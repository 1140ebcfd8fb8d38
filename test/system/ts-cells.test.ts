// %%ts cells through the real kernel process: eBPF by hand (tb.asm, tb.load, tb.attach)
// counting exactly what a workload the cell starts with node:child_process does, its map
// read like any other (%print, %maps); the verifier's refusal of a hand-written program
// named at its instruction and explained; a type error at its line; completion in a cell.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bpfFds, startKernel, type KernelProcess } from "../helpers/jupyter-kernel-process.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import type { Message } from "../../kernel/message.ts";

const text = (iopub: Message[]) => iopub.map((m) => JSON.stringify(m.content)).join("\n");
const result = (iopub: Message[]) => iopub.find((m) => m.header.msg_type === "execute_result")?.content.data as Record<string, string> | undefined;

// the README's example: count getppid() per process
const COUNTER = `%%ts
const a = tb.asm, { R0, R1, R2, R10, helpers } = a;
const prog = tb.load({
  probe: "tracepoint:syscalls:sys_enter_getppid",
  maps: { "@calls": { key: "u32", value: "u64" } },
  insns: [
    a.call(helpers.get_current_pid_tgid), a.rshImm(R0, 32), a.stx(4, R10, -4, R0),   // key: the pid
    a.ldMapFd(R1, "@calls"), a.mov(R2, R10), a.addImm(R2, -4), a.call(helpers.map_lookup_elem),
    a.jeqImm(R0, 0, "new"),                                   // the NULL check the verifier wants
    a.movImm(R1, 1), a.atomic("add", 8, R0, 0, R1), a.ja("out"),
    a.label(a.st(8, R10, -16, 1), "new"),
    a.ldMapFd(R1, "@calls"), a.mov(R2, R10), a.addImm(R2, -4), a.mov(a.R3, R10), a.addImm(a.R3, -16),
    a.movImm(a.R4, 0), a.call(helpers.map_update_elem),
    a.label(a.movImm(R0, 0), "out"), a.exit(),
  ],
});
tb.attach(prog);`;

describe.skipIf(skipWithoutBpf())("%%ts cells in the kernel", () => {
  let k: KernelProcess;
  const cell = async (code: string) => k.client.complete(await k.client.execute(code), 60_000);
  beforeAll(async () => {
    k = await startKernel();
  }, 30_000);
  afterAll(async () => {
    await k?.stop();
  });

  it("loads and attaches a hand-written program; a workload started from the cell is counted exactly", async () => {
    const loaded = await cell(COUNTER);
    expect(loaded.reply.content.status, text(loaded.iopub)).toBe("ok");
    expect(result(loaded.iopub)?.["text/plain"]).toBe("1"); // one attach point
    expect(bpfFds(k.proc.pid!).progs).toBeGreaterThanOrEqual(1);

    const counted = await cell([
      "%%ts",
      'import { spawnSync } from "node:child_process";',
      'import { readFileSync } from "node:fs";',
      'const child = spawnSync("perl", ["-e", "getppid() for 1..7"]);',
      "const mine = tb.map(\"@calls\").find((r) => r.key === child.pid);",
      'const kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();',
      "[mine?.value, kernel.length > 0]",
    ].join("\n"));
    expect(counted.reply.content.status, text(counted.iopub)).toBe("ok");
    expect(result(counted.iopub)?.["text/plain"]).toBe("[ 7, true ]");

    // the map is a notebook map: %maps and %print read it
    const maps = await cell("%maps");
    expect(text(maps.iopub)).toContain("@calls");
    const printed = await cell("%print @calls");
    expect(text(printed.iopub)).toMatch(/@calls\[\d+\]: 7/);

    const gone = await cell("%%ts\ntb.unload(prog);\ntb.maps().includes(\"@calls\")");
    expect(result(gone.iopub)?.["text/plain"]).toBe("true");
    expect(bpfFds(k.proc.pid!)).toMatchObject({ progs: 0, links: 0, perfEvents: 0 });
  }, 90_000);

  it("a refused program names its instruction and line, says why in plain words, and leaves nothing behind", async () => {
    const r = await cell([
      "%%ts",
      "const b = tb.asm;",
      "tb.load({",
      '  probe: "tracepoint:syscalls:sys_enter_getppid",',
      '  maps: { "@seen": { key: "u64" } },',
      "  insns: [b.st(8, b.R10, -8, 0), b.ldMapFd(b.R1, \"@seen\"), b.mov(b.R2, b.R10), b.addImm(b.R2, -8),",
      "    b.call(b.helpers.map_lookup_elem), b.comment(b.ldx(8, b.R0, b.R0, 0), \"read the value: no NULL check\"), b.exit()],",
      "});",
    ].join("\n"));
    expect(r.reply.content.status).toBe("error");
    expect(r.reply.content.ename).toBe("VerifierError");
    const tb = (r.reply.content.traceback as string[]).join("\n");
    expect(tb).toMatch(/^cell\[\d+\]:2: VerifierError: load the program for "tracepoint:syscalls:sys_enter_getppid": verifier rejected the program: R0 invalid mem access 'map_value_or_null' \(at 6: \(79\) r0 = \*\(u64 \*\)\(r0 \+0\)\)/);
    expect(tb).toContain("from read the value: no NULL check");
    expect(tb).toContain("in plain words: a map value was used without checking the lookup for NULL");
    expect(bpfFds(k.proc.pid!).progs).toBe(0);
    expect(text((await cell("%maps")).iopub)).not.toContain("@seen");
  }, 60_000);

  it("reports a type error at its line", async () => {
    const r = await cell('%%ts\nconst ok = 1;\nconst n: number = "one";');
    expect(r.reply.content.status).toBe("error");
    expect(r.reply.content.ename).toBe("TypeScriptError");
    expect((r.reply.content.traceback as string[])[0]).toMatch(/^cell\[\d+\]:2:7: error TS2322: Type 'string' is not assignable to type 'number'\.$/);
  }, 60_000);

  it("completes inside a %%ts cell", async () => {
    const code = "%%ts\ntb.asm.helpers.map_lookup_e";
    const id = await k.client.send("shell", "complete_request", { code, cursor_pos: code.length });
    const { reply } = await k.client.complete(id, 30_000);
    expect(reply.content).toMatchObject({ status: "ok", matches: ["map_lookup_elem"], cursor_start: code.length - "map_lookup_e".length, cursor_end: code.length });
  }, 60_000);
});
