// BPF iterators, live: iter:task walks every task (this test process among them, with its
// comm), iter:task_file every open file (a file this test opened, by fd and name),
// iter:task_vma every mapping (the first one of /proc/self/maps). The iterator is read in
// this process, so its own tasks, files and mappings are what the test knows exactly.
import { closeSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { iteratorsAllowed, machineEnv } from "../../bpf/runtime/features.ts";
import { featureTest, skipWithoutBpf } from "../helpers/privilege.ts";
import { mapOf, newSession, traceWorkload } from "../helpers/engine.ts";

// BPF_TRACE_ITER on bpf_iter_task: Linux 5.8.
describe.skipIf(skipWithoutBpf() || featureTest("BPF iterators", () => iteratorsAllowed(machineEnv()), "5.8"))("engine: iter probes", () => {
  const session = newSession();
  afterAll(() => session.close());
  const comm = readFileSync("/proc/self/comm", "utf8").trim();

  it("iter:task prints this process's main thread with its comm, once", async () => {
    const prog = 'iter:task /ctx.task.pid == $1/ { printf("%s:%d\\n", ctx.task.comm, ctx.task.pid); }';
    const r = await traceWorkload(session, prog, undefined, { extra: [String(process.pid)] });
    expect(r.lines).toEqual([`${comm}:${process.pid}`]);
    expect(r.reason).toBe("exit");
  });

  it("iter:task counts every thread of this process, as /proc/self/task lists them", async () => {
    const prog = "iter:task /ctx.task.tgid == $1/ { @threads = count(); @[ctx.task.pid] = count(); }";
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[2]", extra: [String(process.pid)] });
    const tids = readFileSync(`/proc/${process.pid}/status`, "utf8").match(/^Threads:\s+(\d+)/m)![1];
    const m = mapOf(r.maps, "@threads").entries[0]!.value;
    expect(m).toEqual({ kind: "count", value: BigInt(tids!) });
    expect(mapOf(r.maps, "@").entries.some((e) => e.key[0]?.kind === "int" && e.key[0].value === BigInt(process.pid))).toBe(true);
  });

  it("iter:task_file names a file this process has open, by fd", async () => {
    const name = `tracebook-iter-${process.pid}`;
    const fd = openSync(join(tmpdir(), name), "w");
    try {
      const prog = 'iter:task_file /ctx.task.pid == $1 && ctx.fd == $2/ { printf("%d %s\\n", ctx.fd, str(ctx.file.f_path.dentry.d_name.name)); }';
      const r = await traceWorkload(session, prog, undefined, { origin: "cell[3]", extra: [String(process.pid), String(fd)] });
      expect(r.lines).toEqual([`${fd} ${name}`]);
    } finally {
      closeSync(fd);
    }
  });

  it("iter:task_vma reports the first mapping of /proc/self/maps", async () => {
    const first = readFileSync("/proc/self/maps", "utf8").split("\n")[0]!.split(" ")[0]!;
    const [start, end] = first.split("-").map((x) => BigInt(`0x${x}`).toString(16)); // maps pads to 8 digits, %lx does not
    const prog = 'iter:task_vma /ctx.task.pid == $1 && ctx.vma.vm_start == $2/ { printf("%lx-%lx\\n", ctx.vma.vm_start, ctx.vma.vm_end); }';
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[4]", extra: [String(process.pid), `0x${start}`] });
    expect(r.lines).toEqual([`${start}-${end}`]);
  });
});
