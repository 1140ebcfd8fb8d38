// tracefs format files: parsing (on files recorded from a 6.18 kernel) and the tracefs
// readers pointed at test/fixtures/tracefs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findTracefs, listTracepoints, parseFieldDecl, parseFormat, readFormat } from "../../bpf/probes/tracefs.ts";

const ROOT = join(import.meta.dirname, "../fixtures/tracefs");
const fmt = (cat: string, ev: string) => parseFormat(readFileSync(join(ROOT, "events", cat, ev, "format"), "utf8"));

describe("tracefs format files", () => {
  it("parses sys_enter_openat: id, common fields, fields", () => {
    const f = fmt("syscalls", "sys_enter_openat");
    expect(f.name).toBe("sys_enter_openat");
    expect(f.id).toBe(782);
    expect(f.fields.filter((x) => x.common).map((x) => x.name)).toEqual(["common_type", "common_flags", "common_preempt_count", "common_pid"]);
    const own = f.fields.filter((x) => !x.common);
    expect(own.map((x) => x.name)).toEqual(["__syscall_nr", "dfd", "filename", "flags", "mode"]);
    expect(own[2]).toEqual({
      name: "filename", cType: "const char *", decl: "const char * filename", offset: 24, size: 8, signed: false,
      isArray: false, isDataLoc: false, common: false,
    });
    expect(own[0]).toMatchObject({ cType: "int", offset: 8, size: 4, signed: true });
    expect(f.printFmt).toMatch(/^"dfd: 0x%08lx/);
  });

  it("parses fixed arrays (sched_switch) and flexible ones", () => {
    const f = fmt("sched", "sched_switch");
    expect(f.fields.find((x) => x.name === "prev_comm")).toMatchObject({ cType: "char[16]", isArray: true, arrayLen: 16, offset: 8, size: 16 });
    expect(f.fields.find((x) => x.name === "prev_state")).toMatchObject({ cType: "long", size: 8, signed: true });
    const args = fmt("raw_syscalls", "sys_enter").fields.find((x) => x.name === "args")!;
    expect(args).toMatchObject({ cType: "unsigned long[6]", isArray: true, arrayLen: 6, size: 48 });
    expect(parseFieldDecl("u32 buf[]")).toMatchObject({ name: "buf", cType: "u32[]", isArray: true, arrayLen: 0 });
  });

  it("parses __data_loc strings (sched_process_exec) and __rel_loc", () => {
    const f = fmt("sched", "sched_process_exec");
    expect(f.fields.find((x) => x.name === "filename")).toMatchObject({
      cType: "__data_loc char[]", isDataLoc: true, isArray: false, offset: 8, size: 4,
    });
    expect(parseFieldDecl("__rel_loc char[] name")).toMatchObject({ name: "name", isDataLoc: true, isRelLoc: true });
  });

  it("parses pointer-to-pointer fields (sys_enter_execve)", () => {
    const argv = fmt("syscalls", "sys_enter_execve").fields.find((x) => x.name === "argv")!;
    expect(argv).toMatchObject({ cType: "const char *const *", decl: "const char *const * argv", size: 8 });
  });

  it("rejects a file without an ID", () => {
    expect(() => parseFormat("name: x\nformat:\n")).toThrow(/no ID/);
  });
});

describe("tracefs readers on a recorded tree", () => {
  it("finds the mount point", () => {
    expect(findTracefs((p) => p === "/sys/kernel/debug/tracing/events")).toBe("/sys/kernel/debug/tracing");
    expect(findTracefs((p) => p.startsWith("/sys/kernel/tracing"))).toBe("/sys/kernel/tracing");
    expect(findTracefs(() => false)).toBeUndefined();
  });

  it("lists tracepoints by walking events/ when available_events is absent", () => {
    expect(listTracepoints(ROOT)).toEqual([
      "raw_syscalls:sys_enter", "raw_syscalls:sys_exit", "sched:sched_process_exec", "sched:sched_switch",
      "syscalls:sys_enter_execve", "syscalls:sys_enter_openat", "syscalls:sys_enter_read",
      "syscalls:sys_exit_openat", "syscalls:sys_exit_read",
    ]);
  });

  it("reads a format, or undefined for a missing one", () => {
    expect(readFormat(ROOT, "syscalls", "sys_exit_read")?.fields.find((f) => f.name === "ret")).toMatchObject({ cType: "long", signed: true });
    expect(readFormat(ROOT, "syscalls", "sys_enter_nothing")).toBeUndefined();
    expect(readFormat(ROOT, "../..", "x")).toBeUndefined();
  });
});
