// %cgroup and TRACEBOOK_CGROUP: a kernel that traces only the tasks of one cgroup v2. Two
// copies of the workload open files, one inside a test cgroup and one outside; with the
// scope a tracepoint counts exactly the inside one's opens, without it both, and `own`
// means the interpreter's own cgroup. Real BPF programs, the real interpreter.
import { mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Interpreter } from "../../kernel/interpreter.ts";
import { runCell } from "../helpers/interpreter-cell.ts";
import { createInterpreter } from "../../magics/interpreter.ts";
import { unifiedMount, unifiedPath } from "../../bpf/runtime/cgroup-scope.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startWorkload, workloadBinary, type Workload } from "../helpers/workload.ts";
import { cgroupUnavailableReason, makeCgroup, type TestCgroup } from "../helpers/cgroup.ts";

/** One cell; `onAttached` runs at its first display (the live display made once attached). */
const cell = (interp: Interpreter, code: string, onAttached?: () => void) => {
  let first = true;
  return runCell(interp, code, {
    onDisplay: () => {
      if (first) onAttached?.();
      first = false;
    },
  });
};

const skip = skipWithoutBpf() || (() => {
  const why = cgroupUnavailableReason();
  if (why && process.env.TRACEBOOK_REQUIRE_BPF === "1") throw new Error(`TRACEBOOK_REQUIRE_BPF=1 but ${why}`);
  return why !== null;
})();

