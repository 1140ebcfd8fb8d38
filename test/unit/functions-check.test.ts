// Checking and compiling the functions resolved at compile time or formatted in user space
// (their rows in bpf/functions/) against a recorded machine
// with a few kernel symbols and a cgroup: their types, bpftrace's error messages, the
// unsafe gate of system(), and what codegen adds (the join scratch map, constants).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MapType } from "../../bpf/types/abi.ts";
import { disassemble } from "../../bpf/asm/index.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import { type ProgramSpec } from "../../bpf/codegen/spec.ts";
import { SCRATCH_MAP } from "../../bpf/types/internal-maps.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { compatible } from "../../bpf/types/types.ts";

const here = dirname(fileURLToPath(import.meta.url));
const env = recordedEnv(join(here, "../fixtures/tracefs"), {
  kallsyms: { avenrun: "0xffffffff83a0c2e0", jiffies_64: "0xffffffff83805000" },
  cgroups: { "/sys/fs/cgroup/system.slice": "57" },
});

function messages(source: string, unsafe = false): string[] {
  return compile(source, { env, origin: "cell[1]", unsafe }).diagnostics.map((d) => d.message);
}

function clean(source: string, unsafe = false): ProgramSpec {
  const r = compile(source, { env, origin: "cell[1]", unsafe });
  expect(renderDiagnostics(r.diagnostics, source, "cell[1]")).toBe("");
  return r.spec!;
}

/** The type the checker gave the first call of `callee` in the single probe. */
function callType(source: string, callee: string): unknown {
  const r = compile(source, { env, origin: "cell[1]" });
  const cp = r.checked!.probes[0]!;
  for (const [e, t] of cp.types) if (e.kind === "CallExpr" && e.callee === callee) return t;
  return undefined;
}

describe("types", () => {
  it("strftime is a timestamp that carries its format; different formats do not mix", () => {
    expect(callType('BEGIN { @t = strftime("%H:%M", nsecs); }', "strftime")).toEqual({ k: "timestamp", format: "%H:%M" });
    expect(compatible({ k: "timestamp", format: "%H" }, { k: "timestamp", format: "%M" })).toBe(false);
    expect(messages('BEGIN { @t = strftime("%H", nsecs); @t = strftime("%M", nsecs); }')).toEqual(['@t holds timestamp("%H"); cannot assign timestamp("%M")']);
  });

  it("ntop is inet, macaddr macaddr, kaddr and cgroupid uint64", () => {
    expect(callType("BEGIN { $a = ntop(1); }", "ntop")).toEqual({ k: "inet" });
    expect(callType('BEGIN { $m = macaddr("abcdef"); }', "macaddr")).toEqual({ k: "macaddr" });
    expect(callType('BEGIN { $k = kaddr("avenrun"); }', "kaddr")).toEqual({ k: "int", bits: 64, signed: false });
  });

  it("kstack/ustack take a mode word and a frame limit", () => {
    expect(callType("BEGIN { @[ustack(perf, 3)] = count(); }", "ustack")).toEqual({ k: "stack", user: true, mode: "perf", limit: 3 });
    expect(callType("BEGIN { @[kstack(raw)] = count(); }", "kstack")).toEqual({ k: "stack", user: false, mode: "raw" });
    expect(callType("BEGIN { @[kstack(5)] = count(); }", "kstack")).toEqual({ k: "stack", user: false, limit: 5 });
    expect(callType("BEGIN { @[ustack(build_id, 30)] = count(); }", "ustack")).toEqual({ k: "stack", user: true, mode: "build_id", limit: 30 });
  });
});

