// A notebook kernel leaves its own process out of the probes it would feed back into
// (bpf/codegen/pid-scope.ts needsSelfFilter): compiled with `excludePid`, the programs of
// probes that fire for what a process does start with `if (pid == self) return`; timed
// probes and what the run itself starts do not; `-p PID` scopes them instead.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { disassemble } from "../../bpf/asm/index.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import type { ProgramSpec } from "../../bpf/codegen/spec.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";

const env = recordedEnv(join(dirname(fileURLToPath(import.meta.url)), "../fixtures/tracefs"));
const SELF = 4242;

function spec(source: string, extra: { excludePid?: number; pid?: number } = {}): ProgramSpec {
  const r = compile(source, { env, origin: "cell[1]", ...extra });
  expect(renderDiagnostics(r.diagnostics, source, "cell[1]")).toBe("");
  return r.spec!;
}

/** Probe name → whether its program returns early for SELF. */
function filtered(s: ProgramSpec): Record<string, boolean> {
  return Object.fromEntries(s.programs.map((p) => [p.probe.name, disassemble(p.insns).includes(`if r0 == 0x${SELF.toString(16)} goto`)]));
}

describe("leaving the kernel's own process out", () => {
  it("filters probes that fire for what a process does, not timed ones or BEGIN/END", () => {
    const s = spec([
      "BEGIN { @b = 1; }",
      "tracepoint:syscalls:sys_enter_openat { @t = count(); }",
      "software:page-faults:1 { @f = count(); }",
      "software:cpu-clock:1000000 { @c = count(); }",
      "profile:hz:99 { @p = count(); }",
      "interval:ms:100 { @i = count(); }",
      "END { @e = 1; }",
    ].join("\n"), { excludePid: SELF });
    expect(filtered(s)).toEqual({
      begin: false,
      "tracepoint:syscalls:sys_enter_openat": true,
      "software:page-faults:1": true,
      "software:cpu-clock:1000000": false,
      "profile:hz:99": false,
      "interval:ms:100": false,
      end: false,
    });
    expect(s.excludedPid).toBe(SELF);
    const tp = s.programs.find((p) => p.probe.name.startsWith("tracepoint"))!;
    expect(disassemble(tp.insns)).toContain(`; the kernel's own process (${SELF}) returns here`);
  });

  it("says nothing is left out when no probe needed it", () => {
    expect(spec("interval:ms:100 { @i = count(); } BEGIN { @b = 1; }", { excludePid: SELF }).excludedPid).toBeUndefined();
  });

  it("is off without excludePid, and -p PID wins over it", () => {
    expect(Object.values(filtered(spec("tracepoint:syscalls:sys_enter_openat { @t = count(); }")))).toEqual([false]);
    const scoped = spec("tracepoint:syscalls:sys_enter_openat { @t = count(); }", { excludePid: SELF, pid: 77 });
    expect(Object.values(filtered(scoped))).toEqual([false]);
    expect(scoped.excludedPid).toBeUndefined();
  });
});
