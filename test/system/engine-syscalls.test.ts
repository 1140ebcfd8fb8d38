// Syscall tracepoints against our own workload: exact counts of openat(2) on a missing
// path, and the field guide's enter/exit join printing each open and its -ENOENT.
import { afterAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startC } from "../helpers/workload.ts";
import { newSession, scalar, traceWorkload } from "../helpers/engine.ts";
import * as native from "../../native/index.ts";

const N = 17;
const MISSING = "/tmp/tracebook-missing/does-not-exist";

describe.skipIf(skipWithoutBpf())("engine: syscall tracepoints", () => {
  const session = newSession();
  const fdsBefore = native.openFdCount();
  afterAll(() => {
    session.close();
    expect(native.openFdCount()).toBe(fdsBefore);
  });

  it("counts exactly N openat calls of one pid", async () => {
    const w = await startC(["openat", String(N), MISSING]);
    const r = await traceWorkload(session, "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @n = count(); }", w);
    expect(r.workloadExit).toBe(0);
    expect(r.reason).toBe("interrupt");
    expect(r.attachedCount).toBe(1);
    expect(scalar(r.maps, "@n")).toBe(BigInt(N));
  });

  it("filters by comm and keys by the path", async () => {
    const w = await startC(["openat", String(N), MISSING]);
    const r = await traceWorkload(session, 'tracepoint:syscalls:sys_enter_openat /comm == "myapp"/ { @paths[str(args->filename)] = count(); }', w, { origin: "cell[2]" });
    const m = r.maps.find((x) => x.name === "@paths")!;
    expect(m.entries).toHaveLength(1);
    expect(m.entries[0]!.key).toEqual([{ kind: "str", value: MISSING }]);
    expect(m.entries[0]!.value).toEqual({ kind: "count", value: BigInt(N) });
  });

  it("joins enter and exit by tid: N lines with ret -2 and the path (field guide)", async () => {
    const w = await startC(["openat", String(N), MISSING]);
    const prog = `
tracepoint:syscalls:sys_enter_openat /pid == $1/ { @fn[tid] = str(args->filename); }
tracepoint:syscalls:sys_exit_openat /@fn[tid]/ {
    printf("%-16s open(%s) = %d\\n", comm, @fn[tid], args->ret);
    delete(@fn[tid]);
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[3]" });
    expect(r.attachedCount).toBe(2);
    expect(r.lines).toEqual(Array.from({ length: N }, () => `${"myapp".padEnd(16)} open(${MISSING}) = -2`));
    // every entry was deleted on exit
    expect(r.maps.find((m) => m.name === "@fn")).toBeUndefined();
  });

  it("the cheat-sheet form (t: alias, no spaces) prints path=ret", async () => {
    const w = await startC(["openat", "3", MISSING]);
    const prog = `
t:syscalls:sys_enter_openat /pid == $1/ { @f[tid]=str(args->filename); }
t:syscalls:sys_exit_openat /@f[tid]/ { printf("%s=%d\\n",@f[tid],args->ret); delete(@f[tid]); }`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[4]" });
    expect(r.lines).toEqual([`${MISSING}=-2`, `${MISSING}=-2`, `${MISSING}=-2`]);
  });

  it("args.f works like args->f and $1 is the pid", async () => {
    const w = await startC(["openat", "5", MISSING]);
    const r = await traceWorkload(session, "tracepoint:syscalls:sys_exit_openat /pid == $1/ { @r[args.ret] = count(); @p = max(pid); }", w, { origin: "cell[5]" });
    const m = r.maps.find((x) => x.name === "@r")!;
    expect(m.entries.map((e) => [e.key, e.value])).toEqual([[[{ kind: "int", value: -2n, signed: true }], { kind: "count", value: 5n }]]);
    expect(scalar(r.maps, "@p")).toBe(BigInt(w.pid));
  });
});
