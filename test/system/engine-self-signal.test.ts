// self:signal:SIGUSR1, live: the CLI runs the probe's program in the kernel each time its
// own process receives SIGUSR1 (sent one at a time: the next only after the previous one's
// printf arrived, since signals sent together are delivered once).
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { ROOT, runCli } from "../helpers/cli.ts";

describe.skipIf(skipWithoutBpf())("engine: self:signal probes", () => {
  beforeAll(() => {
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "pipe" });
  });

  it("runs once per SIGUSR1 the tracebook process receives", async () => {
    let sent = 0;
    const out = await runCli(["-e", 'self:signal:SIGUSR1 { @n = count(); printf("got it\\n"); }'], {
      env: { __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" },
      onLine: (line, kill) => {
        if (line !== "__BPFTRACE_NOTIFY_PROBES_ATTACHED" && line !== "got it") return;
        if (sent < 3) {
          sent++;
          kill("SIGUSR1");
        } else kill("SIGINT");
      },
    });
    expect(out.stderr).toBe("Attached 1 probe\n");
    expect(out.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\ngot it\ngot it\ngot it\n\n\n@n: 3\n");
    expect(out.code).toBe(0);
  });

  it("exit() in a self probe ends the run", async () => {
    const out = await runCli(["-q", "-e", 'self:signal:SIGUSR1 { printf("bye\\n"); exit(); } END { printf("end\\n"); }'], {
      env: { __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" },
      onLine: (line, kill) => {
        if (line === "__BPFTRACE_NOTIFY_PROBES_ATTACHED") kill("SIGUSR1");
      },
    });
    expect(out.stdout).toBe("__BPFTRACE_NOTIFY_PROBES_ATTACHED\nbye\nend\n\n\n");
    expect(out.code).toBe(0);
  });

  it("names the supported signals", async () => {
    const out = await runCli(["--dry-run", "-e", "self:signal:SIGUSR2 { }"]);
    expect(out.stderr).toContain("ERROR: SIGUSR2 is not a supported signal");
    expect(out.code).not.toBe(0);
  });
});
