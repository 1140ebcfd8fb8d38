// tracepoint:CATEGORY:EVENT (bpf/probes/tracepoint.ts) on the recorded tracefs of
// test/fixtures/tracefs: its alias, expansion (wildcards, the error for a missing one),
// `-l`/`-lv` lines, and its arguments — the fields of the trace record, read at their
// format-file offsets (a `__data_loc` string through its u32 locator), no arg0/retval.
import { describe, expect, it } from "vitest";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();

describe("tracepoint probes", () => {
  it("are written tracepoint: or t:, and expand wildcards against tracefs", () => {
    const p = probe(env, "t:syscalls:sys_enter_openat");
    expect([p.name, p.progType, p.context, p.attach]).toEqual([
      "tracepoint:syscalls:sys_enter_openat", 5, "tracepoint", { kind: "tracepoint", category: "syscalls", event: "sys_enter_openat", id: 782 },
    ]);
    const r = expanded(env, "tracepoint:syscalls:sys_*_read");
    expect(typeof r === "string" ? r : r.map((x) => x.name)).toEqual(["tracepoint:syscalls:sys_enter_read", "tracepoint:syscalls:sys_exit_read"]);
  });

  it("say what is wrong with an attach point", () => {
    expect(expanded(env, "tracepoint:syscalls:sys_enter_nope")).toBe("No matches for tracepoint syscalls:sys_enter_nope. (did you mean tracepoint:syscalls:sys_enter_openat?)");
    expect(expanded(env, "t:syscalls")).toBe("tracepoint probes look like tracepoint:CATEGORY:EVENT");
  });

  it("are listed by `-l` under any kind's wildcard, with their fields under -lv", () => {
    expect(listProbes(env, "sys_enter_openat", false)).toEqual(["tracepoint:syscalls:sys_enter_openat"]);
    expect(listProbes(env, "t:raw_syscalls:*", true)).toEqual([
      "tracepoint:raw_syscalls:sys_enter", "    long id", "    unsigned long args[6]",
      "tracepoint:raw_syscalls:sys_exit", "    long id", "    long ret",
    ]);
  });

  it("have fields as arguments, not arg0 or retval", () => {
    expect(messages(env, "tracepoint:syscalls:sys_enter_openat { @a = arg0; @b = retval; @c = func; @d = args.nope; }")).toEqual([
      "error: arg0 is not available in tracepoint probes (use args.FIELD)",
      "error: retval is only available in return probes (kretprobe, uretprobe, fexit), not tracepoint",
      "error: func is not available in tracepoint probes",
      "error: tracepoint:syscalls:sys_enter_openat has no argument 'nope'",
    ]);
  });

  it("read a field at its offset in the record, sign-extended as the format says", () => {
    // pid_t next_pid; offset:56; size:4; signed:1
    expect(disasm(env, "t:sched:sched_switch { @[args.next_pid] = count(); }")).toMatch(/r0 = \*\(u32 \*\)\(r6 \+ 56\)\n\s+\d+: r0 <<= 32\n\s+\d+: r0 s>>= 32\n/);
    // char next_comm[16]; offset:40: copied from the record
    expect(disasm(env, "t:sched:sched_switch { @[args.next_comm] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 40\)\n.*\n\s+\d+: r0 = \*\(u64 \*\)\(r6 \+ 48\)\n/);
  });

  it("read a __data_loc string through its locator, alone or in the whole record", () => {
    const locator = /r3 = \*\(u32 \*\)\(r6 \+ 8\)\n\s+\d+: r3 &= 65535\n\s+\d+: r3 \+= r6\n(.*\n){3}\s+\d+: call 115 ; bpf_probe_read_kernel_str/;
    expect(disasm(env, "t:sched:sched_process_exec { @[args.filename] = count(); }")).toMatch(locator);
    // print(args): the fixed 20 bytes from the context, then the string into its slot
    expect(disasm(env, "t:sched:sched_process_exec { print(args); }")).toMatch(/r2 = 20\n\s+\d+: r3 = r6\n\s+\d+: call 113 ; bpf_probe_read_kernel\n/);
    expect(disasm(env, "t:sched:sched_process_exec { print(args); }")).toMatch(locator);
  });

  it("are kernel space: syscall pointers are user pointers by their type, other integers kernel addresses", () => {
    expect(inUserSpace(probe(env, "t:syscalls:sys_enter_openat"))).toBe(false);
    expect(disasm(env, "t:syscalls:sys_enter_openat { @[str(args.filename)] = count(); }")).toContain("bpf_probe_read_user_str");
    expect(disasm(env, "t:raw_syscalls:sys_enter { @[str(args.id)] = count(); }")).toContain("bpf_probe_read_kernel_str");
  });
});
