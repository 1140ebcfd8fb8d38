// %hosts and %%fleet against three real Jupyter Servers on 127.0.0.1, each with the
// tracebook kernelspec and each in a cgroup v2 of its own with TRACEBOOK_CGROUP naming it, so
// each host's kernels trace only that "host's" tasks though one machine runs all three. The
// workload (comm fleet-work) runs in host a's cgroup only: a's count is exact, b and c show
// zeros, the merge is the exact total; an interrupt stops every host and their kernels go;
// a server stopped in the middle of a run is named as lost and the others' results come back.
import { execFileSync } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInterpreter } from "../../magics/interpreter.ts";
import type { Interpreter } from "../../kernel/interpreter.ts";
import { ensureBuilt, ROOT } from "../helpers/jupyter-kernel-process.ts";
import { startJupyterServer, type JupyterServer } from "../helpers/jupyter-server.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { cgroupUnavailableReason, makeCgroup, type TestCgroup } from "../helpers/cgroup.ts";
import { startWorkload, workloadBinary } from "../helpers/workload.ts";
import { runCell, type CellRun, type ShownOutput } from "../helpers/interpreter-cell.ts";

const skip = skipWithoutBpf() || (() => {
  const why = cgroupUnavailableReason();
  if (why && process.env.TRACEBOOK_REQUIRE_BPF === "1") throw new Error(`TRACEBOOK_REQUIRE_BPF=1 but ${why}`);
  return why !== null;
})();

const NAMES = ["a", "b", "c"] as const;
const PROGRAM = 'tracepoint:syscalls:sys_enter_openat /comm == "fleet-work"/ { @calls[comm] = count(); }';

/** The workload in host a's cgroup: N openat calls as comm "fleet-work", released by go(). */
async function workIn(cg: TestCgroup, bin: string, n: number) {
  const [sh, ...args] = cg.wrap([bin, "openat", String(n), "/nonexistent-fleet-work"]);
  return startWorkload(sh!, args);
}

const fleetLine = (d: ShownOutput) => (String(d.options.displayId ?? "").endsWith("-fleet") ? String(d.data["text/plain"] ?? "").split("\n")[0]! : "");

/** Map outputs (those with a snapshot), as [view, text/plain, metadata.tracebook]. */
function maps(run: CellRun): { view: string; text: string; tb: Record<string, unknown> }[] {
  return run.displays.flatMap((d) => {
    const tb = d.options.metadata?.tracebook as (Record<string, unknown> & { fleet?: { view: string } }) | undefined;
    return tb?.snapshot ? [{ view: tb.fleet?.view ?? "", text: String(d.data["text/plain"]), tb }] : [];
  });
}

async function kernelsOn(s: JupyterServer): Promise<unknown[]> {
  const res = await fetch(`${s.baseUrl}api/kernels`, { headers: { Authorization: `token ${s.token}` } });
  return (await res.json()) as unknown[];
}

