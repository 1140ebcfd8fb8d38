// The bpftrace-compatible CLI, built and spawned: "Attached N probes" on stderr, the
// __BPFTRACE_NOTIFY_PROBES_ATTACHED line test harnesses wait for, --dry-run exit codes,
// the kprobe error before anything is attached, SIGINT and SIGTERM printing the maps, and
// bpftrace's settings: -p PID, --unsafe, BPFTRACE_* / config = { ... }, the map-full warning.
import { execFileSync, spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PYTHON_WORKLOAD, startC, startWorkload, workloadBinary } from "../helpers/workload.ts";
import { type CliOut, ROOT, runCli } from "../helpers/cli.ts";

const cli = runCli;

describe.skipIf(skipWithoutBpf())("engine: the tracebook CLI", () => {
  beforeAll(() => {
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "pipe" });
  });

  it("prints Attached N probes (stderr), the notify line once attached, and the maps on SIGINT", async () => {
    const w = await startC(["openat", "6", "/nonexistent/cli"]);
    let notified = false;
    const out = await cli(["-e", "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @n = count(); } tracepoint:syscalls:sys_exit_openat /pid == $1/ { @r[args->ret] = count(); }", String(w.pid)], {
      env: { __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" },
      onLine: (line, kill) => {
        if (line === "__BPFTRACE_NOTIFY_PROBES_ATTACHED") {
          notified = true;
          void w.go().then(() => setTimeout(() => kill("SIGINT"), 100));
        }
      },
    });
    w.kill();
    expect(notified).toBe(true);
    expect(out.code).toBe(0);
    const lines = out.stdout.split("\n");
    expect(out.stderr).toBe("Attached 2 probes\n");
    expect(lines[0]).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED");
    expect(lines.filter((l) => l === "__BPFTRACE_NOTIFY_PROBES_ATTACHED")).toHaveLength(1);
    expect(out.stdout).toContain("@n: 6\n");
    expect(out.stdout).toContain("@r[-2]: 6\n");
  });

  it("loads while signals keep arriving: the verifier's EAGAIN (a signal pending) is tried again", async () => {
    // node's sampling profiler sends SIGPROF every 100 µs; before the retry most of these
    // runs failed with "verifier rejected the program" at the first helper call.
    const dir = mkdtempSync(join(tmpdir(), "tb-cpuprof-"));
    for (let i = 0; i < 6; i++) {
      const out = await cli(["-e", 'BEGIN { printf("ok %d\\n", 1); exit(); }'], {
        nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval", "100"],
      });
      expect(out.stderr).not.toContain("ERROR");
      expect({ code: out.code, ok: out.stdout.includes("ok 1\n") }).toEqual({ code: 0, ok: true });
    }
  });

  it("writes all of a flood to a non-blocking pipe whose reader is slow (EAGAIN waits, short writes go on)", async () => {
    // 200 lines of 4000 bytes, written before the reader reads: several times what the
    // socket under a spawned child's stdout holds, even in the CLI's 64 KiB batches (with
    // less, the child writes all of it, exits during the pause, and Node drops its output)
    const child = spawn(process.execPath, [join(ROOT, "bin/tracebook.js"), "-q", "-e",
      `BEGIN { $s = "${"x".repeat(999)}"; $i = 0; while ($i < 200) { printf("%s%s%s%s\\n", $s, $s, $s, $s); $i++; } exit(); }`], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pause();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    await new Promise((r) => setTimeout(r, 1500));
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stdout.resume();
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(out.split("\n").filter((l) => l === "x".repeat(3996))).toHaveLength(200);
  });

  it("keeps stderr lines in their place among the batched output lines (2>&1)", () => {
    const out = execFileSync("sh", ["-c", `"${process.execPath}" "${join(ROOT, "bin/tracebook.js")}" -q -e 'interval:ms:1 { printf("one\\n"); warnf("two"); printf("three\\n"); exit(); }' 2>&1`], { encoding: "utf8" });
    // the interval may fire again before exit() is read: every firing prints the three in order
    const lines = out.split("\n").filter(Boolean);
    expect(lines.length % 3).toBe(0);
    for (let i = 0; i < lines.length; i += 3) expect(lines.slice(i, i + 3)).toEqual(["one", "stdin:1:34-46: WARNING: two", "three"]);
  });

  it("stdout is the program's output then two newlines and the maps; Attached counts BEGIN and END, as bpftrace's does", async () => {
    const out = await cli(["-e", 'BEGIN { printf("hi\\n"); @a = 1; exit(); } END { } tracepoint:syscalls:sys_enter_openat { }']);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe("Attached 3 probes\n");
    expect(out.stdout).toBe("hi\n\n\n@a: 1\n");
  });

  it("-f json: NDJSON records as bpftrace's, attached_probes first, no blank lines", async () => {
    const out = await cli(["-f", "json", "-e", 'BEGIN { printf("hi %d\\n", 5); print(7); print((1, "a")); time("at\\n"); @a = count(); @m[1, "x"] = 2; print(@a); exit(); }']);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe([
      '{"type": "attached_probes", "count": 1, "data": {"probes": 1}}',
      '{"type": "printf", "data": "hi 5\\n"}',
      '{"type": "value", "data": 7}',
      '{"type": "value", "data": [1,"a"]}',
      '{"type": "time", "data": "at\\n"}',
      '{"type": "map", "data": {"@a": 1}}',
      '{"type": "map", "data": {"@a": 1}}',
      '{"type": "map", "data": {"@m": {"1,x": 2}}}',
      "",
    ].join("\n"));
  });

  it("-q leaves out the Attached line; exit() ends the run with the maps", async () => {
    const out = await cli(["-q", "-e", 'BEGIN { @x = sum(3); @x = sum(4); printf("hello\\n"); exit(); }']);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe("");
    expect(out.stdout).toContain("hello\n");
    expect(out.stdout).toContain("@x: 7\n");
  });

  it("--dry-run exits 0 on a good program, 1 on an error with the diagnostic", async () => {
    const ok = await cli(["--dry-run", "-e", "tracepoint:syscalls:sys_enter_openat { @n = count(); }"]);
    expect(ok.code).toBe(0);
    const bad = await cli(["--dry-run", "-e", "tracepoint:syscalls:sys_enter_openat { @n = count( }"]);
    expect(bad.code).toBe(1);
    // bpftrace's spelling of a located diagnostic: ERROR, WARNING, HINT
    expect(bad.stderr).toMatch(/^stdin:1:\d+(-\d+)?: ERROR: /m);
    const unknown = await cli(["--dry-run", "-e", "tracepoint:syscalls:sys_enter_opnat { @n = count(); }"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      "stdin:1:1-36: ERROR: No matches for tracepoint syscalls:sys_enter_opnat.\n" +
        "tracepoint:syscalls:sys_enter_opnat { @n = count(); }\n" +
        "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n" +
        "HINT: did you mean tracepoint:syscalls:sys_enter_openat?\n",
    );
  });

  it("takes program options after --: typed by getopt()'s default, listed by -- --help, unknown ones refused", async () => {
    const prog = 'BEGIN { printf("%d %d %s\\n", getopt("depth", 35, "max depth"), getopt("errname"), getopt("who", "me")); exit(); }';
    const given = await cli(["-e", prog, "p1", "--", "--depth=5", "--errname", "--who=you"]);
    expect(given.stdout).toContain("5 1 you\n");
    const defaults = await cli(["-e", prog]);
    expect(defaults.stdout).toContain("35 0 me\n");
    const help = await cli(["-e", prog, "--", "--help"]);
    expect(help.code).toBe(1);
    expect(help.stderr).toBe("HINT: expected program options:\n--depth: max depth\n--errname\n--who\n");
    const unknown = await cli(["--dry-run", "-e", prog, "--", "--dpth=5"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("ERROR: unexpected program command line options: --dpth\nHINT: expected program options: --depth, --errname, --who\n");
  });

  it("kprobe:vfs_read exits 1 with the clear error, before anything is attached", async () => {
    const out = await cli(["-e", "kprobe:vfs_read { @n = count(); }"], { env: { __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" } });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("kprobe:vfs_read");
    expect(out.stderr).toContain("tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_exit_read");
  });

  /** Run `args` and release the workload once the probes are attached. */
  async function traced(args: string[], w: { go(): Promise<number | null> }, env: NodeJS.ProcessEnv = {}, after?: (kill: (s: NodeJS.Signals) => void) => void): Promise<CliOut> {
    return cli(args, {
      env: { __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1", ...env },
      onLine: (line, kill) => {
        if (line === "__BPFTRACE_NOTIFY_PROBES_ATTACHED") void w.go().then(() => after?.(kill));
      },
    });
  }

  it("SIGTERM ends a run like SIGINT: END runs, then the maps are printed", async () => {
    const w = await startC(["openat", "4", "/nonexistent/term"]);
    const out = await traced(["-q", "-e", 'tracepoint:syscalls:sys_enter_openat /pid == $1/ { @n = count(); } END { printf("end ran\\n"); }', String(w.pid)], w, {}, (kill) => setTimeout(() => kill("SIGTERM"), 100));
    w.kill();
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\nend ran\n\n\n@n: 4\n");
  });

  it("-p PID: a uprobe counts only that copy's calls, and the run ends when it exits", async () => {
    const bin = workloadBinary();
    const [a, b] = [await startC(["uprobe", "7", "/a"]), await startC(["uprobe", "5", "/b"])];
    try {
      const out = await cli(["-p", String(b.pid), "-e", `uprobe:${bin}:handleRequest { @calls = count(); @route[arg0] = count(); } tracepoint:syscalls:sys_enter_exit_group { @exits = count(); }`], {
        env: { __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" },
        // No signal: the run must end by itself once b has exited.
        onLine: (line) => {
          if (line === "__BPFTRACE_NOTIFY_PROBES_ATTACHED") void Promise.all([a.go(), b.go()]);
        },
      });
      expect(out.stderr).toBe("Attached 2 probes\n");
      expect(out.code).toBe(0);
      // b: handleRequest(1 + i % 3) for i < 5 → routes 1, 2, 3, 1, 2; one exit_group (a's is filtered out)
      expect(out.stdout).toMatch(/^__BPFTRACE_NOTIFY_PROBES_ATTACHED\n\n\n@calls: 5\n@exits: 1\n@route\[3\]: 1\n/);
      expect(out.stdout).toContain("@route[1]: 2\n");
      expect(out.stdout).toContain("@route[2]: 2\n");
    } finally {
      a.kill();
      b.kill();
    }
  });

  it("-p PID: USDT probes (with a semaphore) fire only in that process", async () => {
    const PY = "/usr/bin/python3.11";
    const script = join(mkdtempSync(join(tmpdir(), "tracebook-py-")), "work.py");
    writeFileSync(script, PYTHON_WORKLOAD);
    const [a, b] = [await startWorkload(PY, [script, "6"], { release: "stdin" }), await startWorkload(PY, [script, "4"], { release: "stdin" })];
    try {
      const out = await cli(["-p", String(b.pid), "-e", `usdt:${PY}:python:function__entry { @calls[str(arg1)] = count(); @pids[pid] = count(); }`], {
        env: { __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" },
        onLine: (line) => {
          if (line === "__BPFTRACE_NOTIFY_PROBES_ATTACHED") void Promise.all([a.go(), b.go()]);
        },
      });
      expect(out.code).toBe(0);
      expect(out.stdout).toContain("@calls[target]: 4\n");
      expect(out.stdout.match(/^@pids\[(\d+)\]/gm)).toEqual([`@pids[${b.pid}]`]);
    } finally {
      a.kill();
      b.kill();
    }
  });

  it("-p with a process that does not exist is a clear error; -p and -c together are refused", async () => {
    const out = await cli(["-p", "4194000", "-e", "BEGIN { exit(); }"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe("ERROR: no such process: 4194000\n");
    const both = await cli(["-p", String(process.pid), "-c", "true", "-e", "BEGIN { exit(); }"]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("ERROR: USAGE: Cannot use both -c and -p.");
  });

  it("max_strlen: strings are cut at max_strlen characters and printed with the '..' trailer, the environment winning over config", async () => {
    const w = await startC(["openat", "2", "/nonexistent/a-long-path"]);
    const prog = 'config = { max_strlen = 12 } tracepoint:syscalls:sys_enter_openat /pid == $1/ { printf("[%s]\\n", str(args.filename)); }';
    const out = await traced(["-q", "-e", prog, String(w.pid)], w, { BPFTRACE_MAX_STRLEN: "8" }, (kill) => setTimeout(() => kill("SIGINT"), 100));
    w.kill();
    expect(out.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n[/nonexis..]\n[/nonexis..]\n\n\n");
    const w2 = await startC(["openat", "1", "/nonexistent/a-long-path"]);
    const out2 = await traced(["-q", "-e", prog, String(w2.pid)], w2, {}, (kill) => setTimeout(() => kill("SIGINT"), 100));
    w2.kill();
    expect(out2.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n[/nonexistent..]\n\n\n");
  });

  it("str_trunc_trailer: a cut string's trailer is configurable; a string that fits with its NUL has none, in printf, print and map keys", async () => {
    const w = await startC(["openat", "1", "/nonexistent/a-long-path"]);
    const prog = 'tracepoint:syscalls:sys_enter_openat /pid == $1/ { printf("[%s] [%s]\\n", str(args.filename), str(args.filename, 5)); @[str(args.filename)] = count(); }';
    const out = await traced(["-q", "-e", prog, String(w.pid)], w, { BPFTRACE_MAX_STRLEN: "25", BPFTRACE_STR_TRUNC_TRAILER: "_xxx" }, (kill) => setTimeout(() => kill("SIGINT"), 100));
    w.kill();
    expect(out.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n[/nonexistent/a-long-path] [/non]\n\n\n@[/nonexistent/a-long-path]: 1\n");
    const w2 = await startC(["openat", "1", "/nonexistent/a-long-path"]);
    const out2 = await traced(["-q", "-e", prog, String(w2.pid)], w2, { BPFTRACE_MAX_STRLEN: "23", BPFTRACE_STR_TRUNC_TRAILER: "_xxx" }, (kill) => setTimeout(() => kill("SIGINT"), 100));
    w2.kill();
    expect(out2.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n[/nonexistent/a-long-pat_xxx] [/non]\n\n\n@[/nonexistent/a-long-pat_xxx]: 1\n");
  });

  it("log_size asks for the verifier's log from the first load: too small fails a valid program with ENOSPC in bpftrace's words", async () => {
    const prog = 'begin { if (str($1) == str($2)) { printf("%s\\n", str($1)); exit() } }';
    const small = await cli(["-e", prog, "hello", "hello"], { env: { BPFTRACE_LOG_SIZE: "2" } });
    expect(small.code).toBe(1);
    expect(small.stderr.split("\n").slice(0, 2)).toEqual([
      "ERROR: Error loading BPF program for begin_1. Error code: -28 (No space left on device).",
      "WARNING: Kernel log seems to be trimmed. This may be due to buffer not being big enough, try increasing the BPFTRACE_LOG_SIZE environment variable beyond the current value of 2 bytes. Or, add the configuration `config = { log_size = N; }` to the script.",
    ]);
    const big = await cli(["-q", "-e", `config = { log_size = 1000000 } ${prog}`, "hello", "hello"]);
    expect(big.stdout).toBe("hello\n\n\n");
  });

  it("stack_mode=perf prints each frame as a tab, the address in hex and the symbol", async () => {
    const w = await startC(["openat", "3", "/nonexistent/stack"]);
    const out = await traced(["-q", "-e", "config = { stack_mode = perf } tracepoint:syscalls:sys_enter_openat /pid == $1/ { @[kstack] = count(); }", String(w.pid)], w, {}, (kill) =>
      setTimeout(() => kill("SIGINT"), 100),
    );
    w.kill();
    const lines = out.stdout.split("\n");
    const start = lines.indexOf("@[");
    const end = lines.findIndex((l) => l.startsWith("]: "));
    expect(start).toBeGreaterThan(0);
    expect(lines[end]).toBe("]: 3");
    const frames = lines.slice(start + 1, end);
    expect(frames.length).toBeGreaterThan(1);
    for (const f of frames) expect(f).toMatch(/^\tffffffff[0-9a-f]{8} \w+\+\d+$/);
    const raw = await cli(["-q", "-e", "BEGIN { exit(); } tracepoint:syscalls:sys_enter_openat { @[kstack(raw)] = count(); }"]);
    expect(raw.code).toBe(0);
  });

  it("missing_probes = warn: a tracepoint that does not exist is skipped with a warning, the rest runs", async () => {
    const w = await startC(["openat", "5", "/nonexistent/missing"]);
    const prog = "config = { missing_probes = warn; } tracepoint:syscalls:sys_enter_no_such_call, tracepoint:syscalls:sys_enter_openat /pid == $1/ { @n = count(); }";
    const out = await traced(["-e", prog, String(w.pid)], w, {}, (kill) => setTimeout(() => kill("SIGINT"), 100));
    w.kill();
    expect(out.code).toBe(0);
    expect(out.stderr).toContain("WARNING: No matches for tracepoint syscalls:sys_enter_no_such_call. Skipping.\n");
    expect(out.stderr).toContain("Attached 1 probe\n");
    expect(out.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n\n\n@n: 5\n");
    const strict = await cli(["-e", prog.replace("missing_probes = warn", "missing_probes = error"), "1"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain("ERROR: No matches for tracepoint syscalls:sys_enter_no_such_call.\n");
 
    // A probe that expands but fails to attach (an address in no function) is skipped too,
    // with bpftrace's two warnings
    const w2 = await startC(["openat", "3", "/nonexistent/missing"]);
    const bad = `config = { missing_probes = warn } uprobe:${workloadBinary()}:0xfffffff0 { @u = count(); } tracepoint:syscalls:sys_enter_openat /pid == $1/ { @n = count(); }`;
    const out2 = await traced(["-e", bad, String(w2.pid)], w2, {}, (kill) => setTimeout(() => kill("SIGINT"), 100));
    w2.kill();
    expect(out2.code).toBe(0);
    expect(out2.stderr).toContain(
      `WARNING: Could not resolve address: ${workloadBinary()}:0xfffffff0\nWARNING: Unable to attach probe: uprobe:${workloadBinary()}:4294967280. Skipping.\n`,
    );
    expect(out2.stderr).toContain("Attached 1 probe\n");
    expect(out2.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n\n\n@n: 3\n");
  });

  it("a full map: the updates that did not fit are counted in the kernel and warned about once at the end", async () => {
    const out = await cli(["-q", "-e", "let @m = hash(4); BEGIN { $i = 0; while ($i < 10) { @m[$i] = $i * 10; $i++; } exit(); }"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("\n\n@m[0]: 0\n@m[1]: 10\n@m[2]: 20\n@m[3]: 30\n");
    expect(out.stderr).toBe(
      "WARNING: Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @m = hash(5000)` (@m: 6 failed updates)\n",
    );
    const keys = await cli(["-q", "-e", "BEGIN { $i = 0; while ($i < 10) { @k[$i] = count(); $i++; } exit(); }"], { env: { BPFTRACE_MAX_MAP_KEYS: "3" } });
    expect(keys.stdout.match(/^@k\[/gm)).toHaveLength(3);
    expect(keys.stderr).toContain("WARNING: Map full; can't update element.");
    expect(keys.stderr).toContain("(@k: 7 failed updates)");
  });

  it("--unsafe: system() is refused without it and runs with it", async () => {
    const safe = await cli(["-q", "-e", 'BEGIN { system("echo from system %d", 42); exit(); }']);
    expect(safe.code).toBe(1);
    expect(safe.stderr).toContain("ERROR: system() is an unsafe function being used in safe mode");
    const unsafe = await cli(["-q", "--unsafe", "-e", 'BEGIN { system("echo from system %d", 42); exit(); }']);
    expect(unsafe.code).toBe(0);
    expect(unsafe.stdout).toBe("from system 42\n\n\n");
  });

  it("-c CMD after -e: the child waits until the probes are attached, cpid is its pid, the run ends when it exits", async () => {
    const out = await cli(["-e", 'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { @execs[str(args.filename)] = count(); } tracepoint:syscalls:sys_enter_exit_group /pid == cpid/ { printf("child %d left\\n", cpid == pid); }', "-c", "/bin/true --ignored"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("child 1 left\n\n\n@execs[/bin/true]: 1\n");
  });

  it("execve's argv is user memory read level by level: str(args.argv[i]), with a length that counts the NUL, constant or known at run time", async () => {
    const prog = 'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { $n = 5; printf("%s|%s|%s|%s\\n", str(args.argv[0]), str(args.argv[1]), str(args.argv[1], 3), str(args.argv[1], $n)); }';
    const out = await cli(["-q", "-e", prog, "-c", "/bin/true zztest"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("/bin/true|zztest|zz|zzte\n\n\n");
  });

  it("-c with a command that does not exist is a clear error, before any probe is attached", async () => {
    const out = await cli(["-e", "tracepoint:syscalls:sys_enter_openat { @ = count(); }", "-c", "tracebook-no-such-command --flag"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe("ERROR: command not found: tracebook-no-such-command\n");
    expect(out.stdout).toBe("");
  });

  it("-c CMD attaches uprobes to the child only, as bpftrace does: another copy of the program is not counted", async () => {
    // runs for seconds unprobed (a probed call costs microseconds), so it overlaps the -c run
    const other = await startC(["uprobe", "2000000000", "/other"]);
    void other.go();
    try {
      const out = await cli(["-e", "uprobe:" + workloadBinary() + ":handleRequest { @calls[pid == cpid] = count(); }", "-c", `${workloadBinary()} uprobe 5 /child`], { env: { WORKLOAD_NOW: "1" } });
      expect(out.code).toBe(0);
      expect(out.stdout).toContain("@calls[true]: 5\n");
      expect(out.stdout).not.toContain("@calls[false]");
    } finally {
      other.kill();
    }
  });

  it("exit(N) sets the exit code", async () => {
    const out = await cli(["-q", "-e", "BEGIN { exit(3); }"]);
    expect(out.code).toBe(3);
  });

  it("x / 0 and x % 0 are 1, with bpftrace's warning at the operation each time it happens", async () => {
    const prog = "BEGIN { @z = 0; @one = 1; print((uint64)10 / (uint64)@z); print((int64)-7 % @z); print(9 / @one); exit(); }";
    const out = await cli(["-q", "-e", prog]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("1\n1\n9\n\n\n@one: 1\n@z: 0\n");
    const warning = "WARNING: Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.\n";
    expect(out.stderr).toBe(`stdin:1:33-56: ${warning}stdin:1:65-79: ${warning}`);
  });

  it("-k warns at each read of a map key that is not there (bpftrace's helper error check), without -k nothing", async () => {
    const prog = 'BEGIN { @m[1] = 1; printf("%d %d\\n", @m[2], @m[1]); exit(); }';
    const warned = await cli(["-q", "-k", "-e", prog]);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toBe("0 1\n\n\n@m[1]: 1\n");
    expect(warned.stderr).toBe([
      "stdin:1:38-43: WARNING: Can't lookup map element because it does not exist.",
      "Additional Info - helper: map_lookup_elem, retcode: 0",
      prog,
      `${" ".repeat(37)}~~~~~`,
      "",
    ].join("\n"));
    const quiet = await cli(["-q", "-e", prog]);
    expect(quiet.stdout).toBe("0 1\n\n\n@m[1]: 1\n");
    expect(quiet.stderr).toBe("");
  });

  it("-k reports a probe read that fails as bpftrace's helper error: a located warning, or a helper_error record with -f json", async () => {
    const prog = 'BEGIN { printf("%d\\n", *uptr((int32 *)8)); exit(); }';
    const warned = await cli(["-q", "-k", "-e", prog]);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toBe("0\n\n\n");
    expect(warned.stderr).toBe([
      "stdin:1:24-41: WARNING: Bad address",
      "Additional Info - helper: probe_read_user, retcode: -14",
      prog,
      `${" ".repeat(23)}${"~".repeat(17)}`,
      "",
    ].join("\n"));
    const json = await cli(["-q", "-k", "-f", "json", "-e", prog]);
    expect(json.stdout).toBe([
      '{"type": "helper_error", "msg": "Bad address", "helper": "probe_read_user", "retcode": -14, "filename": "stdin", "line": 1, "col": 24}',
      '{"type": "printf", "data": "0\\n"}',
      "",
    ].join("\n"));
    expect(json.stderr).toBe("");
    const quiet = await cli(["-q", "-e", prog]);
    expect(quiet.stdout).toBe("0\n\n\n");
    expect(quiet.stderr).toBe("");
    // str() and buf() read through probe_read_user_str and probe_read_user
    const strings = await cli(["-q", "-k", "-f", "json", "-e", 'BEGIN { printf("%s %r\\n", str(uptr((int8 *)8)), buf(uptr((int8 *)8), 2)); exit(); }']);
    expect(strings.stdout.split("\n").map((l) => (l ? JSON.parse(l) : l))).toEqual([
      { type: "helper_error", msg: "Bad address", helper: "probe_read_user_str", retcode: -14, filename: "stdin", line: 1, col: 27 },
      { type: "helper_error", msg: "Bad address", helper: "probe_read_user", retcode: -14, filename: "stdin", line: 1, col: 49 },
      { type: "printf", data: " \\x00\\x00\n" },
      "",
    ]);
  });

  it("an index past an array member's end warns in bpftrace's words where it happens, an index inside does not", async () => {
    const prog = "struct A { int x[4]; } BEGIN { $a = (struct A *) 0; $i = (uint64)4; $j = (uint64)3; @v = $a->x[$i]; @w = $a->x[$j]; exit(); }";
    const out = await cli(["-q", "-e", prog]);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe("stdin:1:90-99: WARNING: Array access out of bounds. This can lead to unexpected results.\n");
  });

  it("positional parameters: str($N) is the text (a number's digits too, cut to a length), 0775 is octal, kaddr(str($N)) a symbol", async () => {
    const prog = 'begin { $x = str($2, 4); printf("%s|%s|%d %o|%d\\n", str($1), str($2, 2), $3, $4, $x == "hello"); @k = kaddr(str($5)) > 0; exit(); }';
    const out = await cli(["-q", "-e", prog, "1", "hello", "123", "0775", "vfs_read"]);
    expect(out.stderr).toBe("");
    expect(out.stdout.startsWith("1|h|123 775|0\n")).toBe(true);
    expect(out.stdout).toContain("@k: true\n");
  });
});