describe("errors", () => {
  it.each([
    ['BEGIN { printf("%s", strftime("%H", -1)); }', "strftime() does not accept negative timestamps"],
    ['BEGIN { $f = "%H"; printf("%s", strftime($f, 1)); }', "strftime() needs a format string literal as its first argument"],
    ['BEGIN { $s = "abcdefgh"; printf("%s", ntop($s)); }', "ntop() needs a 4-byte (IPv4) or 16-byte (IPv6) array, not 9 bytes"],
    ['BEGIN { $s = "abc"; printf("%s", macaddr($s)); }', "macaddr() needs at least 6 bytes, not 4"],
    ['BEGIN { printf("%d", kaddr("no_such_symbol")); }', "Failed to resolve kernel symbol: no_such_symbol"],
    ['BEGIN { printf("%d", cgroupid("/sys/fs/cgroup/nope")); }', "cgroupid(): no cgroup at '/sys/fs/cgroup/nope'"],
    ['BEGIN { printf("%d", uaddr("x")); }', "uaddr() is only available in uprobe, uretprobe and usdt probes, not BEGIN"],
    ['BEGIN { join(comm); }', "join() needs an array of strings (char *arr[]), not string[16]"],
    ["BEGIN { @[ustack(fast)] = count(); }", "unknown identifier 'fast'"],
    ["BEGIN { @[ustack(0)] = count(); }", "ustack() frame limit must be between 1 and 1024"],
    ["BEGIN { @[kstack(build_id)] = count(); }", "'build_id' stack mode can only be used for ustack"],
    ['BEGIN { system("ls"); }', "system() is an unsafe function being used in safe mode"],
    ['tracepoint:syscalls:sys_enter_openat { write_user(args.filename, "x", 1); }', "write_user() is unsafe. To use you need the --unsafe flag"],
    ['BEGIN { @g = 2; if (has_key(@g, 2)) { exit(); } }', "call to has_key() expects a map with explicit keys (non-scalar map)"],
    ['BEGIN { @g = 2; delete(@g, 2); }', "call to delete() with two arguments expects a map with explicit keys (non-scalar map)"],
    // the map's keys in bpftrace's types: a literal at its own width, the widest written
    ['BEGIN { @g[1, "hi"] = 2; if (has_key(@g, (1, 2))) { exit(); } }', "Argument mismatch for @g: trying to access with arguments: '(int8,int8)' when map expects arguments: '(int8,string[3])'"],
    ['BEGIN { @g[1, "hi"] = 2; @g[-1000, "x"] = 3; if (has_key(@g, (1, 2))) { exit(); } }', "Argument mismatch for @g: trying to access with arguments: '(int8,int8)' when map expects arguments: '(int16,string[3])'"],
    ['BEGIN { @g[1] = 2; delete(@g, "a"); }', "Argument mismatch for @g: trying to access with arguments: 'string[2]' when map expects arguments: 'int8'"],
    ['BEGIN { debugf("%d %d %d %d", 1, 2, 3, 4); }', "debugf() takes at most 3 arguments after its format (bpf_trace_printk's limit)"],
    ['BEGIN { @g["a"] = 2; delete(@g, 1); }', "Argument mismatch for @g: trying to access with arguments: 'int64' when map expects arguments: 'string[2]'"],
  ])("%s", (source, message) => {
    expect(messages(source)).toContain(message);
  });

  it("write_user() with unsafe: a bool from bpf_probe_write_user(dst, &src, len), len clamped to the source's size", () => {
    const spec = clean('tracepoint:syscalls:sys_enter_openat { $ok = write_user(args.filename, "ab", 9); printf("%d\\n", $ok); }', true);
    expect(disassemble(spec.programs[0]!.insns)).toMatch(/r3 = 3\n\s+\d+: call 36 ; bpf_probe_write_user\n/);
    expect(messages('tracepoint:syscalls:sys_enter_openat { write_user(args.filename, 1, 1); }', true)).toEqual([
      "write_user() source must be a value in memory (string, array, struct, tuple, buffer), not int64",
    ]);
    expect(messages('tracepoint:syscalls:sys_enter_openat { write_user(args.filename, "x"); }', true)[0]).toMatch(/write_user/);
  });

  it("system() compiles with unsafe; cat() needs no unsafe", () => {
    const spec = clean('BEGIN { system("echo %d", 1); cat("/proc/%d/comm", pid); }', true);
    expect(spec.actions.map((a) => a.kind)).toEqual(["system", "cat"]);
  });
});

describe("codegen", () => {
  it("`*` on an integer (kaddr) reads 8 bytes of kernel memory, as in loads.bt", () => {
    const spec = clean('BEGIN { $avenrun = kaddr("avenrun"); $load1 = *$avenrun; printf("%d\\n", $load1); }');
    const text = disassemble(spec.programs[0]!.insns);
    expect(text).toContain("r0 = 0xffffffff83a0c2e0 ll");
    expect(text).toMatch(/r2 = 8\n\s+\d+: call 113 ; bpf_probe_read_kernel\n/);
  });

  it("print() of a value larger than the BPF stack reserves its record in the ring buffer and copies the value in; a small one is sent with ringbuf_output", () => {
    const big = disassemble(clean("tracepoint:syscalls:sys_enter_openat { $s = str(args.filename); print($s); }").programs[0]!.insns);
    expect(big).toMatch(/r2 = 1032\n\s+\d+: r3 = 0\n\s+\d+: call 131 ; bpf_ringbuf_reserve\n/);
    expect(big).toContain("call 132 ; bpf_ringbuf_submit");
    expect(big).not.toContain("bpf_ringbuf_output");
    const small = disassemble(clean("tracepoint:syscalls:sys_enter_openat { print(comm); }").programs[0]!.insns);
    expect(small).toContain("call 130 ; bpf_ringbuf_output");
    expect(small).not.toContain("bpf_ringbuf_reserve");
  });

  it("join sends its record of 8 + 16 × 1024 bytes from the per-CPU scratch value", () => {
    const spec = clean("tracepoint:syscalls:sys_enter_execve { join(args.argv); join(args.argv, \",\"); }");
    // two records of 8 + 16 × 1024 bytes, each in the scratch value (beyond the BPF stack)
    expect(spec.maps.find((m) => m.name === SCRATCH_MAP)).toMatchObject({ type: MapType.PERCPU_ARRAY, keySize: 4, maxEntries: 1 });
    expect(spec.maps.find((m) => m.name === SCRATCH_MAP)!.valueSize).toBeGreaterThanOrEqual(8 + 16 * 1024);
    expect(spec.actions).toEqual([
      { kind: "join", separator: " ", count: 16, size: 1024 },
      { kind: "join", separator: ",", count: 16, size: 1024 },
    ]);
  });

  it("hist(n, k) with k = 1..5 compiles; the map remembers k", () => {
    for (const k of [1, 2, 5]) {
      const r = compile(`BEGIN { @h = hist(7, ${k}); }`, { env, origin: "cell[1]" });
      expect(r.diagnostics).toEqual([]);
      expect(r.checked!.maps.get("@h")?.histK).toBe(k);
    }
  });

  it("cgroupid is the recorded path's id, as a constant", () => {
    const spec = clean('BEGIN { printf("%d\\n", cgroupid("/sys/fs/cgroup/system.slice")); }');
    expect(disassemble(spec.programs[0]!.insns)).toContain("r0 = 57\n");
  });
});
