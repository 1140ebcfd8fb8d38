// Started by an ordinary user (uid 65534 through setpriv: no capabilities, no groups),
// the kernel and the CLI say what is missing and what to do: CAP_BPF/CAP_PERFMON for maps
// and programs, a tracefs only root can read for tracepoints. The kernel keeps serving
// after each error. Needs root to switch users, like every system test.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startKernel, type KernelProcess } from "../helpers/jupyter-kernel-process.ts";
import { runCli } from "../helpers/cli.ts";

const NOBODY = 65534;

describe.skipIf(skipWithoutBpf())("an unprivileged user", () => {
  let k: KernelProcess;
  beforeAll(async () => {
    k = await startKernel({}, { as: NOBODY });
  }, 30_000);
  afterAll(async () => {
    await k?.stop();
  });

  async function cell(code: string): Promise<{ status: unknown; evalue: string; text: string }> {
    const id = await k.client.execute(code);
    const { reply, iopub } = await k.client.complete(id, 20_000);
    const errors = iopub.filter((m) => m.header.msg_type === "error").map((m) => (m.content.traceback as string[]).join("\n"));
    const streams = iopub.filter((m) => m.header.msg_type === "stream").map((m) => String(m.content.text));
    return { status: reply.content.status, evalue: String(reply.content.evalue ?? ""), text: [...errors, ...streams].join("\n") };
  }

  it("runs as that user, with no effective capabilities", () => {
    const status = readFileSync(`/proc/${k.proc.pid}/status`, "utf8");
    expect(status).toMatch(new RegExp(`^Uid:\\s+${NOBODY}\\s+${NOBODY}`, "m"));
    expect(status).toMatch(/^CapEff:\s+0+$/m);
  });

  it("a tracepoint cell says tracefs is closed to this user, and what to do", async () => {
    const r = await cell("tracepoint:syscalls:sys_exit_read { @n = count(); }");
    expect(r.status).toBe("error");
    expect(r.text).toContain("tracepoint:syscalls:sys_exit_read: tracefs (/sys/kernel/tracing) is not readable by this user (uid 65534)");
    expect(r.text).toContain("run as root");
    expect(r.text).not.toContain("No matches for tracepoint");
  });

  it("a BEGIN cell says which capabilities BPF needs", async () => {
    const r = await cell('BEGIN { printf("hi\\n"); exit(); }');
    expect(r.status).toBe("error");
    expect(r.text).toMatch(/EPERM/);
    expect(r.text).toContain("CAP_BPF");
    expect(r.text).toContain("CAP_PERFMON");
  });

  it("keeps serving: a %%ts cell and %doctor run, and the doctor names the missing capabilities", async () => {
    const ts = await cell("%%ts\n1 + 2");
    expect(ts.status).toBe("ok");
    const id = await k.client.execute("%doctor");
    const { reply, iopub } = await k.client.complete(id, 20_000);
    expect(reply.content.status).toBe("ok");
    const text = iopub.map((m) => JSON.stringify(m.content)).join("\n");
    expect(text).toMatch(/CAP_BPF\s+no/);
  });

  it("the CLI says the same and exits 1", async () => {
    const tp = await runCli(["-e", "tracepoint:syscalls:sys_exit_read { @n = count(); }"], { wrap: ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--inh-caps=-all"] });
    expect(tp.code).toBe(1);
    expect(tp.stderr).toContain("is not readable by this user (uid 65534)");
    const begin = await runCli(["-e", "BEGIN { exit(); }"], { wrap: ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--inh-caps=-all"] });
    expect(begin.code).toBe(1);
    expect(begin.stderr).toContain("CAP_BPF plus CAP_PERFMON");
  });
});
