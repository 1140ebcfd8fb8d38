// bpftrace's smaller standard-library functions against this kernel (their rows
// in bpf/functions/): string helpers on strings read from a
// workload's uprobe argument, pid(init)/tid(init) against the real pid, usermode and
// probetype per probe type, len() of maps and stacks, the clocks of nsecs(mode),
// pton, array casts, block expressions, errorf/warnf and assert's exit code.
import { readFileSync } from "node:fs";
import { describe, expect, it, afterAll } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { newSession, traceWorkload } from "../helpers/engine.ts";
import { startC, workloadBinary } from "../helpers/workload.ts";
import * as native from "../../native/index.ts";

async function collect(session: ReturnType<typeof newSession>, source: string) {
  let text = "";
  let errors = "";
  let warnings = "";
  const r = await session.run(source, {
    origin: "stdin",
    output: (t) => (text += t),
    errorOutput: (t) => (errors += t),
    warning: (t) => (warnings += t),
  });
  return { text, errors, warnings, exitCode: r.exitCode };
}

describe.skipIf(skipWithoutBpf())("engine: stdlib functions", () => {
  const fdsBefore = native.openFdCount();
  const session = newSession();
  const bin = workloadBinary();
  afterAll(() => {
    session.close();
    expect(native.openFdCount()).toBe(fdsBefore);
  });

  it("strlen, strcap, strstr, memcmp on literals and variables", async () => {
    const r = await collect(session, [
      'BEGIN { $s = "hello world"; printf("%d %d %d %d\\n", strlen("abc"), strlen($s), strcap("abc"), strcap($s));',
      ' printf("%d %d %d %d\\n", strstr($s, "wor"), strstr($s, "xyz"), strstr($s, ""), strstr("abc", "abcd"));',
      ' printf("%d %d %d %d\\n", memcmp("abc", "abd", 3), memcmp("abc", "abd", 2), memcmp("abd", "abc", 3), memcmp($s, "hello", 5)); exit(); }',
    ].join(""));
    expect(r.text).toBe("3 11 4 12\n6 -1 0 -1\n-1 0 1 0\n");
  });

  it("strcontains: needles in variables, empty needles and NULs inside literals (both stop at the NUL)", async () => {
    const r = await collect(session, [
      'BEGIN { $h = "hello-test-world"; $n = "test"; $m = "tests"; $e = "";',
      ' print((strcontains($h, $n), strcontains($h, $m), strcontains($h, $e), strcontains("", $e), strcontains("", $n)));',
      ' print((strcontains("wo\\0rld", "rld"), strcontains("world", "wo\\0xx"), strcontains("abc", "abcd"))); exit(); }',
    ].join(""));
    expect(r.errors).toBe("");
    expect(r.text).toBe("(true, false, true, true, false)\n(false, true, false)\n");
  });

  it("uprobe: strlen/strstr of str(arg1), buf(arg1, 6), usermode 1, probetype, pid(init) and tid(init) are the workload's", async () => {
    const w = await startC(["uprobe", "3", "/tmp/some/request/path"]);
    const r = await traceWorkload(session, `uprobe:${bin}:handleRequest /pid == $1/ { printf("%d %d %d %s %d %d %d %r\\n", strlen(str(arg1)), strstr(str(arg1), "request"), usermode, probetype, pid(init), tid(init), len(ustack) > 0, buf(arg1, 6)); }`, w);
    expect(r.lines).toEqual(Array(3).fill(`22 10 1 uprobe ${w.pid} ${w.pid} 1 /tmp/s`));
  });

  it("tracepoint: usermode 0, probetype tracepoint, pid(curr_ns) is pid; BEGIN: usermode 1, probetype special", async () => {
    const w = await startC(["openat", "2", "/nonexistent-stdlib"]);
    const r = await traceWorkload(session, `BEGIN { printf("%d %s\\n", usermode, probetype); } tracepoint:syscalls:sys_enter_openat /pid == $1/ { printf("%d %s %d %d\\n", usermode, probetype, pid(curr_ns) == $1, len(kstack) > 0); }`, w);
    expect(r.lines).toEqual(["1 special", "0 tracepoint 1 1", "0 tracepoint 1 1"]);
  });

  it("len(@map) counts the elements in the kernel (hash and per-CPU count maps)", async () => {
    const w = await startC(["uprobe", "7", "/tmp/x"]);
    const r = await traceWorkload(session, `uprobe:${bin}:handleRequest /pid == $1/ { @routes[arg0] = count(); @seen[arg0, 1] = 1; } END { printf("%d %d\\n", len(@routes), len(@seen)); clear(@routes); clear(@seen); }`, w);
    // routes 1 + i % 3 for i < 7: three distinct keys
    expect(r.lines[0]).toBe("3 3");
    session.dropMap("@routes");
    session.dropMap("@seen");
  });

  it("ncpus is the possible CPUs; nsecs(monotonic|boot|tai|sw_tai) are those clocks", async () => {
    const before = native.clockNs(native.Clock.MONOTONIC);
    const r = await collect(session, [
      "BEGIN { $m = nsecs(monotonic); $b = nsecs(boot); $t = nsecs(tai); $a = nsecs(sw_tai); $c = nsecs(sw_tai);",
      ' printf("%d %ld %ld %ld %ld\\n", ncpus, $m, $b - $m, $t - $b, ($a + $c) / 2 - $t); exit(); }',
    ].join(""));
    const after = native.clockNs(native.Clock.MONOTONIC);
    const [cpus, mono, bootMinusMono, taiMinusBoot, swTaiErr] = r.text.trim().split(" ").map(BigInt) as [bigint, bigint, bigint, bigint, bigint];
    expect(Number(cpus)).toBe(machineCpus());
    expect(mono >= before && mono <= after).toBe(true);
    const suspended = native.clockNs(native.Clock.BOOTTIME) - native.clockNs(native.Clock.MONOTONIC);
    expect(bootMinusMono >= 0n && bootMinusMono <= suspended + 1_000_000n).toBe(true);
    const taiOffset = native.clockNs(native.Clock.TAI) - native.clockNs(native.Clock.BOOTTIME);
    expect(taiMinusBoot - taiOffset < 1_000_000n && taiOffset - taiMinusBoot < 1_000_000n).toBe(true);
    // the sandwich is measured in user space: within a few microseconds of the kernel's TAI
    expect(swTaiErr < 100_000n && swTaiErr > -100_000n).toBe(true);
  });

  it("pton, array casts and block expressions", async () => {
    const r = await collect(session, [
      'BEGIN { print(pton("1.2.3.4")); print(pton("::ffff:127.0.0.1")); printf("%x\\n", (uint32)pton("127.0.0.1"));',
      " $a = (int8[8])12345; printf(\"%x %x %d\\n\", $a[0], $a[1], (uint64)$a); print((uint8[4])0x01020304);",
      ' print((int8[])"hello"); print((int16[])"abc");',
      " let $v = { let $b = 20; $b + 1 }; print($v); exit(); }",
    ].join(""));
    expect(r.text).toBe("[1,2,3,4]\n[0,0,0,0,0,0,0,0,0,0,-1,-1,127,0,0,1]\n100007f\n39 30 12345\n[4,3,2,1]\n[104,101,108,108,111,0]\n[25185,99]\n21\n");
  });

  it("errorf and warnf print bpftrace's located ERROR/WARNING lines; assert exits with 1", async () => {
    const r = await collect(session, 'BEGIN { errorf("Something bad with args: %d, %s", 10, "arg2"); warnf("careful: %d", 3); exit(); }');
    expect(r.errors).toBe("stdin:1:9-62: ERROR: Something bad with args: 10, arg2\n");
    expect(r.warnings).toBe("stdin:1:64-87: WARNING: careful: 3\n");
    const a = await collect(session, 'BEGIN { assert(1 + 1 == 2, "math"); printf("one\\n"); assert(ncpus == 0, "no cpus"); printf("not reached\\n"); }');
    expect(a.text).toBe("one\n");
    // bpftrace's assert is its stdlib's macro around errorf: located there, expanded from the call
    expect(a.errors).toBe([
      "stdlib/base.bt:6:5-37: ERROR: assert failed: no cpus",
      "stdin:1:54-83: ERROR: expanded from",
      'BEGIN { assert(1 + 1 == 2, "math"); printf("one\\n"); assert(ncpus == 0, "no cpus"); printf("not reached\\n"); }',
      `${" ".repeat(53)}${"~".repeat(29)}`,
      "",
    ].join("\n"));
    expect(a.exitCode).toBe(1);
  });

  it("errorf and warnf in a macro name their place in its body, then each call it was expanded from", async () => {
    const prog = 'macro inner(x) { warnf("w %d", x); }\nmacro outer(y) { inner(y + 1); errorf("e"); 1 }\nBEGIN { $a = outer(2); exit(); }';
    const r = await collect(session, prog);
    expect(r.warnings).toBe([
      "stdin:1:18-34: WARNING: w 3",
      "stdin:2:18-30: WARNING: expanded from",
      "macro outer(y) { inner(y + 1); errorf(\"e\"); 1 }",
      `${" ".repeat(17)}${"~".repeat(12)}`,
      "stdin:3:14-22: WARNING: expanded from",
      "BEGIN { $a = outer(2); exit(); }",
      `${" ".repeat(13)}${"~".repeat(8)}`,
      "",
    ].join("\n"));
    expect(r.errors).toBe([
      "stdin:2:32-43: ERROR: e",
      "stdin:3:14-22: ERROR: expanded from",
      "BEGIN { $a = outer(2); exit(); }",
      `${" ".repeat(13)}${"~".repeat(8)}`,
      "",
    ].join("\n"));
  });
});

function machineCpus(): number {
  // /sys/devices/system/cpu/possible: "0-1" or "0"
  const text = readFileSync("/sys/devices/system/cpu/possible", "utf8");
  return text.trim().split(",").reduce((n, part) => {
    const [a, b] = part.split("-").map(Number) as [number, number | undefined];
    return n + (b === undefined ? 1 : b - a + 1);
  }, 0);
}
