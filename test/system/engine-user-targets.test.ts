// uprobe and usdt targets as bpftrace finds them, attached for real through the CLI: the
// path as written (relative, wildcarded) in `probe` and `-l`, `uprobe:*` and `usdt::` with
// -p (the process's files), two probes on one function firing in the order written, a
// USDT probe at two places counted once, ustack there with the function it is inlined in
// (file:line from DWARF, bpftrace's show_debug_info), and the attach errors bpftrace reports for an
// address in no function or a function of size 0. Counts come from workloads the tests
// start (test/fixtures/workload, test/fixtures/elf/usdt-locations).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { PYTHON_WORKLOAD, startC, startWorkload, workloadBinary, type Workload } from "../helpers/workload.ts";
import { ROOT, runCli } from "../helpers/cli.ts";
import { writeFileSync } from "node:fs";

const NOTIFY = { __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" };
const LOCATIONS = join(ROOT, "test/fixtures/elf/usdt-locations");

/** Run the CLI on `args`; once attached, release the workload and end the run 100 ms after it exits. */
function traced(args: readonly string[], w: Workload, cwd?: string) {
  return runCli(args, {
    env: NOTIFY,
    ...(cwd !== undefined && { cwd }),
    onLine: (line, kill) => {
      if (line === "__BPFTRACE_NOTIFY_PROBES_ATTACHED") void w.go().then(() => setTimeout(() => kill("SIGINT"), 100));
    },
  });
}

describe.skipIf(skipWithoutBpf())("engine: uprobe and usdt targets", () => {
  beforeAll(() => {
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "pipe" });
  });

  it("a relative or wildcarded path is kept as written in `probe`, and attaches to that file", async () => {
    const bin = workloadBinary();
    const cwd = dirname(bin);
    for (const target of [`./${basename(bin)}`, `./${basename(bin).slice(0, 3)}*`]) {
      const w = await startC(["uprobe", "5", "/x"]);
      const out = await traced(["-p", String(w.pid), "-e", `uprobe:${target}:handleRequest { @[probe] = count(); }`], w, cwd);
      w.kill();
      expect(out.stderr).toBe("Attached 1 probe\n");
      expect(out.stdout).toBe(`__BPFTRACE_NOTIFY_PROBES_ATTACHED\n\n\n@[uprobe:./${basename(bin)}:handleRequest]: 5\n`);
    }
  });

  it("-l lists a file's functions by the path as written, and with -p the files the process maps", async () => {
    const bin = workloadBinary();
    const listed = await runCli(["-l", `uprobe:./${basename(bin)}:handle*`], { cwd: dirname(bin) });
    expect(listed.stdout).toBe(`uprobe:./${basename(bin)}:handleRequest\nuprobe:./${basename(bin)}:handleStruct\n`);
    const w = await startC(["uprobe", "1", "/x"]);
    try {
      const byPid = await runCli(["-l", "uprobe:*:handle*", "-p", String(w.pid)]);
      expect(byPid.stdout).toBe(`uprobe:${bin}:handleRequest\nuprobe:${bin}:handleStruct\n`);
      const all = await runCli(["-l", "-p", String(w.pid)]);
      expect(all.stdout).toContain(`\nuprobe:${bin}:handleRequest\n`);
      expect(all.stdout).toMatch(/\nuprobe:\/\S*libc\.so\.6:malloc\n/);
      expect(all.stdout).toContain("\ntracepoint:syscalls:sys_enter_openat\n");
      const program = await runCli(["-l", "-e", "uretprobe:*:handleReq* { exit(); }", "-p", String(w.pid)]);
      expect(program.stdout).toBe(`uretprobe:${bin}:handleRequest\n`);
    } finally {
      w.kill();
    }
  });

  it("uprobe:*:FUNC with -p attaches in every file the process maps that has FUNC", async () => {
    const w = await startC(["uprobe", "7", "/x"]);
    const out = await traced(["-p", String(w.pid), "-e", "uprobe:*:handleRequest { @n = count(); } uprobe:*:getpid { @g = count(); }"], w);
    w.kill();
    expect(out.stderr).toBe("Attached 2 probes\n");
    expect(out.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n\n\n@n: 7\n");
  });

  it("-p with the pid also as $1: a branch that ends in exit() loads (no unreachable jump past its else)", async () => {
    const w = await startC(["uprobe", "11", "/x"]);
    const prog = `uprobe:${workloadBinary()}:handleRequest { if (pid == $1) { if (@count == 10) { print("hello"); exit(); } else { @count++; } } else { exit(); } }`;
    const out = await traced(["-p", String(w.pid), "-e", prog, String(w.pid)], w);
    w.kill();
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\nhello\n\n\n@count: 10\n");
  });

  it("two uprobes, and two uretprobes, on one function fire in the order they are written", async () => {
    for (const kind of ["uprobe", "uretprobe"]) {
      const w = await startC(["uprobe", "3", "/x"]);
      const prog = `${kind}:${workloadBinary()}:handleRequest { printf("first "); } ${kind}:${workloadBinary()}:handleRequest { printf("second\\n"); }`;
      const out = await traced(["-p", String(w.pid), "-e", prog], w);
      w.kill();
      expect(out.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\nfirst second\nfirst second\nfirst second\n\n\n");
    }
  });

  it("usdt without a file, or with `*`, with -p: the process's probes", async () => {
    const PY = "/usr/bin/python3.11";
    const script = join(mkdtempSync(join(tmpdir(), "tb-usdt-pid-")), "work.py");
    writeFileSync(script, PYTHON_WORKLOAD);
    for (const target of ["", "*"]) {
      const w = await startWorkload(PY, [script, "4"], { release: "stdin" });
      const out = await traced(["-p", String(w.pid), "-e", `usdt:${target}:python:function__return /str(arg1) == "target"/ { @[probe] = count(); }`], w);
      w.kill();
      expect(out.stderr).toBe("Attached 1 probe\n");
      expect(out.stdout).toContain(`\n@[usdt:${PY}:python:function__return]: 4\n`);
    }
  });

  it("a USDT probe placed twice is one probe, attached at both places", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tb-usdt-loc-"));
    copyFileSync(LOCATIONS, join(dir, "locs"));
    // loc:hit fires for i = 0, 1, 2 in the loop (a register argument) and for -1 after it (a constant)
    const out = await runCli(["-e", "usdt:./locs:loc:* { @[probe, arg0] = count(); }", "-c", "./locs 3"], { cwd: dir });
    expect(out.stderr).toBe("Attached 2 probes\n");
    expect(out.stdout.split("\n").filter(Boolean).sort()).toEqual([
      "@[usdt:./locs:loc:hit, -1]: 1", "@[usdt:./locs:loc:hit, 0]: 1", "@[usdt:./locs:loc:hit, 1]: 1", "@[usdt:./locs:loc:hit, 2]: 1", "@[usdt:./locs:loc:once, 3]: 1",
    ]);
  });

  it("ustack at a USDT probe in an always-inlined function: an [inlined] line, then the function it is in, each @file:line; perf mode marks it (inlined); ustack(2) counts addresses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tb-usdt-inl-"));
    const src = join(ROOT, "test/fixtures/elf/usdt-locations.c");
    // non-PIE: the run ends before its maps are read, its frames resolve in the file probed;
    // frame pointers: run's caller is the second address (main tail-calls run: libc's frame)
    execFileSync("gcc", ["-O2", "-g", "-no-pie", "-fno-omit-frame-pointer", "-o", join(dir, "locs"), src]);
    const line = (text: string) => readFileSync(src, "utf8").split("\n").findIndex((l) => l.includes(text)) + 1;
    const out = await runCli(["-e", "usdt:./locs:loc:hit { @[ustack(2)] = count(); @p[ustack(perf, 1)] = count(); }", "-c", "./locs 3"], { cwd: dir });
    expect(out.stderr).toBe("Attached 1 probe\n");
    const at = (text: string) => `@${src}:${line(text)}`;
    // offsets and addresses vary with the compiler: compare the rest exactly
    const text = out.stdout.replace(/\+\d+/g, "+N").replace(/\t[0-9a-f]+ /g, "\tADDR ");
    const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const stack = (call: string, n: number) => new RegExp(`${esc(`@[\n        [inlined] hit${at("STAP_PROBE1(loc, hit")}\n        run+N${at(call)}\n`)} {8}\\S+\n\\]: ${n}\n`);
    // the loop's place fires 3 times, the one after it once
    expect(text).toMatch(stack("    hit(i);", 3));
    expect(text).toMatch(stack("  hit(-1);", 1));
    expect(text).toContain(`@p[\n\tADDR hit (inlined)\n\tADDR run+N (${dir}/locs)\n]: 3\n`);
    expect(text).toContain(`@p[\n\tADDR hit (inlined)\n\tADDR run+N (${dir}/locs)\n]: 1\n`);
  });

  it("an address in no function, and a function of size 0, fail to attach in bpftrace's words (--unsafe allows the latter)", async () => {
    const bin = workloadBinary();
    const addr = await runCli(["-e", `uprobe:${bin}:10 { exit(); }`]);
    expect(addr.code).toBe(1);
    expect(addr.stderr).toBe(
      `ERROR: Could not resolve address: ${bin}:0xa\nERROR: Unable to attach probe: uprobe:${bin}:10. If this is expected, set the 'missing_probes' config variable to 'warn'.\n`,
    );
    const init = await runCli(["-e", `uprobe:${bin}:_init { exit(); }`]);
    expect(init.code).toBe(1);
    expect(init.stderr).toContain(
      "ERROR: Could not determine boundary for _init (symbol has size 0).\nUse --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process.\n",
    );
    const w = await startC(["uprobe", "2", "/x"]);
    const unsafe = await traced(["--unsafe", "-p", String(w.pid), "-e", `uprobe:${bin}:_init { @i = count(); } uprobe:${bin}:handleRequest { @n = count(); }`], w);
    w.kill();
    expect(unsafe.stderr).toBe("Attached 2 probes\n");
    expect(unsafe.stdout).toContain("@n: 2\n");
  });
});