describe.skipIf(skip)("%cgroup", () => {
  let cg: TestCgroup;
  // a comm of our own: other tests on this machine run the same workload binary
  const comm = `tbcg-${randomBytes(4).toString("hex")}`;
  let bin = "";

  beforeAll(() => {
    cg = makeCgroup("scope");
    bin = join(mkdtempSync(join(tmpdir(), "tb-cgroup-")), comm);
    symlinkSync(workloadBinary(), bin);
  });
  afterAll(async () => {
    await cg.remove();
  });

  /** 7 opens inside the cgroup, 5 outside, released once the cell's probes are attached. */
  async function workloads(): Promise<{ go: () => void; done: Promise<unknown>; kill: () => void }> {
    const [sh, ...args] = cg.wrap([bin, "openat", "7", "/nonexistent-inside"]);
    const inside: Workload = await startWorkload(sh!, args);
    const outside: Workload = await startWorkload(bin, ["openat", "5", "/nonexistent-outside"]);
    expect(cg.pids()).toEqual([inside.pid]);
    let done: Promise<unknown> = Promise.resolve();
    return {
      go: () => void (done = Promise.all([inside.go(), outside.go()])),
      get done() {
        return done;
      },
      kill: () => {
        inside.kill();
        outside.kill();
      },
    };
  }

  const program = (name: string) => `%%bt --for 2s\ntracepoint:syscalls:sys_enter_openat /comm == "${comm}"/ { @${name} = count(); }`;

  it("counts only the cgroup's tasks; off counts every task again; alone it shows the scope", async () => {
    const interp = createInterpreter();
    try {
      expect((await cell(interp, `%cgroup ${cg.path}`)).outcome.status).toBe("ok");
      expect((await cell(interp, "%cgroup")).stdout).toMatch(new RegExp(`^cgroup scope: ${cg.path} \\(id \\d+\\): probes see only its tasks\\n$`));
      let w = await workloads();
      const scoped = await cell(interp, program("scoped"), w.go);
      await w.done;
      expect(scoped.outcome.status).toBe("ok");
      expect(scoped.texts.at(-1)).toBe("@scoped: 7\n");

      expect((await cell(interp, "%cgroup off")).outcome.status).toBe("ok");
      expect((await cell(interp, "%cgroup")).stdout).toBe("no cgroup scope: probes see every task (%cgroup PATH | own sets one)\n");
      w = await workloads();
      const all = await cell(interp, program("all"), w.go);
      await w.done;
      expect(all.texts.at(-1)).toBe("@all: 12\n");

      // a path inside the hierarchy, as /proc/PID/cgroup prints it
      expect((await cell(interp, `%cgroup ${cg.inside}`)).outcome.status).toBe("ok");
      w = await workloads();
      const inside = await cell(interp, program("inside"), w.go);
      await w.done;
      expect(inside.texts.at(-1)).toBe("@inside: 7\n");

      // own: the interpreter's cgroup, where the outside workload runs too
      expect((await cell(interp, "%cgroup own")).outcome.status).toBe("ok");
      const own = join(unifiedMount(readFileSync("/proc/self/mountinfo", "utf8"))!, unifiedPath(readFileSync("/proc/self/cgroup", "utf8"))!).replace(/\/$/, "");
      expect((await cell(interp, "%cgroup")).stdout).toContain(`cgroup scope: ${own} (id `);
      w = await workloads();
      const mine = await cell(interp, program("own"), w.go);
      await w.done;
      expect(mine.texts.at(-1)).toBe("@own: 5\n");

      expect((await cell(interp, "%cgroup /no-such-cgroup-here")).outcome).toMatchObject({ status: "error", ename: "UsageError", evalue: expect.stringMatching(/^%cgroup: no cgroup at .*no-such-cgroup-here$/) });
    } finally {
      await interp.shutdown();
    }
  });

  it("TRACEBOOK_CGROUP scopes a kernel from its start; one that names no cgroup refuses to trace", async () => {
    const saved = process.env.TRACEBOOK_CGROUP;
    process.env.TRACEBOOK_CGROUP = cg.inside;
    const interp = createInterpreter();
    process.env.TRACEBOOK_CGROUP = "/no-such-cgroup-here";
    const broken = createInterpreter();
    if (saved === undefined) delete process.env.TRACEBOOK_CGROUP;
    else process.env.TRACEBOOK_CGROUP = saved;
    try {
      const w = await workloads();
      const scoped = await cell(interp, program("env"), w.go);
      await w.done;
      expect(scoped.texts.at(-1)).toBe("@env: 7\n");
      const refused = await cell(broken, program("broken"));
      expect(refused.outcome).toMatchObject({ status: "error", ename: "CgroupError", evalue: expect.stringMatching(/^TRACEBOOK_CGROUP=\/no-such-cgroup-here: no cgroup at .*; nothing was traced/) });
      expect(refused.texts).toEqual([]);
    } finally {
      await interp.shutdown();
      await broken.shutdown();
    }
  });

  it("tb.run in a %%ts cell keeps to the notebook's cgroup too", async () => {
    const interp = createInterpreter();
    try {
      expect((await runCell(interp, `%cgroup ${cg.path}`)).outcome.status).toBe("ok");
      const [sh, ...args] = cg.wrap([bin, "openat", "7", "/nonexistent-inside"]);
      const inside = await startWorkload(sh!, args);
      const outside = await startWorkload(bin, ["openat", "5", "/nonexistent-outside"]);
      // the cell releases both workloads once its probes are attached (@up counts)
      const r = await runCell(interp, [
        "%%ts",
        'import { kill } from "node:process";',
        `const run = tb.run('tracepoint:syscalls:sys_enter_openat /comm == "${comm}"/ { @ts = count(); } interval:ms:20 { @up = count(); }', { for: 3000 });`,
        'while (tb.snapshot("@up") === undefined) await new Promise((r) => setTimeout(r, 20));',
        `kill(${inside.pid}, "SIGUSR1");`,
        `kill(${outside.pid}, "SIGUSR1");`,
        'JSON.stringify((await run)["@ts"])',
      ].join("\n"));
      await Promise.all([inside.go(), outside.go()]);
      // 7 opens inside the cgroup; the 5 outside are not seen
      expect(r.outcome).toEqual({ status: "ok", result: { "text/plain": '[{"key":null,"value":7}]' } });
    } finally {
      await interp.shutdown();
    }
  });
});
