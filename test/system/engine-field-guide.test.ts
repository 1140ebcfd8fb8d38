// The field guide's programs (reference/ebpf-field-guide.txt), run as written against our
// own workloads: USDT in CPython, a uprobe on a gcc-built binary with handleRequest(int,
// char *), profile and interval, syscall latency by probe, execve; the kprobe programs
// fail with the error that names the tracepoints to use instead.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { PYTHON_WORKLOAD, startC, startWorkload, workloadBinary } from "../helpers/workload.ts";
import { mapOf, newSession, traceWorkload } from "../helpers/engine.ts";
import { CompileFailure } from "../../bpf/session.ts";
import { describeError } from "../../bpf/errors.ts";
import type { Value } from "../../bpf/types/snapshot.ts";
import { formatMap } from "../../bpf/output/index.ts";
import * as native from "../../native/index.ts";

const PY = "/usr/bin/python3.11";

describe.skipIf(skipWithoutBpf())("engine: the field guide's programs", () => {
  const fdsBefore = native.openFdCount();
  const session = newSession();
  afterAll(() => {
    session.close();
    expect(native.openFdCount()).toBe(fdsBefore);
  });

  const pyScript = (() => {
    const dir = mkdtempSync(join(tmpdir(), "tracebook-py-"));
    const f = join(dir, "work.py");
    writeFileSync(f, PYTHON_WORKLOAD);
    return f;
  })();

  for (const bin of ["/usr/bin/python3", PY]) {
    it(`usdt:${bin}:python:function__entry prints str(arg1), str(arg2) (as written)`, async () => {
      const N = 9;
      const w = await startWorkload(PY, [pyScript, String(N)], { release: "stdin" });
      const r = await traceWorkload(session, `usdt:${bin}:python:function__entry {\n    printf("%s:%s\\n", str(arg1), str(arg2));\n}`, w, { origin: "cell[1]" });
      expect(r.workloadExit).toBe(0);
      expect(r.attachedCount).toBe(1);
      // arg1 is the function name; arg2 is the line number (an int: str() of it reads
      // nothing, as in bpftrace). Other Python processes may show up: count ours by name.
      expect(r.lines.filter((l) => l.startsWith("target:"))).toEqual(Array.from({ length: N }, () => "target:"));
    });
  }

  it("usdt python function__entry with a pid filter: file, function and line of each call", async () => {
    const N = 5;
    const w = await startWorkload(PY, [pyScript, String(N)], { release: "stdin" });
    const r = await traceWorkload(session, `usdt:${PY}:python:function__entry /pid == $1/ { printf("%s %s %d\\n", str(arg0), str(arg1), arg2); @calls[str(arg1)] = count(); }`, w, { origin: "cell[2]" });
    expect(r.lines).toEqual(Array.from({ length: N }, () => `${pyScript} target 3`));
    const calls = mapOf(r.maps, "@calls").entries;
    expect(calls.map((e) => [e.key, e.value])).toEqual([[[{ kind: "str", value: "target" }], { kind: "count", value: BigInt(N) }]]);
  });

  it("uprobe:./myapp:handleRequest prints route and path (relative path, as written)", async () => {
    const N = 7;
    const PATH = "/api/v1/items";
    const w = await startC(["uprobe", String(N), PATH]);
    const cwd = process.cwd();
    process.chdir(dirname(workloadBinary()));
    let r;
    try {
      r = await traceWorkload(session, 'uprobe:./myapp:handleRequest { printf("route=%d path=%s\\n", arg0, str(arg1)); }', w, { origin: "cell[3]" });
    } finally {
      process.chdir(cwd);
    }
    expect(r.attachedCount).toBe(1);
    expect(r.lines).toEqual(Array.from({ length: N }, (_, i) => `route=${1 + (i % 3)} path=${PATH}`));
  });

  it("the cheat sheet's uprobe form, absolute path, with a count by route", async () => {
    const N = 10;
    const w = await startC(["uprobe", String(N), "/x"]);
    const r = await traceWorkload(session, `uprobe:${workloadBinary()}:handleRequest { printf("%d %s\\n", arg0, str(arg1)); @route[arg0] = count(); }`, w, { origin: "cell[4]" });
    expect(r.lines).toEqual(Array.from({ length: N }, (_, i) => `${1 + (i % 3)} /x`));
    const by = new Map(mapOf(r.maps, "@route").entries.map((e) => [(e.key[0] as { value: bigint }).value, (e.value as { value: bigint }).value]));
    expect(by).toEqual(new Map([[1n, 4n], [2n, 3n], [3n, 3n]]));
  });

  it("profile:hz:99 with @[ustack] = count() produces stacks of the spinning workload", async () => {
    const w = await startC(["spin", "400"]);
    const r = await traceWorkload(session, "profile:hz:99 /pid == $1/ { @[ustack] = count(); }", w, { origin: "cell[5]" });
    expect(r.workloadExit).toBe(0);
    const m = mapOf(r.maps, "@");
    const samples = m.entries.reduce((a, e) => a + (e.value as { value: bigint }).value, 0n);
    // 400 ms at 99 Hz on one CPU: about 40 samples; allow for scheduling
    expect(samples).toBeGreaterThanOrEqual(15n);
    expect(samples).toBeLessThanOrEqual(60n);
    // Every sample has a user stack, still readable after the run ended (the session owns
    // the stack map), symbolised through the workload's maps read while it ran: most
    // samples are inside spin() (the rest in clock_gettime's vDSO), at a line of workload.c.
    let inSpin = 0n;
    for (const e of m.entries) {
      const key = e.key[0] as Extract<Value, { kind: "stack" }>;
      expect(key.kind).toBe("stack");
      expect(key.user).toBe(true);
      expect(key.frames.length).toBeGreaterThanOrEqual(1);
      if (/^spin\+\d+@\S*\/workload\.c:\d+$/.test(key.frames[0]!)) inSpin += (e.value as { value: bigint }).value;
    }
    expect(inSpin * 2n).toBeGreaterThan(samples);
  });

  it("profile:hz:99 @[ustack] = count() as written, for a moment", async () => {
    const r = await session.run("profile:hz:99 { @[ustack] = count(); }", { origin: "cell[6]", output: () => {}, durationMs: 300 });
    expect(r.reason).toBe("timeout");
    expect(mapOf(r.maps, "@").entries.length).toBeGreaterThan(0);
  });

  it("interval:s:1 fires once a second", async () => {
    const t0 = performance.now();
    const r = await session.run('interval:s:1 { printf("second\\n"); exit(); }', { origin: "cell[7]", output: (t) => expect(t).toBe("second\n") });
    expect(r.reason).toBe("exit");
    expect(performance.now() - t0).toBeGreaterThan(900);
  });

  it("syscall latency by probe: raw_syscalls enter/exit join runs (as written)", async () => {
    const prog = `
tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /@start[tid]/ {
    @ns[probe] = sum(nsecs - @start[tid]);
    delete(@start[tid]);
}`;
    const r = await session.run(prog, { origin: "cell[8]", output: () => {}, durationMs: 300 });
    expect(r.reason).toBe("timeout");
    const ns = mapOf(r.maps, "@ns");
    expect(ns.entries).toHaveLength(1);
    expect((ns.entries[0]!.value as { value: bigint }).value).toBeGreaterThan(0n);
    expect(formatMap(ns)).toMatch(/^@ns\[tracepoint:raw_syscalls:sys_exit\]: [1-9]\d*\n/);
  });

  it("raw_syscalls join, scoped to our workload: exactly one openat-sized entry per call", async () => {
    const w = await startC(["openat", "8", "/nonexistent/x"]);
    const prog = `
tracepoint:raw_syscalls:sys_enter /pid == $1/ { @t0[tid] = nsecs; @ids[args->id] = count(); }
tracepoint:raw_syscalls:sys_exit /@t0[tid]/ { @n[probe] = count(); @ret[args->ret] = count(); delete(@t0[tid]); }`;
    // (not @start: maps are session-global, and the run above left other threads' entries)
    const r = await traceWorkload(session, prog, w, { origin: "cell[9]" });
    // after SIGUSR1: rt_sigtimedwait returns (exit only), 8 × openat, exit_group (enter only)
    const ids = new Map(mapOf(r.maps, "@ids").entries.map((e) => [(e.key[0] as { value: bigint }).value, (e.value as { value: bigint }).value]));
    expect(ids).toEqual(new Map([[257n, 8n], [231n, 1n]]));
    const ret = new Map(mapOf(r.maps, "@ret").entries.map((e) => [(e.key[0] as { value: bigint }).value, (e.value as { value: bigint }).value]));
    expect(ret).toEqual(new Map([[-2n, 8n]]));
  });

  it("execve: pid, comm and filename of a process we start (as written)", async () => {
    let childPid = 0;
    let text = "";
    const r = await session.run('tracepoint:syscalls:sys_enter_execve {\n    printf("%-8d %-16s %s\\n", pid, comm, str(args->filename));\n}', {
      origin: "cell[10]",
      output: (t) => {
        text += t;
      },
      durationMs: 5000,
      signal: (() => {
        const ctl = new AbortController();
        setTimeout(() => {
          const c = spawn("/bin/true", [], { stdio: "ignore" });
          childPid = c.pid!;
          c.on("exit", () => setTimeout(() => ctl.abort(), 50));
        }, 200);
        return ctl.signal;
      })(),
    }).then(async (res) => res);
    expect(r.reason).toBe("interrupt");
    expect(childPid).toBeGreaterThan(0);
    // exec'd from the forked child: its comm is still the parent's
    const ours = text.split("\n").filter((l) => l.startsWith(`${String(childPid).padEnd(8)} `));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(/^\d+ +\S.{15} \/bin\/true$/);
  });

  const kprobePrograms = [
    "kprobe:vfs_read /comm == \"myservice\"/ { @s[tid] = nsecs; }\nkretprobe:vfs_read /@s[tid]/ {\n    @us = hist((nsecs - @s[tid]) / 1000); // microseconds\n    delete(@s[tid]);\n}",
    "kretprobe:vfs_read /(nsecs - @s[tid]) > 10000000/ {\n    @slow[ustack, kstack] = count();\n}",
    "k:vfs_read /comm==\"myservice\"/ { @s[tid]=nsecs; }\nkr:vfs_read /@s[tid]/ { @us=hist((nsecs-@s[tid])/1000); delete(@s[tid]); }",
  ];
  for (const [i, src] of kprobePrograms.entries()) {
    it(`kprobe program ${i + 1} fails with the clear error, nothing attached`, async () => {
      let attached = false;
      const before = new Set(native.loadedProgIds());
      await expect(session.run(src, { origin: "cell[11]", output: () => {}, attached: () => (attached = true) })).rejects.toBeInstanceOf(CompileFailure);
      expect(attached).toBe(false);
      expect(native.loadedProgIds().filter((id) => !before.has(id))).toEqual([]);
      try {
        await session.run(src, { origin: "cell[11]", output: () => {} });
      } catch (e) {
        const t = describeError(e).text;
        expect(t).toContain("this kernel has no kprobes");
        expect(t).toContain("tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_exit_read");
      }
    });
  }
});
