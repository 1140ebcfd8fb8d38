// Lifecycle: an interrupted run ends promptly and leaves no program, link or fd behind;
// every error path (parse, unknown tracepoint, kprobe on a kernel without kprobes,
// verifier rejection) throws a typed error and never leaves a probe attached.
import { afterAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { newSession } from "../helpers/engine.ts";
import { CompileFailure } from "../../bpf/session.ts";
import { describeError } from "../../bpf/errors.ts";
import { AttachError } from "../../bpf/probes/attach.ts";
import * as native from "../../native/index.ts";

/** Programs loaded since `before` that are still loaded (by any process: none expected). */
function newProgs(before: Set<number>): number[] {
  return native.loadedProgIds().filter((id) => !before.has(id));
}

describe.skipIf(skipWithoutBpf())("engine: lifecycle and errors", () => {
  const fdsBefore = native.openFdCount();
  const session = newSession();
  afterAll(() => {
    session.close();
    expect(native.openFdCount()).toBe(fdsBefore);
  });

  it("interval:ms:100 printf, aborted: ends promptly, nothing left loaded or open", async () => {
    const progsBefore = new Set(native.loadedProgIds());
    const fds = native.openFdCount();
    const ctl = new AbortController();
    let text = "";
    let during: number[] = [];
    let abortedAt = 0;
    const run = session.run('interval:ms:100 { printf("tick %d\\n", 1); }', {
      origin: "cell[1]",
      signal: ctl.signal,
      output: (t) => {
        text += t;
      },
      attached: (n) => {
        expect(n).toBe(1);
        during = newProgs(progsBefore);
        setTimeout(() => {
          abortedAt = performance.now();
          ctl.abort();
        }, 450);
      },
    });
    const res = await run;
    const took = performance.now() - abortedAt;
    expect(res.reason).toBe("interrupt");
    expect(res.exitCode).toBe(0);
    expect(took).toBeLessThan(200);
    expect(during.length).toBeGreaterThanOrEqual(1);
    const lines = text.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(new Set(lines)).toEqual(new Set(["tick 1"]));
    // the kernel frees a program once its last fd (and link) is closed
    expect(newProgs(progsBefore).filter((id) => during.includes(id))).toEqual([]);
    expect(native.openFdCount()).toBe(fds);
  });

  it("an abort before the run starts ends it at once, cleanly", async () => {
    const fds = native.openFdCount();
    const ctl = new AbortController();
    ctl.abort();
    const res = await session.run("tracepoint:syscalls:sys_enter_getpid { @g = count(); }", { origin: "cell[2]", signal: ctl.signal, output: () => {} });
    expect(res.reason).toBe("interrupt");
    // only the session's new map @g stays open
    expect(session.mapNames()).toContain("@g");
    expect(native.openFdCount()).toBe(fds + 1);
  });

  /** Run `source`, expecting a typed error; checks nothing was left loaded or open. */
  async function failing(source: string, origin = "cell[9]"): Promise<{ err: unknown; attached: boolean }> {
    const progsBefore = new Set(native.loadedProgIds());
    const fds = native.openFdCount();
    let attached = false;
    let err: unknown;
    try {
      await session.run(source, { origin, output: () => {}, attached: () => (attached = true), durationMs: 1000 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeDefined();
    expect(newProgs(progsBefore)).toEqual([]);
    expect(native.openFdCount()).toBe(fds);
    return { err, attached };
  }

  it("a parse error is a CompileFailure with ename ParseError", async () => {
    const { err, attached } = await failing("tracepoint:syscalls:sys_enter_openat { @n = count( }");
    expect(attached).toBe(false);
    expect(err).toBeInstanceOf(CompileFailure);
    const d = describeError(err);
    expect(d.ename).toBe("ParseError");
    expect(d.text).toMatch(/^cell\[9\]:1:\d+/);
  });

  it("an unknown tracepoint fails with a did-you-mean hint", async () => {
    const { err } = await failing("tracepoint:syscalls:sys_enter_opnat { @n = count(); }");
    expect(err).toBeInstanceOf(CompileFailure);
    const text = describeError(err).text;
    expect(text).toContain("syscalls:sys_enter_opnat");
    expect(text).toContain("did you mean tracepoint:syscalls:sys_enter_openat");
  });

  it("kprobe:vfs_read fails before loading, naming the read tracepoints", async () => {
    for (const src of ["kprobe:vfs_read { @n = count(); }", "kretprobe:vfs_read { @n = count(); }"]) {
      const { err, attached } = await failing(src);
      expect(attached).toBe(false);
      expect(err).toBeInstanceOf(CompileFailure);
      const text = describeError(err).text;
      expect(text).toContain("kprobes");
      expect(text).toContain("tracepoint:syscalls:sys_enter_read");
      expect(text).toContain("tracepoint:syscalls:sys_exit_read");
    }
  });

  it("one bad probe among good ones attaches none of them", async () => {
    const { err, attached } = await failing("tracepoint:syscalls:sys_enter_read { @r = count(); } kprobe:vfs_read { @n = count(); }");
    expect(attached).toBe(false);
    expect(err).toBeInstanceOf(CompileFailure);
  });

  it("a program the verifier rejects (an unbounded loop) is a VerifierError, nothing attached", async () => {
    const { err, attached } = await failing("tracepoint:syscalls:sys_enter_getpid { while (1) { @w = count(); } }");
    expect(attached).toBe(false);
    expect(err).toBeInstanceOf(native.VerifierError);
    const d = describeError(err);
    expect(d.ename).toBe("VerifierError");
    expect(d.evalue).toContain('load program "tracepoint:syscalls:sys_enter_getpid"');
    expect(d.evalue).toContain("infinite loop detected");
    expect(d.text).toContain("in plain words: a loop the verifier cannot prove to end");
    // the failed cell left no map behind: @w can be something else in the next cell
    expect(session.mapNames()).not.toContain("@w");
    const r = await session.run("BEGIN { @w = hist(5); exit(); }", { origin: "cell[11]", output: () => {} });
    expect(r.maps.map((m) => [m.name, m.valueKind])).toEqual([["@w", "hist"]]);
  });

  it("an attach failure (uprobe on a symbol-less offset of a missing file) is typed", async () => {
    const { err, attached } = await failing("uprobe:/nonexistent/binary:main { @u = count(); }");
    expect(attached).toBe(false);
    expect(err instanceof CompileFailure || err instanceof AttachError).toBe(true);
    expect(describeError(err).text).toContain("/nonexistent/binary");
  });

  it("a background run that ends in BEGIN releases its programs (it is not kept as a job)", async () => {
    const progsBefore = new Set(native.loadedProgIds());
    const fds = native.openFdCount();
    const res = await session.run('BEGIN { printf("once\\n"); }', { origin: "cell[12]", background: true, output: () => {} });
    expect(res.reason).toBe("begin-only");
    expect(session.jobs.size).toBe(0);
    expect(newProgs(progsBefore)).toEqual([]);
    expect(native.openFdCount()).toBe(fds);
  });

  it("the session still runs programs after all those errors", async () => {
    const res = await session.run('BEGIN { printf("ok\\n"); exit(); }', { origin: "cell[10]", output: () => {} });
    expect(res.reason).toBe("exit");
  });
});
