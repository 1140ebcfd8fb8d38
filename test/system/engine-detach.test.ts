// Detaching off the reply path: a notebook cell sets its run's stop flag (one map update)
// and closes its probes on worker threads afterwards, because close() of a tracepoint
// perf event waits for the kernel (tens of ms each). Until they are closed the probes are
// still attached, so the flag is what keeps them out of the maps: these tests fire the
// traced syscall while the probes are attached and stopped, and count exactly.
import { afterAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { newSession, traceWorkload } from "../helpers/engine.ts";
import { startC, workloadBinary } from "../helpers/workload.ts";
import { LoadedRun } from "../../bpf/runtime/run.ts";
import * as native from "../../native/index.ts";
import { processObjects } from "../helpers/process-objects.ts";

const COUNT = "tracepoint:syscalls:sys_enter_openat /pid == $1 || pid == $2/ { @n = count(); }";

function count(session: ReturnType<typeof newSession>, map = "@n"): bigint {
  const v = session.snapshot(map)?.entries[0]?.value;
  return v?.kind === "count" ? v.value : 0n;
}

describe.skipIf(skipWithoutBpf())("engine: a stopped run's probes touch no map", () => {
  const session = newSession();
  afterAll(() => session.close());

  it("stop() keeps attached probes from counting: 20 events before it, none of 30 after", async () => {
    const [a, b] = await Promise.all([startC(["openat", "20", "/dev/null"]), startC(["openat", "30", "/dev/null"])]);
    const r = session.compile(COUNT, "cell[1]", [String(a.pid), String(b.pid)]);
    expect(r.spec).toBeDefined();
    const run = new LoadedRun(r.spec!, session, { output: () => {} });
    try {
      run.load();
      expect(run.attachAll()).toBe(1);
      expect(await a.go()).toBe(0);
      expect(count(session)).toBe(20n);
      expect(run.stop()).toBe(true);
      expect(run.links.length).toBeGreaterThan(0); // still attached
      expect(await b.go()).toBe(0);
      expect(count(session)).toBe(20n);
    } finally {
      run.close();
      a.kill();
      b.kill();
    }
  });

  it("a run with closeProbesLater returns before its probes are closed; they count nothing meanwhile and are gone once settled", async () => {
    const fds = native.openFdCount();
    // the run's own programs (other developers load theirs on this machine meanwhile)
    let ours: number[] = [];
    const [a, b] = await Promise.all([startC(["openat", "7", "/dev/null"]), startC(["openat", "50", "/dev/null"])]);
    try {
      const res = await session.run(`${COUNT.replace("@n", "@m")} tracepoint:sched:sched_process_exit /pid == $1/ { exit(); }`, {
        origin: "cell[2]",
        positional: [String(a.pid), String(b.pid)],
        output: () => {},
        closeProbesLater: true,
        attached: () => {
          ours = [...processObjects(process.pid).progs];
          void a.go();
        },
      });
      expect(res.reason).toBe("exit");
      expect(native.backgroundClosesPending()).toBeGreaterThan(0);
      expect(await b.go()).toBe(0);
      expect(count(session, "@m")).toBe(7n);
      await native.backgroundClosesSettled();
      expect(native.backgroundClosesPending()).toBe(0);
      expect(native.openFdCount()).toBe(fds + 1); // @m, the session keeps it
      expect(ours.length).toBe(2);
      // the kernel frees a program once its last perf event is gone, after an RCU grace period
      for (let i = 0; i < 100 && native.loadedProgIds().some((id) => ours.includes(id)); i++) await new Promise((r) => setTimeout(r, 20));
      expect(native.loadedProgIds().filter((id) => ours.includes(id))).toEqual([]);
    } finally {
      a.kill();
      b.kill();
    }
  });

  it("exit() sets the flag itself: of 2000 opens, the one that exits is the only one counted", async () => {
    const a = await startC(["openat", "2000", "/dev/null"]);
    try {
      const res = await session.run("tracepoint:syscalls:sys_enter_openat /pid == $1/ { @x = count(); exit(); }", {
        origin: "cell[3]",
        positional: [String(a.pid)],
        output: () => {},
        attached: () => void a.go(),
      });
      expect(res.reason).toBe("exit");
      // without the flag the opens between exit()'s record and the detach count too
      expect(count(session, "@x")).toBe(1n);
    } finally {
      a.kill();
    }
  });

  it("two uprobes of one function run in program order: the first prints before the second exits", async () => {
    const w = await startC(["uprobe", "5", "/x"]);
    try {
      const prog = `uprobe:${workloadBinary()}:handleRequest /pid == $1/ { printf("first %d\\n", arg0); }
uprobe:${workloadBinary()}:handleRequest /pid == $1/ { printf("second %d\\n", arg0); exit(); }`;
      const r = await traceWorkload(session, prog, w, { origin: "cell[4]" });
      expect(r.reason).toBe("exit");
      // attached in program order, the kernel would run the second first and its exit() would stop the first
      expect(r.lines).toEqual(["first 1", "second 1"]);
    } finally {
      w.kill();
    }
  });
});
