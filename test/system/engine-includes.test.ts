// #include against this machine's headers (/usr/include: glibc and the kernel's uapi),
// through the built CLI: constants users include headers for, run in the kernel, and
// bpftrace's old-tcpdrop tool, whose BTF branch includes <sys/socket.h> for AF_INET.
import { spawnSync, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = `${ROOT}bin/tracebook.js`;
const TCPDROP = `${ROOT}test/fixtures/bt/tools/old-tcpdrop.bt`;

function cli(args: string[], cwd = ROOT): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(skipWithoutBpf())("engine: #include <system headers>", () => {
  let dir: string;
  beforeAll(() => {
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "pipe" });
    dir = mkdtempSync(join(tmpdir(), "tracebook-include-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("<errno.h>: EPERM is 1, and strerror() names it", () => {
    const r = cli(["-e", '#include <errno.h>\nBEGIN { printf("%d %s\\n", EPERM, strerror(EPERM)); exit(); }']);
    expect(r.stderr).toBe("Attached 1 probe\n");
    expect(r.stdout.trimEnd()).toBe("1 Operation not permitted");
    expect(r.code).toBe(0);
  });

  it("<syscall.h>: __NR_read is 0 and __NR_openat is openat (asm/unistd_64.h)", () => {
    const r = cli(["-e", '#include <syscall.h>\nBEGIN { printf("%d %s\\n", __NR_read, syscall_name(__NR_openat)); exit(); }']);
    expect(r.stdout.trimEnd()).toBe("0 openat");
    expect(r.code).toBe(0);
  });

  it("<sys/socket.h>: AF_INET6 is 10; <fcntl.h>, <signal.h> and <linux/sched.h> give theirs", () => {
    const prog = [
      "#include <sys/socket.h>",
      "#include <fcntl.h>",
      "#include <signal.h>",
      "#include <linux/sched.h>",
      'BEGIN { printf("%d %d %d %d %d %d\\n", AF_INET6, AF_INET, O_CREAT, SIGKILL, CLONE_VM, SCHED_FIFO); exit(); }',
    ].join("\n");
    const r = cli(["-e", prog]);
    expect(r.stdout.trimEnd()).toBe("10 2 64 9 256 1");
    expect(r.code).toBe(0);
  });

  it('#include "file" is read next to the script, wherever it runs from', () => {
    writeFileSync(join(dir, "local.h"), "#include <errno.h>\n#define MY_ERR (ENOENT + 40)\n");
    writeFileSync(join(dir, "prog.bt"), '#include "local.h"\nBEGIN { printf("%d\\n", MY_ERR); exit(); }\n');
    const r = cli([join(dir, "prog.bt")], tmpdir());
    expect(r.stdout.trimEnd()).toBe("42");
    expect(r.code).toBe(0);
  });

  it("a header that is not there fails --dry-run at its #include, as bpftrace does", () => {
    const r = cli(["--dry-run", "-e", "#include <no/such/header.h>\nBEGIN { exit(); }"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("stdin:1:1-28: ERROR: 'no/such/header.h' file not found");
  });

  it("old-tcpdrop.bt: AF_INET/AF_INET6 come from <sys/socket.h>; with its variables declared as bpftrace ≥ 0.22 wants, --dry-run exits 0", () => {
    const r = cli(["--dry-run", TCPDROP]);
    expect(r.stderr).not.toContain("unknown identifier");
    // What is left is the tool's own age: block scoping (bpftrace's migration guide, 0.22).
    expect(r.stderr.split("\n").filter((l) => l.includes(": ERROR: "))).toEqual([
      `${TCPDROP}:75:43-49: ERROR: $saddr is not in scope here: it is assigned inside a block that has ended`,
      `${TCPDROP}:75:59-65: ERROR: $daddr is not in scope here: it is assigned inside a block that has ended`,
    ]);
    const declared = readFileSync(TCPDROP, "utf8").replace("  $inet_family = $sk.__sk_common.skc_family;\n", "$&  let $saddr; let $daddr;\n");
    writeFileSync(join(dir, "tcpdrop.bt"), declared);
    const ok = cli(["--dry-run", join(dir, "tcpdrop.bt")]);
    expect(ok.stderr).toContain("WARNING: kprobe:tcp_drop: this kernel has no kprobes");
    expect(ok.stderr).not.toContain(": ERROR: ");
    expect(ok.code).toBe(0);
  });
});