async function until(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(skip)("%%fleet over three Jupyter Servers", () => {
  const servers = new Map<string, JupyterServer>();
  const cgroups = new Map<string, TestCgroup>();
  let interp: Interpreter;
  let bin = "";

  beforeAll(async () => {
    ensureBuilt();
    const prefix = mkdtempSync(join(tmpdir(), "tb-prefix-"));
    execFileSync(process.execPath, [join(ROOT, "bin/tracebook.js"), "install", "--prefix", prefix], { stdio: "ignore" });
    bin = join(mkdtempSync(join(tmpdir(), "tb-fleet-")), "fleet-work");
    symlinkSync(workloadBinary(), bin);
    for (const n of NAMES) cgroups.set(n, makeCgroup(`fleet-${n}`));
    await Promise.all(NAMES.map(async (n) => {
      const cg = cgroups.get(n)!;
      servers.set(n, await startJupyterServer(join(prefix, "share/jupyter"), { TRACEBOOK_CGROUP: cg.inside }, { wrap: cg.wrap }));
    }));
    interp = createInterpreter();
    const hosts = NAMES.map((n) => `${n}=${servers.get(n)!.baseUrl}?token=${servers.get(n)!.token}`).join(" ");
    const r = await runCell(interp, `%hosts ${hosts}`);
    expect(r.outcome.status).toBe("ok");
  });

  afterAll(async () => {
    await interp?.shutdown();
    await Promise.all([...servers.values()].map((s) => s.stop()));
    for (const cg of cgroups.values()) await cg.remove();
  });

  it("%hosts checked every host: its kernel release, that it can trace, its cgroup; tokens never shown", async () => {
    const r = await runCell(interp, "%hosts");
    const text = r.texts.at(-1)!;
    expect(text.split("\n")[0]).toBe("3 hosts, as last checked:");
    for (const n of NAMES) {
      const line = text.split("\n").find((l) => l.startsWith(`  ${n} `))!;
      expect(line).toContain(servers.get(n)!.baseUrl);
      expect(line).toMatch(new RegExp(`ok: Linux \\S+ on \\S+, tracebook \\d+\\.\\d+\\.\\d+, cgroup ${cgroups.get(n)!.path}$`));
    }
    const everything = JSON.stringify(r);
    for (const s of servers.values()) expect(everything).not.toContain(s.token);
  });

  it("counts the workload on the one host it runs on: exact there, zeros elsewhere, the exact total merged", async () => {
    const work = await workIn(cgroups.get("a")!, bin, 1000);
    let released: Promise<unknown> | undefined;
    const r = await runCell(interp, `%%fleet --for 10s\n${PROGRAM}`, {
      onDisplay: (d) => {
        if (!released && fleetLine(d).startsWith("fleet: 3 of 3 hosts attached")) released = work.go();
      },
    });
    expect(await released).toBe(0);
    expect(r.outcome).toEqual({ status: "ok" });
    const shown = maps(r);
    expect(shown.map((s) => s.view)).toEqual(["merged", "by host"]);
    expect(shown[0]!.text).toBe("@calls[fleet-work]: 1000\n");
    expect(shown[1]!.text).toBe("@calls[b, fleet-work]: 0\n@calls[c, fleet-work]: 0\n@calls[a, fleet-work]: 1000\n");
    expect(shown[0]!.tb).toMatchObject({ host: "fleet of 3: a, b, c", ended: "timeout", probes: ["tracepoint:syscalls:sys_enter_openat"] });
    const fleet = (shown[0]!.tb as { fleet: { incomplete: boolean; hosts: Record<string, { status: string; cgroup: string }> } }).fleet;
    expect(fleet.incomplete).toBe(false);
    expect(Object.fromEntries(Object.entries(fleet.hosts).map(([n, h]) => [n, [h.status, h.cgroup]]))).toEqual(Object.fromEntries(NAMES.map((n) => [n, ["done", cgroups.get(n)!.path]])));
    expect(r.stderr).toBe("");
    expect(fleetLine(r.displays.filter((d) => fleetLine(d) !== "").at(-1)!)).toBe("fleet: 3 of 3 hosts ran it");
    // the cell's remote kernels are gone
    for (const s of servers.values()) await until(async () => (await kernelsOn(s)).length === 0, 15_000, "the remote kernels to shut down");
  });

  it("prefixes each host's printf lines with its name; --hosts picks hosts", async () => {
    const r = await runCell(interp, '%%fleet --hosts b,c\nBEGIN { printf("hello\\nfrom "); printf("%s\\n", "here"); exit(); }');
    expect(r.outcome).toEqual({ status: "ok" });
    expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual(["b: from here", "b: hello", "c: from here", "c: hello"]);
    const bad = await runCell(interp, "%%fleet --hosts b,zz\nBEGIN { exit(); }");
    expect(bad.outcome).toMatchObject({ status: "error", evalue: "%%fleet --hosts: no host zz (known: a, b, c)" });
  });

  it("a program error on every host is one error, as a %%bt cell would give", async () => {
    const r = await runCell(interp, "%%fleet\nBEGIN { @x = nosuchfunction(); }");
    expect(r.outcome).toMatchObject({ status: "error", evalue: expect.stringContaining("nosuchfunction") });
    expect((r.outcome as { traceback: readonly string[] }).traceback.at(-1)).toBe("(on every host: a, b, c)");
  });

  it("an interrupt stops every host: their maps come back, their kernels go", async () => {
    const work = await workIn(cgroups.get("a")!, bin, 300);
    const ctl = new AbortController();
    let released: Promise<unknown> | undefined;
    const r = await runCell(interp, `%%fleet\n${PROGRAM}`, {
      signal: ctl.signal,
      onDisplay: (d) => {
        if (!released && fleetLine(d).startsWith("fleet: 3 of 3 hosts attached")) released = work.go().then(() => ctl.abort());
      },
    });
    await released;
    expect(r.outcome).toEqual({ status: "ok" });
    const shown = maps(r);
    expect(shown[0]!.text).toBe("@calls[fleet-work]: 300\n");
    expect(shown[0]!.tb).toMatchObject({ ended: "interrupt" });
    for (const s of servers.values()) await until(async () => (await kernelsOn(s)).length === 0, 15_000, "the remote kernels to shut down");
  });

  // last: it stops server c
  it("a server stopped in the middle of a run is named as lost; the others' results come back", async () => {
    const work = await workIn(cgroups.get("a")!, bin, 500);
    let stopped: Promise<unknown> | undefined;
    const r = await runCell(interp, `%%fleet --for 12s\n${PROGRAM}`, {
      onDisplay: (d) => {
        if (!stopped && fleetLine(d).startsWith("fleet: 3 of 3 hosts attached")) stopped = work.go().then(() => servers.get("c")!.stop());
      },
    });
    await stopped;
    expect(r.outcome).toEqual({ status: "ok" });
    const shown = maps(r);
    expect(shown[0]!.text).toBe("@calls[fleet-work]: 500\n");
    expect(shown[1]!.text).toBe("@calls[b, fleet-work]: 0\n@calls[a, fleet-work]: 500\n");
    expect(shown[0]!.tb).toMatchObject({ host: "fleet of 3: a, b, c (incomplete: c lost)", ended: "incomplete" });
    expect(r.stderr).toMatch(/^fleet result incomplete: c lost \(.+\)\n$/);
    const table = r.texts.filter((t) => t.startsWith("fleet: ")).at(-1)!;
    expect(table.split("\n")[0]).toBe("fleet: 2 of 3 hosts ran it; the result is incomplete");
    expect(table).toMatch(/\n {2}c +lost while tracing: connection (closed by the server|lost, not back within 5 s)/);
  });
});
