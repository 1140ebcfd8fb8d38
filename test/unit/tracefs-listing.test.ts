// `%probes` listing and the recorded CompileEnv: bpftrace -l / -lv output on the recorded
// tracefs of test/fixtures/tracefs, plus a gcc-built USDT binary (test/fixtures/elf).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCpuList, recordedEnv, type CompileEnv } from "../../bpf/probes/env.ts";
import { globMatcher, listProbes } from "../../bpf/probes/listing.ts";
import { btfEnv } from "../helpers/probe-kinds.ts";

const ROOT = join(import.meta.dirname, "../fixtures/tracefs");
const SRC = join(import.meta.dirname, "../fixtures/elf/usdt-demo.c");
let dir = "";
let env: CompileEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tracebook-listing-"));
  const bin = join(dir, "demo");
  execFileSync("gcc", ["-O2", "-DDEMO_SEMAPHORES", "-o", bin, SRC]);
  env = recordedEnv(ROOT, { files: { "/opt/demo/bin/demo": bin } });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("recordedEnv", () => {
  it("serves recorded facts", () => {
    expect(env.kernelRelease).toBe("6.18.44-fc-v595");
    expect(env.onlineCpus).toBe(2);
    expect(env.possibleCpus()).toBe(2);
    expect(env.features()).toEqual({ kprobes: false, trampolines: false, hardwarePmu: false });
    expect(env.btf()).toBeUndefined();
    expect(env.listTracepoints()).toContain("syscalls:sys_enter_openat");
    expect(env.tracepointFormat("syscalls", "sys_enter_openat")?.id).toBe(782);
    expect(env.tracepointFormat("syscalls", "sys_enter_nope")).toBeUndefined();
    expect(env.listRawTracepoints()).toEqual(["sched_switch", "sys_enter", "sys_exit"]);
    expect(env.listKernelFunctions()).toEqual(["do_sys_openat2", "vfs_read", "vfs_write"]);
  });

  it("serves ELF facts for recorded binaries, resolving bare names", () => {
    expect(env.resolveBinary("demo")).toBe("/opt/demo/bin/demo");
    expect(env.resolveBinary("/opt/demo/bin/demo")).toBe("/opt/demo/bin/demo");
    expect(env.resolveBinary("/usr/bin/none")).toBeUndefined();
    expect(env.elfFunctions("/opt/demo/bin/demo")).toEqual(expect.arrayContaining(["demo_add", "demo_loop", "main"]));
    expect(env.elfSymbolOffset("/opt/demo/bin/demo", "demo_add")).toBeTypeOf("number");
    expect(env.elfSymbols("/opt/demo/bin/demo").some((s) => s.name === "demo_tick_semaphore")).toBe(true);
    const tick = env.usdtProbes("/opt/demo/bin/demo").find((p) => p.name === "tick")!;
    expect(tick).toMatchObject({ provider: "demo", name: "tick" });
    expect(tick.semaphoreOffset).toBeTypeOf("number");
    expect(env.usdtProbes("/opt/demo/bin/none")).toEqual([]);
  });

  it("parses CPU lists", () => {
    expect(parseCpuList("0-3,6,8-9\n")).toEqual([0, 1, 2, 3, 6, 8, 9]);
    expect(parseCpuList("0")).toEqual([0]);
  });
});

