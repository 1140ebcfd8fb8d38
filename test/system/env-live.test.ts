// The kernel-facts layer on this machine: vmlinux BTF, tracefs, Debian's python3.11 USDT
// probes, kallsyms and the symbolizer on our own process. Needs no BPF, only readable
// /sys/kernel/btf, a mounted tracefs and (for kallsyms addresses) root.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { liveEnv } from "../../bpf/probes/env.ts";
import { ElfFile, functionSymbols } from "../../bpf/elf/index.ts";
import { listProbes } from "../../bpf/probes/listing.ts";
import { loadKallsyms, parseMaps, UserSymbolizer } from "../../bpf/symbols/index.ts";

const env = liveEnv();
const hasBtf = existsSync("/sys/kernel/btf/vmlinux");
const PY = "/usr/bin/python3.11";

describe.skipIf(!hasBtf)("vmlinux BTF", () => {
  it("parses in well under a second and knows struct task_struct", () => {
    const t0 = performance.now();
    const btf = env.btf()!;
    const task = btf.findByName("task_struct", "struct")!;
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(1000);
    const pid = btf.member(task, "pid")!;
    expect(btf.sizeof(pid.typeId)).toBe(4);
    expect(btf.typeName(pid.typeId)).toBe("pid_t");
    expect(btf.typeName(btf.member(task, "comm")!.typeId)).toBe("char[16]");
    expect(btf.typeName(btf.member(task, "real_parent")!.typeId)).toBe("struct task_struct *");
    expect(pid.offsetBits % 8).toBe(0);
  });

  it("has btf_trace_sys_enter for tp_btf and FUNCs for fentry", () => {
    const btf = env.btf()!;
    const id = btf.tracepointTypedefId("sys_enter");
    expect(id).toBeGreaterThan(0);
    expect(env.btfId("btf_trace_sys_enter", "typedef")).toBe(id);
    expect(btf.rawTracepointParams("sys_enter")!.map((p) => btf.typeName(p.typeId))).toEqual(["struct pt_regs *", "long int"]);
    expect(env.btfId("vfs_read", "func")).toBe(btf.funcId("vfs_read"));
    expect(env.listRawTracepoints()).toContain("sched_switch");
    expect(env.listKernelFunctions()).toContain("vfs_read");
  });
});

describe("tracefs", () => {
  it("lists syscalls:sys_enter_openat and reads its format", () => {
    expect(env.listTracepoints()).toContain("syscalls:sys_enter_openat");
    const f = env.tracepointFormat("syscalls", "sys_enter_openat")!;
    expect(f.id).toBeGreaterThan(0);
    expect(f.fields.find((x) => x.name === "filename")).toMatchObject({ cType: "const char *", size: 8 });
  });

  it("lists like bpftrace -lv", () => {
    expect(listProbes(env, "tracepoint:syscalls:sys_enter_openat", true)).toEqual([
      "tracepoint:syscalls:sys_enter_openat",
      "    int __syscall_nr",
      "    int dfd",
      "    const char * filename",
      "    int flags",
      "    umode_t mode",
    ]);
    expect(listProbes(env, "sys_enter_openat", false)).toContain("tracepoint:syscalls:sys_enter_openat");
  });

  it.skipIf(!hasBtf)("lists raw tracepoints and fentry with BTF arguments", () => {
    expect(listProbes(env, "rawtracepoint:sys_enter", true)).toEqual([
      "rawtracepoint:vmlinux:sys_enter",
      "    struct pt_regs * regs",
      "    long int id",
    ]);
    expect(listProbes(env, "fexit:vfs_read", true)).toEqual([
      "fexit:vmlinux:vfs_read",
      "    struct file * file",
      "    char * buf",
      "    size_t count",
      "    loff_t * pos",
      "    ssize_t retval",
    ]);
  });

  it("reports the machine", () => {
    expect(env.kernelRelease).toMatch(/^\d+\.\d+/);
    expect(env.onlineCpus).toBeGreaterThan(0);
    expect(env.possibleCpus()).toBeGreaterThanOrEqual(env.onlineCpus);
  });
});

describe.skipIf(!existsSync(PY))("python3.11 USDT", () => {
  it("lists the python provider's probes", () => {
    const lines = listProbes(env, `usdt:${PY}:*`, false);
    expect(lines).toContain(`usdt:${PY}:python:function__entry`);
    expect(lines).toContain(`usdt:${PY}:python:function__return`);
  });

  it("gives function__entry a uprobe offset and a semaphore offset", () => {
    const entry = env.usdtProbes(PY).find((p) => p.name === "function__entry")!;
    expect(entry.offset).toBeGreaterThan(0);
    expect(entry.semaphoreOffset).toBeGreaterThan(0);
    expect(entry.args.map((a) => a.size)).toEqual([8, 8, 4]);
  });
});

describe("symbols", () => {
  it.skipIf(process.getuid?.() !== 0)("reads real kernel addresses from /proc/kallsyms as root", () => {
    const k = loadKallsyms();
    expect(k.restricted).toBe(false);
    const a = k.address("vfs_read")!;
    expect(a).toBeGreaterThan(0n);
    expect(k.format(a + 4n)).toBe("vfs_read+4");
  });

  it("symbolizes an address of libc in this process", () => {
    const maps = parseMaps(readFileSync("/proc/self/maps", "utf8"));
    const libc = maps.find((m) => /\/libc\.so\.6$/.test(m.path) && m.perms.includes("x"))!;
    expect(libc).toBeDefined();
    const elf = ElfFile.parse(readFileSync(libc.path));
    const getpid = functionSymbols(elf).get("getpid")!;
    const fileOffset = elf.fileOffset(getpid.value)!;
    const addr = libc.start + BigInt(fileOffset) - libc.offset;
    const name = UserSymbolizer.forPid(process.pid).format(addr + 1n);
    // getpid may share its address with an alias (__getpid).
    expect(name).toMatch(/^(__)?getpid\+1$/);
  });
});
