// What the front end's expansion gives real programs: bpftrace's syscount.bt shape (a
// macro around getopt(), syscall_name() keys) and opensnoop.bt's (a statement macro with
// map and expression parameters, strerror()), loaded into this kernel against our own
// workload, with exact counts.
import { afterAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startC } from "../helpers/workload.ts";
import { mapOf, newSession, traceWorkload } from "../helpers/engine.ts";
import * as native from "../../native/index.ts";

const N = 23;
const MISSING = "/tmp/tracebook-missing/expand";

const SYSCOUNT = `
macro sysname()
{
  getopt("sysname", false, "Show syscall name instead of syscall number")
}

tracepoint:raw_syscalls:sys_enter /pid == $1/
{
  if sysname {
    @syscallname[syscall_name(args.id)] = count();
  } else {
    @syscall[args.id] = count();
  }
}
`;

describe.skipIf(skipWithoutBpf())("engine: macros, getopt, syscall_name, strerror", () => {
  const session = newSession();
  const fdsBefore = native.openFdCount();
  afterAll(() => {
    session.close();
    expect(native.openFdCount()).toBe(fdsBefore);
  });

  it("syscount's --sysname keys the counts by syscall name: openat N times", async () => {
    const w = await startC(["openat", String(N), MISSING]);
    const r = await traceWorkload(session, SYSCOUNT, w, { origin: "cell[1]", programOptions: ["sysname"] });
    expect(r.workloadExit).toBe(0);
    const m = mapOf(r.maps, "@syscallname");
    const openat = m.entries.find((e) => e.key[0]?.kind === "str" && e.key[0].value === "openat");
    expect(openat?.value).toEqual({ kind: "count", value: BigInt(N) });
    expect(r.maps.find((x) => x.name === "@syscall")).toBeUndefined();
    // every key is a name, as bpftrace prints them: @syscallname[openat]: 23
    expect(m.entries.every((e) => e.key[0]?.kind === "str" && /^[a-z_0-9]+$/.test(e.key[0].value))).toBe(true);
  });

  it("syscall_name(), strerror() and signal_name() are strings made in the kernel, as bpftrace's stdlib makes them: they compare and key maps", async () => {
    const w = await startC(["openat", String(N), MISSING]);
    const prog = `
tracepoint:raw_syscalls:sys_enter /pid == $1 && syscall_name(args.id) == "openat"/ { @byname[syscall_name(args.id)] = count(); }
tracepoint:syscalls:sys_exit_openat /pid == $1/ { @errs[strerror(args.ret)] = count(); }
END { printf("%d %s|%s|%s|%s\\n", @byname["openat"], syscall_name(99999), strerror(-13), signal_name(2), signal_name(1024)); }`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[9]" });
    expect(r.lines).toEqual([`${N} Unknown syscall|Permission denied|Interrupt|N/A`]);
    expect(mapOf(r.maps, "@errs").entries.map((e) => [e.key, e.value])).toEqual([[[{ kind: "str", value: "No such file or directory" }], { kind: "count", value: BigInt(N) }]]);
  });

  it("without the option, the same program keys by number", async () => {
    const w = await startC(["openat", String(N), MISSING]);
    const r = await traceWorkload(session, SYSCOUNT, w, { origin: "cell[2]" });
    const m = mapOf(r.maps, "@syscall");
    const openat = m.entries.find((e) => e.key[0]?.kind === "int" && e.key[0].value === 257n);
    expect(openat?.value).toEqual({ kind: "count", value: BigInt(N) });
  });

  it("a statement macro with map and expression parameters prints strerror() of each failed open", async () => {
    const w = await startC(["openat", String(N), MISSING]);
    const prog = `
macro errname() { getopt("errname", false) }
macro sys_exit(ret, @filename)
{
  $ret = ret;
  $errno = ($ret >= 0) ? 0 : (-$ret);
  if errname {
    printf("%s: %s\\n", @filename[tid], strerror($errno));
  } else {
    printf("%s: %d\\n", @filename[tid], $errno);
  }
  delete(@filename, tid);
}
tracepoint:syscalls:sys_enter_openat /pid == $1/ { @filename[tid] = str(args.filename); }
tracepoint:syscalls:sys_exit_openat /@filename[tid]/ { sys_exit(args.ret, @filename); }
BEGIN { printf("%s|%s\\n", strerror(2), syscall_name(59)); }`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[3]", programOptions: ["errname"] });
    expect(r.lines).toEqual(["No such file or directory|execve", ...Array.from({ length: N }, () => `${MISSING}: No such file or directory`)]);
  });

  it("a macro with statements used as a value runs them where it is used", async () => {
    const prog = `
macro inc($x) { $x += 1; $x }
macro twice(x) { x + x }
BEGIN { $a = 1; $b = inc($a); @c = twice(inc($a)); printf("%d %d %d\\n", $a, $b, @c); exit(); }`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[4]" });
    expect(r.lines).toEqual(["4 2 7"]);
  });

  it("typeof(...) passes a type to a macro, and typeof(x) types a declaration like x", async () => {
    const prog = `
struct Foo { char m; }
macro sof(a, b) { sizeof(a[2]) + sizeof(b*) + sizeof(b) }
macro m(t) { sizeof(t) + 2 }
macro n(z) { m(typeof(z)) }
macro add(x) { let $y: typeof(x); if (true) { $y = 1 } x + $y }
BEGIN { $s = (int16)-3; $p = (typeof($s)*)0; printf("%d %d %d %d %d\\n", sof(typeof(uint64*), typeof(struct Foo)), n(typeof(uint64*)), add(1), sizeof(typeof($s)), sizeof(*$p)); exit(); }`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[7]" });
    expect(r.lines).toEqual(["25 10 2 2 2"]);
  });

  it("runqlat.bt's #define and `$ignore = delete(...)`: delete() is true when it deleted", async () => {
    const prog = `
#ifndef BPFTRACE_HAVE_BTF
#define TASK_RUNNING 7
#else
#define TASK_RUNNING 0
#endif
BEGIN { @a[1] = 1; $x = delete(@a, 1); $y = delete(@a, 2); printf("%d %d %d\\n", $x, $y, TASK_RUNNING); if (!delete(@a, 1)) { printf("gone\\n"); } exit(); }`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[5]" });
    expect(r.lines).toEqual(["1 0 0", "gone"]);
  });

  it("builtins are also __builtin_<name> and <name>(), as in bpftrace's stdlib; a user macro of another signature leaves cpu() alone", async () => {
    const prog = `
macro cpu(x) { x }
BEGIN { printf("%d %d %d %s\\n", __builtin_pid == pid(), pid() == pid, ncpus() == __builtin_ncpus, cpu("hi")); exit(); }`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[6]" });
    expect(r.lines).toEqual(["1 1 1 hi"]);
  });
});