describe("listProbes (bpftrace -l)", () => {
  it("lists a tracepoint and, verbose, its fields as tracefs writes them", () => {
    expect(listProbes(env, "tracepoint:syscalls:sys_enter_openat", false)).toEqual(["tracepoint:syscalls:sys_enter_openat"]);
    expect(listProbes(env, "tracepoint:syscalls:sys_enter_openat", true)).toEqual([
      "tracepoint:syscalls:sys_enter_openat",
      "    int __syscall_nr",
      "    int dfd",
      "    const char * filename",
      "    int flags",
      "    umode_t mode",
    ]);
    expect(listProbes(env, "t:sched:sched_process_exec", true)).toEqual([
      "tracepoint:sched:sched_process_exec",
      "    __data_loc char[] filename",
      "    pid_t pid",
      "    pid_t old_pid",
    ]);
  });

  it("expands wildcards, sorted", () => {
    expect(listProbes(env, "tracepoint:syscalls:sys_*_read", false)).toEqual([
      "tracepoint:syscalls:sys_enter_read",
      "tracepoint:syscalls:sys_exit_read",
    ]);
    expect(listProbes(env, "tracepoint:sys?alls:sys_enter_read", false)).toEqual(["tracepoint:syscalls:sys_enter_read"]);
    expect(listProbes(env, "tracepoint:*:sched_switch", false)).toEqual(["tracepoint:sched:sched_switch"]);
  });

  it("searches every kernel provider for a pattern without a colon", () => {
    expect(listProbes(env, "sched_switch", false)).toEqual(["rawtracepoint:vmlinux:sched_switch", "tracepoint:sched:sched_switch"]);
    expect(listProbes(env, "*vfs_read*", false)).toEqual(["fentry:vmlinux:vfs_read", "kprobe:vfs_read"]);
  });

  it("lists kernel functions for kprobe (bare) and fentry (vmlinux:)", () => {
    expect(listProbes(env, "kprobe:vfs_*", false)).toEqual(["kprobe:vfs_read", "kprobe:vfs_write"]);
    expect(listProbes(env, "fentry:vfs_*", false)).toEqual(["fentry:vmlinux:vfs_read", "fentry:vmlinux:vfs_write"]);
    expect(listProbes(env, "kfunc:vmlinux:vfs_read", false)).toEqual(["fentry:vmlinux:vfs_read"]);
  });

  it("lists software, hardware, interval and profile probes", () => {
    expect(listProbes(env, "software:*faults*", false)).toEqual([
      "software:alignment-faults:", "software:emulation-faults:", "software:faults:",
      "software:major-faults:", "software:minor-faults:", "software:page-faults:",
    ]);
    expect(listProbes(env, "hardware:cycles:", false)).toEqual(["hardware:cycles:"]);
    // As in bpftrace, the event name alone does not match "cycles:".
    expect(listProbes(env, "hardware:cycles", false)).toEqual([]);
    expect(listProbes(env, "profile:*", false)).toEqual(["profile:hz:", "profile:ms:", "profile:s:", "profile:us:"]);
    expect(listProbes(env, "interval:", false)).toEqual(["interval:hz:", "interval:ms:", "interval:s:", "interval:us:"]);
  });

  it("lists uprobe and usdt probes of a named binary", () => {
    expect(listProbes(env, "uprobe:/opt/demo/bin/demo:demo_*", false)).toEqual([
      "uprobe:/opt/demo/bin/demo:demo_add",
      "uprobe:/opt/demo/bin/demo:demo_loop",
    ]);
    expect(listProbes(env, "usdt:/opt/demo/bin/demo:*", false)).toEqual([
      "usdt:/opt/demo/bin/demo:demo:done",
      "usdt:/opt/demo/bin/demo:demo:tick",
    ]);
    expect(listProbes(env, "usdt:demo:demo:t*", false)).toEqual(["usdt:/opt/demo/bin/demo:demo:tick"]);
    expect(listProbes(env, "U:demo:tick", false)).toEqual(["usdt:/opt/demo/bin/demo:demo:tick"]);
  });

  it("searches userspace providers under a wildcard type only when the target is a file", () => {
    expect(listProbes(env, "*:demo_add", false)).toEqual([]);
    expect(listProbes(env, "*:/opt/demo/bin/demo:demo_add", false)).toEqual(["uprobe:/opt/demo/bin/demo:demo_add"]);
  });

  it("lists hundreds of thousands of probes, as `-lv '*'` does on this kernel", () => {
    const many = recordedEnv(ROOT, { kernelFunctions: Array.from({ length: 100_000 }, (_, i) => `f${i}`) });
    const lines = listProbes(many, "*", true);
    expect(lines.length).toBeGreaterThan(200_000); // kprobe:fN and fentry:vmlinux:fN
    expect(lines.filter((l) => l.startsWith("kprobe:")).length).toBe(100_000);
  });

  it("takes comma-separated patterns", () => {
    expect(listProbes(env, "tracepoint:raw_syscalls:sys_enter,tracepoint:raw_syscalls:sys_exit", false)).toEqual([
      "tracepoint:raw_syscalls:sys_enter",
      "tracepoint:raw_syscalls:sys_exit",
    ]);
  });
});

describe("globMatcher", () => {
  it("matches * and ? anchored", () => {
    const m = globMatcher("a*b?");
    expect(m("abbc")).toBe(true);
    expect(m("axxxbz")).toBe(true);
    expect(m("ab")).toBe(false);
    expect(globMatcher("x.y")("xzy")).toBe(false);
    expect(globMatcher("plain")("plain")).toBe(true);
  });
});

describe("listing kernel types (bpftrace -l 'struct ...')", () => {
  const kernel = btfEnv();

  it("lists the structs, unions and enums whose name matches; -lv their C definitions", () => {
    expect(listProbes(kernel, "struct task_*", false)).toEqual(["struct task_struct"]);
    expect(listProbes(kernel, "enum *", false)).toEqual(["enum big", "enum state"]);
    expect(listProbes(kernel, "struct task_struct,enum state", true)).toEqual([
      "vmlinux: struct task_struct {",
      "\tpid_t pid;",
      "\tchar comm[16];",
      "\tunion {",
      "\t\tint a;",
      "\t\tunsigned int b;",
      "\t};",
      "\tunsigned int flag: 1;",
      "\tunsigned int mode: 3;",
      "\tstruct task_struct *parent;",
      "};",
      "",
      "vmlinux: enum state {",
      "\tRUNNING = 0,",
      "\tDEAD = -1,",
      "};",
      "",
    ]);
    expect(listProbes(kernel, "struct nope", true)).toEqual([]);
    expect(listProbes(env, "struct task_struct", false)).toEqual([]); // no BTF
  });
});
