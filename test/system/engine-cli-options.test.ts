// The CLI's options as bpftrace's users write them, run for real: --include and -I feed the
// program's header constants, --no-warnings silences warnf(), --cmd and --output are -c and
// -o, -l lists a program's probes (from -e or a file), positional parameters stand for
// numbers, text and attach points, and bad input gets bpftrace's words
// and exit code 1 (a missing file, an unknown output format, a pid that is no number).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { ROOT, runCli as cli } from "../helpers/cli.ts";

describe.skipIf(skipWithoutBpf())("engine: the CLI's options", () => {
  const dir = mkdtempSync(join(tmpdir(), "tb-cli-options-"));
  beforeAll(() => {
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "pipe" });
  });

  it("--include FILE gives the program a header's constants; -I DIR is searched first", async () => {
    const out = await cli(["--include", "errno.h", "-e", "BEGIN { print(strerror(EPERM)); exit(); }"]);
    expect({ code: out.code, stdout: out.stdout }).toEqual({ code: 0, stdout: "Operation not permitted\n\n\n" });
    writeFileSync(join(dir, "limits.h"), "#define TB_LIMIT 42\n");
    const mine = await cli(["-I", dir, "-e", "#include <limits.h>\nBEGIN { printf(\"%d\\n\", TB_LIMIT); exit(); }"]);
    expect({ code: mine.code, stdout: mine.stdout }).toEqual({ code: 0, stdout: "42\n\n\n" });
    const missing = await cli(["--include", "lol/no.h", "-e", "BEGIN { exit(); }"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("'lol/no.h' file not found");
  });

  it("--no-warnings silences warnf(); without it the warning is printed", async () => {
    const prog = 'BEGIN { warnf("no warn"); exit(); }';
    expect((await cli(["-e", prog])).stderr).toContain("WARNING: no warn");
    const quiet = await cli(["-e", prog, "--no-warnings"]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain("no warn");
  });

  it("--cmd after the program runs the command; --output writes the output to a file", async () => {
    const ran = await cli(["-q", "-e", 'interval:ms:50 { printf("%d\\n", cpid); exit(); }', "--cmd", "/bin/sleep 2"]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^[1-9]\d*\n/);
    const file = join(dir, "out.txt");
    const o = await cli(["-e", 'interval:ms:10 { printf("%s %d\\n", "SUCCESS", 1); exit(); }', "--output", file]);
    expect({ code: o.code, stdout: o.stdout }).toEqual({ code: 0, stdout: "" });
    expect(readFileSync(file, "utf8")).toBe("SUCCESS 1\n\n\n");
  });

  it("-l lists the probes a program names, from -e or from a file; a rate is listed as its kind", async () => {
    const listed = await cli(["-l", "-e", "interval:ms:10 { exit(); } tracepoint:syscalls:sys_enter_openat { }"]);
    expect({ code: listed.code, stdout: listed.stdout }).toEqual({ code: 0, stdout: "interval:ms:\ntracepoint:syscalls:sys_enter_openat\n" });
    const file = join(dir, "order.bt");
    writeFileSync(file, "interval:s:1 {}\ninterval:us:100000 {}\n");
    expect((await cli(["-l", file])).stdout).toBe("interval:s:\ninterval:us:\n");
    // kernel types from this machine's BTF: their names, and -lv their definitions
    expect((await cli(["-l", "struct task_struc?"])).stdout).toBe("struct task_struct\n");
    const types = (await cli(["-lv", "struct task_struct,struct fd"])).stdout;
    expect(types).toMatch(/^vmlinux: struct task_struct \{\n\tstruct thread_info thread_info;\n/);
    expect(types).toContain("\n};\n\nvmlinux: struct fd {\n");
    const pattern = await cli(["-l", "nofile.bt"]);
    expect(pattern.stderr).toBe("WARNING: It appears that 'nofile.bt' is a filename but the file does not exist. Treating 'nofile.bt' as a search pattern.\n");
  });

  it("--probe-filter attaches only the probes whose name the expression matches; BEGIN and END stay", async () => {
    const prog = 'BEGIN { printf("begin\\n"); } interval:ms:100 { printf("bad\\n"); exit(); } interval:ms:200 { printf("a\\n"); } interval:ms:300 { printf("b\\n"); exit(); } END { printf("end\\n"); }';
    const out = await cli(["--probe-filter", "interval:ms:(200|300)", "-e", prog]);
    expect({ code: out.code, stdout: out.stdout, stderr: out.stderr }).toEqual({ code: 0, stdout: "begin\na\nb\nend\n\n\n", stderr: "Attached 4 probes\n" });
    const none = await cli(["--probe-filter", "^kprobe:", "-e", "interval:ms:10 { exit(); }"]);
    expect({ code: none.code, stdout: none.stdout }).toEqual({ code: 1, stdout: "No probes to attach\n" });
    const bad = await cli(["--probe-filter", "[x", "-e", "interval:ms:10 { exit(); }"]);
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: "ERROR: Invalid --probe-filter regex '[x': Invalid regular expression: /[x/: Unterminated character class\n" });
    // every attach point skipped: nothing to attach either
    const gone = await cli(["-e", "config = { missing_probes = ignore } tracepoint:syscalls:no_such_call { exit(); }"]);
    expect({ code: gone.code, stdout: gone.stdout }).toEqual({ code: 1, stdout: "No probes to attach\n" });
  });

  it("positional parameters: integers in bpftrace's syntax, text under str(), any part of an attach point", async () => {
    const values = await cli(["-q", "-e", 'BEGIN { printf("%o %s %s %d\\n", $1, str($1), str($2 + 1), $# + $3); exit(); }', "0775", "hello", "1e3"]);
    expect({ code: values.code, stdout: values.stdout }).toEqual({ code: 0, stdout: "775 0775 ello 1003\n\n\n" });
    for (const [prog, arg] of [['BEG$1 { printf("hi\\n"); exit(); }', "IN"], ['$1 { printf("hi\\n"); exit(); }', "interval:ms:500"]] as const) {
      const ap = await cli(["-q", "-e", prog, arg]);
      expect({ code: ap.code, stdout: ap.stdout }).toEqual({ code: 0, stdout: "hi\n\n\n" });
    }
  });

  it("bad input is refused in bpftrace's words, with exit code 1", async () => {
    const refused = async (args: string[]) => {
      const r = await cli(args);
      return { code: r.code, stderr: r.stderr.split("\n")[0] };
    };
    expect(await refused(["non_existent_file.bt"])).toEqual({ code: 1, stderr: "ERROR: failed to open file 'non_existent_file.bt': No such file or directory" });
    expect(await refused(["-q", "-f", "jsonx", "-e", "BEGIN { exit(); }"])).toEqual({ code: 1, stderr: 'ERROR: Invalid output format "jsonx"' });
    expect(await refused(["-p", "a1111", "-e", "BEGIN { exit(); }"])).toEqual({ code: 1, stderr: "ERROR: Failed to parse pid: invalid integer: a1111" });
    expect(await refused(["-p", "5000000", "-e", "BEGIN { exit(); }"])).toEqual({ code: 1, stderr: "ERROR: Pid out of range: 5000000" });
    expect(await refused(["--nope", "-e", "BEGIN { exit(); }"])).toEqual({ code: 1, stderr: "ERROR: unrecognized option '--nope'" });
  });

  it("--info says what this machine can trace, in bpftrace's sections", async () => {
    const info = await cli(["--info"]);
    expect(info.code).toBe(0);
    for (const section of ["System", "Build", "Kernel helpers", "Kernel features", "Probe types"]) expect(info.stdout).toContain(`\n${section}\n`.slice(section === "System" ? 1 : 0));
    expect(info.stdout).toContain("  btf: yes\n");
    expect(info.stdout).toContain("  tracepoint: yes\n");
    expect(info.stdout).toContain("  kprobe_session: no\n");
    expect(info.stdout).toMatch(/ {2}iter: (yes|no)\n/);
  });
});
