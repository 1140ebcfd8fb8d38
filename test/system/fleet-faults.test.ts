// %hosts and %%fleet when hosts go wrong, against real Jupyter Servers: a wrong token, a
// dead URL, a host whose kernels cannot trace (its server runs without CAP_BPF, CAP_PERFMON
// and CAP_SYS_ADMIN), a host without the kernelspec asked for. Each says so in one line, no
// traceback; a fleet cell still brings back the hosts that worked, marked incomplete; no
// token ever appears in an output or in what the client libraries log. The coordinating
// kernel's shutdown ends the remote kernels of a cell still running.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createInterpreter } from "../../magics/interpreter.ts";
import type { Interpreter } from "../../kernel/interpreter.ts";
import { ensureBuilt, freePorts, ROOT, startKernel } from "../helpers/jupyter-kernel-process.ts";
import { startJupyterServer, type JupyterServer } from "../helpers/jupyter-server.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { runCell, type CellRun } from "../helpers/interpreter-cell.ts";

async function kernelsOn(s: JupyterServer): Promise<unknown[]> {
  const res = await fetch(`${s.baseUrl}api/kernels`, { headers: { Authorization: `token ${s.token}` } });
  return (await res.json()) as unknown[];
}

/** The pids of `parent`'s children whose command line contains `word`. */
function childrenOf(parent: number, word: string): number[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const ppid = Number(/^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${d}/stat`, "utf8"))?.[1]);
      return ppid === parent && readFileSync(`/proc/${d}/cmdline`, "utf8").includes(word) ? [Number(d)] : [];
    } catch {
      return []; // gone while we looked
    }
  });
}

describe.skipIf(skipWithoutBpf())("fleet faults", () => {
  let good: JupyterServer;
  let weak: JupyterServer;
  let deadPort = 0;
  let interp: Interpreter;
  const logged: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    const prefix = mkdtempSync(join(tmpdir(), "tb-prefix-"));
    execFileSync(process.execPath, [join(ROOT, "bin/tracebook.js"), "install", "--prefix", prefix], { stdio: "ignore" });
    [good, weak] = await Promise.all([
      startJupyterServer(join(prefix, "share/jupyter")),
      // its kernels inherit a bounding set without the capabilities tracing needs
      startJupyterServer(join(prefix, "share/jupyter"), {}, { wrap: (argv) => ["/usr/bin/setpriv", "--bounding-set", "-bpf,-perfmon,-sys_admin", "--", ...argv] }),
    ]);
    [deadPort] = (await freePorts(1)) as [number];
    interp = createInterpreter();
  });

  afterAll(async () => {
    await interp?.shutdown();
    await Promise.all([good, weak].map((s) => s?.stop()));
  });

  // what @jupyterlab/services logs (reconnects, websocket starts) must not carry a token either
  beforeEach(() => {
    for (const level of ["log", "debug", "info", "warn", "error"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  const tokens = () => [good.token, weak.token, "wrong-token-d3adbeef"];
  function noTokens(r: CellRun): void {
    const everything = JSON.stringify(r) + logged.join("\n");
    for (const t of tokens()) expect(everything).not.toContain(t);
  }

  it("%hosts --file: each problem in one line, the token from the environment, no traceback", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "tb-hosts-")), "hosts.json");
    process.env.FLEET_TEST_TOKEN = good.token;
    writeFileSync(file, JSON.stringify({
      hosts: {
        ok: { url: good.baseUrl, token: "$FLEET_TEST_TOKEN" },
        badtoken: `${good.baseUrl}?token=wrong-token-d3adbeef`,
        dead: `http://127.0.0.1:${deadPort}/?token=${good.token}`,
        weak: `${weak.baseUrl}?token=${weak.token}`,
        // a kernelspec name of our own: the machine may have a tracebook one installed system-wide
        nospec: `${good.baseUrl}?token=${good.token}&kernel=tracebook-absent`,
      },
    }));
    const r = await runCell(interp, `%hosts --file ${file}`);
    delete process.env.FLEET_TEST_TOKEN;
    expect(r.outcome).toEqual({ status: "ok" });
    const lines = r.texts.at(-1)!.split("\n");
    expect(lines[0]).toBe("1 of 5 hosts can run %%fleet cells");
    const line = (n: string) => lines.find((l) => l.startsWith(`  ${n} `))!.replace(/^ {2}\S+ +\S+ +/, "");
    expect(line("ok")).toMatch(/^ok: Linux \S+ on \S+, tracebook \d+\.\d+\.\d+$/);
    expect(line("badtoken")).toBe("refused: the token was not accepted (HTTP 403)");
    expect(line("dead")).toBe("not answering: connection refused");
    expect(line("weak")).toMatch(/^cannot trace: no CAP_BPF and CAP_PERFMON \(run the kernel as root or with cap_bpf,cap_perfmon\) \(Linux \S+ on \S+, tracebook /);
    expect(line("nospec")).toMatch(/^no tracebook-absent kernelspec there \(it has (\S+, )*python3(, \S+)*\): run `tracebook install` on it$/);
    noTokens(r);
  });

  it("%%fleet brings back the hosts that worked and names the others, marked incomplete", async () => {
    const r = await runCell(interp, '%%fleet\nBEGIN { @n = count(); printf("hi\\n"); exit(); }');
    expect(r.outcome).toEqual({ status: "ok" });
    expect(r.stdout).toBe("ok: hi\n");
    const merged = r.displays.find((d) => (d.options.metadata?.tracebook as { fleet?: { view: string } } | undefined)?.fleet?.view === "merged")!;
    expect(merged.data["text/plain"]).toBe("@n: 1\n");
    expect(r.stderr).toMatch(/^fleet result incomplete: badtoken failed \(refused: the token was not accepted \(HTTP 403\)\); dead failed \(not answering: connection refused\); weak failed \(cannot trace: no CAP_BPF and CAP_PERFMON [^)]*\)\); nospec failed \(no tracebook-absent kernelspec there \(it has [^)]*\): run `tracebook install` on it\)\n$/);
    noTokens(r);
  });

  it("with no host that can run it, the cell fails with each host's reason", async () => {
    expect((await runCell(interp, `%hosts b=${good.baseUrl}?token=wrong-token-d3adbeef d=http://127.0.0.1:${deadPort}/`)).outcome.status).toBe("ok");
    const r = await runCell(interp, "%%fleet\nBEGIN { exit(); }");
    expect(r.outcome).toMatchObject({ status: "error", ename: "FleetError", evalue: "no host ran the cell: b failed (refused: the token was not accepted (HTTP 403)); d failed (not answering: connection refused)" });
    noTokens(r);
  });

  it("the coordinating kernel's shutdown ends the remote kernels of a running cell", async () => {
    const coordinator = createInterpreter();
    expect((await runCell(coordinator, `%hosts ok=${good.baseUrl}?token=${good.token}`)).outcome.status).toBe("ok");
    let attached!: () => void;
    const isAttached = new Promise<void>((r) => (attached = r));
    const cell = runCell(coordinator, "%%fleet\ninterval:ms:100 { @ticks = count(); }", {
      onDisplay: (d) => {
        if (String(d.data["text/plain"] ?? "").startsWith("fleet: 1 of 1 hosts attached")) attached();
      },
    });
    await isAttached;
    expect(await kernelsOn(good)).toHaveLength(1);
    await coordinator.shutdown();
    expect(await kernelsOn(good)).toEqual([]);
    const r = await cell;
    // the cell ends, naming the host it lost (its kernel was shut down under it)
    expect(r.outcome).toMatchObject({ status: "error", ename: "FleetError" });
  });

  it("an unprivileged kernel process coordinates a fleet: the bundle as Jupyter runs it, no token in its log", async () => {
    const k = await startKernel({}, { as: 65534 });
    try {
      const hosts = await k.client.complete(await k.client.execute(`%hosts ok=${good.baseUrl}?token=${good.token}`), 60_000);
      expect(hosts.reply.content.status).toBe("ok");
      const cell = await k.client.complete(await k.client.execute('%%fleet\nBEGIN { @n = count(); printf("from %s\\n", "there"); exit(); }'), 60_000);
      expect(cell.reply.content.status).toBe("ok");
      const texts = cell.iopub.map((m) => (m.content as { data?: Record<string, unknown>; text?: string }).data?.["text/plain"] ?? (m.content as { text?: string }).text);
      expect(texts).toContain("ok: from there\n");
      expect(texts).toContain("@n: 1\n");
      expect(k.stderr()).not.toContain(good.token);
      // outputs only: execute_input echoes the cell, token and all (hence $ENV tokens and --file)
      const outputs = [...hosts.iopub, ...cell.iopub].filter((m) => m.header.msg_type !== "execute_input");
      expect(JSON.stringify(outputs)).not.toContain(good.token);
    } finally {
      await k.stop();
    }
  });

  it("a host whose kernel dies mid-run is named as lost", async () => {
    const coordinator = createInterpreter();
    try {
      expect((await runCell(coordinator, `%hosts ok=${good.baseUrl}?token=${good.token} weak=${weak.baseUrl}?token=${weak.token}`)).outcome.status).toBe("ok");
      let killed = false;
      const r = await runCell(coordinator, "%%fleet --hosts ok --for 30s\ninterval:ms:100 { @ticks = count(); }", {
        onDisplay: (d) => {
          if (killed || !String(d.data["text/plain"] ?? "").startsWith("fleet: 1 of 1 hosts attached")) return;
          const [kernel] = childrenOf(good.pid, "kernel");
          expect(kernel).toBeDefined();
          process.kill(kernel!, "SIGKILL");
          killed = true;
        },
      });
      expect(r.outcome).toMatchObject({ status: "error", ename: "FleetError", evalue: expect.stringMatching(/^no host ran the cell: ok lost \(its kernel died/) });
      // the kernel the server started in its place is shut down too
      const deadline = Date.now() + 15_000;
      while ((await kernelsOn(good)).length > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
      expect(await kernelsOn(good)).toEqual([]);
    } finally {
      await coordinator.shutdown();
    }
  });
});
