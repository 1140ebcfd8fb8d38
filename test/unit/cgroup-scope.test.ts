// %cgroup / TRACEBOOK_CGROUP in compile and in resolving: probes that fire in a task's
// context test bpf_get_current_cgroup_id() against the scope at entry (BEGIN, END,
// interval do not); scopes are resolved from mountinfo and /proc/self/cgroup text against
// a directory tree standing in for cgroupfs.
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { disassemble } from "../../bpf/asm/index.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import type { ProgramSpec } from "../../bpf/codegen/spec.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { resolveCgroup, unifiedMount, unifiedPath } from "../../bpf/runtime/cgroup-scope.ts";
import { cgroupFromEnv, cgroupRunOption, describeCgroup } from "../../magics/cgroup-magic.ts";

const here = dirname(fileURLToPath(import.meta.url));
const env = recordedEnv(join(here, "../fixtures/tracefs"));

function spec(source: string, cgroup?: bigint): ProgramSpec {
  const r = compile(source, { env, origin: "stdin", ...(cgroup !== undefined && { cgroup }) });
  if (!r.spec) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.spec;
}

const text = (s: ProgramSpec, name: string) => disassemble(s.programs.find((p) => p.probe.name === name)!.insns);

describe("cgroup scope in compile", () => {
  const src = "BEGIN { } tracepoint:syscalls:sys_enter_openat { @n = count(); } rawtracepoint:sys_enter { @r = count(); } profile:hz:99 { @p = count(); } interval:s:1 { exit(); } END { }";

  it("kernel and profile probes return early for tasks of other cgroups; BEGIN, END and interval do not", () => {
    const s = spec(src, 123456789012n);
    for (const name of ["tracepoint:syscalls:sys_enter_openat", "rawtracepoint:sys_enter"]) {
      const t = text(s, name);
      expect(t).toContain("cgroup 123456789012: tasks of other cgroups return here");
      // the helper, the 64-bit id, the test: before anything of the program's own
      expect(t).toMatch(/call 80 ; bpf_get_current_cgroup_id\n.*r1 = 0x1cbe991a14 ll\n.*if r0 != r1 goto \+\d+ <p\d+_exit_0>/);
    }
    const profile = s.programs.find((p) => p.probe.name.startsWith("profile"))!;
    expect(disassemble(profile.insns)).toContain("tasks of other cgroups return here");
    for (const p of s.programs.filter((x) => x.probe.name === "BEGIN" || x.probe.name === "END" || x.probe.name.startsWith("interval"))) {
      expect(disassemble(p.insns)).not.toContain("tasks of other cgroups");
    }
  });

  it("without a scope nothing is tested", () => {
    const s = spec(src);
    for (const p of s.programs) expect(disassemble(p.insns)).not.toContain("get_current_cgroup_id");
  });
});

describe("resolving a scope", () => {
  const root = mkdtempSync(join(tmpdir(), "tb-cgroupfs-"));
  for (const d of ["", "kubepods/pod1", "tracebook-test"]) {
    mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, d, "cgroup.procs"), "");
  }
  const mountinfo = [
    "30 1 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
    "31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
    `40 30 0:37 / ${root} rw,relatime shared:9 - cgroup2 cgroup2 rw`,
  ].join("\n");
  const facts = { mountinfo: () => mountinfo, selfCgroup: () => "4:memory:/x\n0::/kubepods/pod1\n" };
  const ino = (p: string) => statSync(p, { bigint: true }).ino;

  it("finds the unified mount and this process's path", () => {
    expect(unifiedMount(mountinfo)).toBe(root);
    expect(unifiedMount("31 30 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu")).toBeUndefined();
    expect(unifiedPath("1:cpu:/\n0::/a/b\n")).toBe("/a/b");
  });

  it("own, a cgroupfs directory, or a path inside the hierarchy", () => {
    expect(resolveCgroup("own", facts)).toEqual({ path: join(root, "kubepods/pod1"), id: ino(join(root, "kubepods/pod1")) });
    expect(resolveCgroup(join(root, "tracebook-test"), facts)).toEqual({ path: join(root, "tracebook-test"), id: ino(join(root, "tracebook-test")) });
    expect(resolveCgroup("/kubepods/pod1", facts)).toMatchObject({ path: join(root, "kubepods/pod1") });
    expect(resolveCgroup("kubepods/pod1", facts)).toMatchObject({ path: join(root, "kubepods/pod1") });
    expect(resolveCgroup("/", facts)).toMatchObject({ path: root, id: ino(root) });
  });

  it("says why a scope names no cgroup", () => {
    expect(resolveCgroup("/nope", facts)).toBe(`no cgroup at ${join(root, "nope")}`);
    expect(resolveCgroup("own", { mountinfo: () => mountinfo, selfCgroup: () => "4:memory:/x\n" })).toBe("this process's cgroup v2 path is not in /proc/self/cgroup");
    expect(resolveCgroup("own", { mountinfo: () => "31 30 0:27 / /c rw - cgroup cgroup rw", selfCgroup: () => "" })).toBe("no cgroup v2 (unified) hierarchy is mounted");
    expect(resolveCgroup(" ", facts)).toBe("no cgroup given (a path, or own)");
  });
});

describe("TRACEBOOK_CGROUP", () => {
  it("unset or off: no scope; a broken one fails every run instead of tracing everything", () => {
    expect(cgroupFromEnv({})).toEqual({});
    expect(cgroupFromEnv({ TRACEBOOK_CGROUP: "off" })).toEqual({});
    const broken = cgroupFromEnv({ TRACEBOOK_CGROUP: "/no/such/cgroup-xyz" });
    expect(broken.cgroup).toHaveProperty("error");
    const settings = { positional: [], options: [], durationMs: undefined, pid: undefined, ...broken };
    expect(() => cgroupRunOption(settings)).toThrow(/^TRACEBOOK_CGROUP=\/no\/such\/cgroup-xyz: no cgroup at .*; nothing was traced/);
    expect(describeCgroup(broken.cgroup)).toMatch(/^cgroup scope broken: TRACEBOOK_CGROUP=/);
    expect(cgroupRunOption({ ...settings, cgroup: { path: "/sys/fs/cgroup/x", id: 42n } })).toEqual({ cgroup: 42n });
  });
});
