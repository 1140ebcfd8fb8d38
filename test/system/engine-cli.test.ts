// The bpftrace-compatible CLI, built and spawned: "Attached N probes" on stderr, the
// __BPFTRACE_NOTIFY_PROBES_ATTACHED line test harnesses wait for, --dry-run exit codes,
// the kprobe error before anything is attached, and SIGINT printing the maps.
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startC } from "../helpers/workload.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = `${ROOT}bin/tracebook.js`;

interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI; `onLine` sees stdout lines as they come and may signal the child. */
function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void; timeoutMs?: number } = {}): Promise<Out> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let buf = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 15_000);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        opts.onLine?.(line, (s) => child.kill(s));
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

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

  it("stdout is the program's output then two newlines and the maps; Attached counts BEGIN and END, as bpftrace's does", async () => {
    const out = await cli(["-e", 'BEGIN { printf("hi\\n"); @a = 1; exit(); } END { } tracepoint:syscalls:sys_enter_openat { }']);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe("Attached 3 probes\n");
    expect(out.stdout).toBe("hi\n\n\n@a: 1\n");
  });

  it("-f json: NDJSON records as bpftrace's, attached_probes first, no blank lines", async () => {
    const out = await cli(["-f", "json", "-e", 'BEGIN { printf("hi %d\\n", 5); @a = count(); @m[1, "x"] = 2; exit(); }']);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe([
      '{"type": "attached_probes", "count": 1, "data": {"probes": 1}}',
      '{"type": "printf", "data": "hi 5\\n"}',
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
    expect(bad.stderr).toContain("error:");
    const unknown = await cli(["--dry-run", "-e", "tracepoint:syscalls:sys_enter_opnat { @n = count(); }"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("did you mean tracepoint:syscalls:sys_enter_openat");
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
    expect(unknown.stderr).toContain("error: unexpected program command line options: --dpth");
  });

  it("kprobe:vfs_read exits 1 with the clear error, before anything is attached", async () => {
    const out = await cli(["-e", "kprobe:vfs_read { @n = count(); }"], { env: { __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" } });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("kprobe:vfs_read");
    expect(out.stderr).toContain("tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_exit_read");
  });

  it("-c CMD after -e: the child waits until the probes are attached, cpid is its pid, the run ends when it exits", async () => {
    const out = await cli(["-e", 'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { @execs[str(args.filename)] = count(); } tracepoint:syscalls:sys_enter_exit_group /pid == cpid/ { printf("child %d left\\n", cpid == pid); }', "-c", "/bin/true --ignored"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("child 1 left\n\n\n@execs[/bin/true]: 1\n");
  });

  it("exit(N) sets the exit code", async () => {
    const out = await cli(["-q", "-e", "BEGIN { exit(3); }"]);
    expect(out.code).toBe(3);
  });
});
