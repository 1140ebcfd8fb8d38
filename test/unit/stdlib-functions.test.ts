// Checking and compiling bpftrace's smaller standard-library functions (their rows
// in bpf/functions/), array casts (bpf/check/array-cast.ts),
// pton (bpf/functions/pton.ts) and block expressions, against the recorded machine: types,
// compile-time values, bpftrace's errors, and the instructions that matter.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { disassemble } from "../../bpf/asm/index.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import type { ProgramSpec } from "../../bpf/codegen/spec.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { parsePton } from "../../bpf/functions/pton.ts";
import { typeName } from "../../bpf/types/types.ts";
import { parse } from "../../bpf/lang/index.ts";

const here = dirname(fileURLToPath(import.meta.url));
const env = recordedEnv(join(here, "../fixtures/tracefs"));

function messages(source: string): string[] {
  return compile(source, { env, origin: "stdin" }).diagnostics.map((d) => d.message);
}

function clean(source: string): ProgramSpec {
  const r = compile(source, { env, origin: "stdin" });
  expect(renderDiagnostics(r.diagnostics, source, "stdin")).toBe("");
  return r.spec!;
}

function asm(source: string, probe = 0): string {
  return disassemble(clean(source).programs[probe]!.insns);
}

/** Type names of the first probe's variables. */
function vars(source: string): Record<string, string> {
  const r = compile(source, { env, origin: "stdin" });
  expect(renderDiagnostics(r.diagnostics, source, "stdin")).toBe("");
  return Object.fromEntries([...r.checked!.probes[0]!.vars].map(([k, t]) => [k, typeName(t)]));
}

/** The compile-time value the checker gave the first call of `callee`. */
function known(source: string, callee: string): bigint | undefined {
  const r = compile(source, { env, origin: "stdin" });
  for (const [e, v] of r.checked!.probes[0]!.consts) if (e.kind === "CallExpr" && e.callee === callee) return v;
  return undefined;
}

describe("builtins", () => {
  it("ncpus is the possible CPUs as a constant; usermode is 1 in BEGIN, 0 in tracepoints, cs & 3 == 3 in pt_regs probes", () => {
    expect(asm("BEGIN { @n = ncpus; }")).toMatch(/r0 = 2\n/);
    expect(asm("BEGIN { @u = usermode; }")).toMatch(/r0 = 1\n/);
    expect(asm("tracepoint:syscalls:sys_enter_openat { @u = usermode; }")).toMatch(/r0 = 0\n/);
    const prof = asm("profile:hz:99 { @u = usermode; }");
    expect(prof).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 136\)\n\s+\d+: r0 &= 3\n/);
  });

  it("probetype is the provider's name, special for BEGIN/END, sized to fit", () => {
    expect(vars('BEGIN { $t = probetype; } ')).toEqual({ $t: "string[8]" });
    expect(vars("tracepoint:syscalls:sys_enter_openat { $t = probetype; }")).toEqual({ $t: "string[11]" });
    expect(vars("BEGIN { $n = ncpus(); $u = usermode(); $p = probetype(); }")).toEqual({ $n: "uint64", $u: "uint8", $p: "string[16]" });
  });
});

describe("strings", () => {
  it("strlen is uint64, strcap of strings and arrays a constant, strstr int64, memcmp int32", () => {
    expect(vars('BEGIN { $a = strlen("x"); $b = strcap("x"); $d = memcmp("a", "b", 1); }')).toEqual({ $a: "uint64", $b: "int64", $d: "int32" });
    // strstr's codegen needs the kernel's BTF (below); its type does not
    const r = compile('BEGIN { $c = strstr("ab", "b"); }', { env, origin: "stdin" });
    expect(typeName(r.checked!.probes[0]!.vars.get("$c")!)).toBe("int64");
    expect(known('BEGIN { $b = strcap("abc"); }', "strcap")).toBe(4n);
    expect(known('BEGIN { $b = strcap(pton("1.2.3.4")); }', "strcap")).toBe(4n);
  });

  it("strlen of a string is a bounded loop over its bytes; of a pointer, probe_read_kernel_str's length", () => {
    expect(asm('BEGIN { $s = "hello"; @n = strlen($s); }')).toMatch(/r2 = \*\(u8 \*\)\(r1 \+ 0\)\n.*\n.*\n.*\n.*r0 \+= 1\n.*r1 \+= 1\n.*if r0 < 0x6 goto/);
    expect(asm("tracepoint:syscalls:sys_enter_openat { @n = strlen(args.filename); }")).toMatch(/r2 = 1024\n\s+\d+: call 114 ; bpf_probe_read_user_str\n\s+\d+: if r0 s<= 0x0 goto/);
  });

  it("strstr needs the bpf_strnstr kfunc from the kernel's BTF", () => {
    expect(messages('BEGIN { @i = strstr("ab", "b"); }')).toEqual(["strstr() needs the bpf_strnstr kfunc (Linux 6.17) in the kernel's BTF"]);
  });

  it("strcontains with a needle that is not a literal searches through bpf_strnstr too, and says so by name", () => {
    expect(messages('BEGIN { $n = "b"; @i = strcontains("ab", $n); }')).toEqual(["strcontains() needs the bpf_strnstr kfunc (Linux 6.17) in the kernel's BTF"]);
    expect(messages('BEGIN { @i = strcontains("ab", "b"); }')).toEqual([]);
  });

  it("memcmp compares signed bytes up to the smaller size; a runtime count is clamped", () => {
    const text = asm('BEGIN { @c = memcmp("abc", "abd", 3); @d = memcmp("abc", "abd", pid); }');
    expect(text).toMatch(/r3 = \*\(s8 \*\)\(r1 \+ 0\)/);
    expect(text).toMatch(/r5 = 3\n/);
    expect(text).toMatch(/if r5 <= 0x4 goto/);
  });

  it("errors", () => {
    expect(messages("BEGIN { @n = strlen(1, 2); }")).toEqual(["strlen() takes 1 argument, got 2"]);
    expect(messages('BEGIN { @n = memcmp("a", 1, 1); }')).toEqual(["memcmp() argument 2 must be a value in memory (string, array, tuple, buffer), not int64"]);
    expect(messages('BEGIN { @n = strstr("a", (1, 2)); }')).toContain("strstr() argument 2 must be a string, not (int8, int8)");
    expect(messages('BEGIN { @n = strcontains("foo", 1); }')).toEqual(["strcontains() needle must be a string, not int64"]);
    expect(messages("BEGIN { @b = buf(0); }")).toEqual(["buf() of a pointer needs a length"]);
    expect(messages('BEGIN { @b = buf("a", 1) < buf("b", 1); }')).toEqual(["buffers can only be compared with == and !="]);
    expect(messages('BEGIN { printf("%rx %rh %r", buf("a", 1), buf("b", 1), buf("c", 1)); }')).toEqual([]);
    expect(messages('BEGIN { @n = strcontains(1, "foo"); }')).toEqual(["strcontains() haystack must be a string, not int64"]);
  });
});

describe("pton", () => {
  it.each([
    ["1.2.3.4", [1, 2, 3, 4]],
    ["127.0.0.1", [127, 0, 0, 1]],
    ["::1", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ["fe80::1:2", [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2]],
    ["::ffff:10.0.0.1", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]],
    ["1:2:3:4:5:6:7:8", [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]],
  ])("%s", (text, bytes) => {
    expect([...(parsePton(text) as Uint8Array)]).toEqual(bytes);
  });

  it.each(["1.2.3", "256.1.1.1", "01.2.3.4", "1::2::3", "1:2:3:4:5:6:7:8:9", "hello", "12345::"])("rejects %s", (text) => {
    expect(parsePton(text)).toBe(`pton(): invalid address '${text}'`);
  });

  it("is char[4] or char[16], stored as constant bytes; needs a literal", () => {
    expect(vars('BEGIN { $a = pton("1.2.3.4"); $b = pton("::1"); }')).toEqual({ $a: "int8[4]", $b: "int8[16]" });
    expect(messages('BEGIN { $s = "1.2.3.4"; $a = pton($s); }')).toEqual(["pton() needs a string literal"]);
    expect(messages('BEGIN { $a = pton("1.2.3"); }')).toEqual(["pton(): invalid address '1.2.3'"]);
  });
});

describe("clocks and namespaces", () => {
  it("nsecs(mode) calls the mode's helper; sw_tai adds the offset measured when compiling", () => {
    expect(asm("BEGIN { @a = nsecs(monotonic); }")).toMatch(/call 5 ; bpf_ktime_get_ns/);
    expect(asm("BEGIN { @a = nsecs(boot); }")).toMatch(/call 125 ; bpf_ktime_get_boot_ns/);
    expect(asm("BEGIN { @a = nsecs(tai); }")).toMatch(/call 208 ; bpf_ktime_get_tai_ns/);
    const spec = compile("BEGIN { @a = nsecs(sw_tai); }", { env, origin: "stdin", taiOffsetNs: 37_000_000_123n }).spec!;
    expect(disassemble(spec.programs[0]!.insns)).toMatch(/call 125 ; bpf_ktime_get_boot_ns\n\s+\d+: r1 = 0x89d5f327b ll\n\s+\d+: r0 \+= r1/);
    expect(messages("BEGIN { @a = nsecs(fast); }")).toContain("nsecs() takes a clock: monotonic, boot, tai, sw_tai");
  });

  it("pid(init)/tid(curr_ns) are uint32 from get_current_pid_tgid; other words are errors", () => {
    expect(vars("BEGIN { $p = pid(init); $t = tid(curr_ns); }")).toEqual({ $p: "uint32", $t: "uint32" });
    expect(asm("BEGIN { @p = pid(init); }")).toMatch(/call 14 ; bpf_get_current_pid_tgid\n\s+\d+: r0 >>= 32/);
    expect(messages("BEGIN { @p = pid(host); }")).toContain("pid() takes a pid namespace: curr_ns, init");
  });
});

describe("introspection and compile-time checks", () => {
  it.each([
    ['is_str("a")', 1n], ["is_str(1)", 0n], ["is_integer(pid)", 1n], ["is_integer(comm)", 0n],
    ["is_unsigned_integer(pid)", 1n], ["is_unsigned_integer(-1)", 0n], ["is_ptr(curtask)", 1n], ["is_ptr(1)", 0n],
    ['is_array(pton("1.2.3.4"))', 1n], ["is_array(comm)", 0n], ["is_literal(1)", 1n], ['is_literal("x")', 1n], ["is_literal(pid)", 0n],
  ])("%s is %s", (call, value) => {
    const callee = call.slice(0, call.indexOf("("));
    expect(known(`BEGIN { $x = ${call}; }`, callee)).toBe(value);
  });

  it("static_assert fails the compilation with its message; a known-true condition compiles to nothing", () => {
    expect(messages('BEGIN { static_assert(is_str(1), "needs a string"); }')).toEqual(["static assertion failed: needs a string"]);
    expect(messages('BEGIN { static_assert(is_integer(1) && !is_str(1) && 2 * 2 == 4, "sizes"); }')).toEqual([]);
    expect(messages('BEGIN { static_assert(pid == 1, "x"); }')).toEqual(["static_assert() needs a condition known at compile time"]);
  });

  it("fail() is a compile error with its literal arguments, except in a branch a constant condition never takes", () => {
    expect(messages('BEGIN { fail("expected %d, got %s", 2, "x"); }')).toEqual(["expected 2, got x"]);
    expect(messages('BEGIN { if (is_str(1)) { fail("never"); } else { @x = 1; } }')).toEqual([]);
    expect(messages('BEGIN { if (is_str("s")) { @x = 1; } else { fail("never"); } }')).toEqual([]);
    expect(compile('BEGIN { if ($1 < 2) { fail("want more than 1, got %d", $1); } }', { env, origin: "stdin", positional: ["1"] }).diagnostics.map((d) => d.message)).toEqual(["want more than 1, got 1"]);
    expect(compile('BEGIN { if ($1 < 2) { fail("want more than 1, got %d", $1); } }', { env, origin: "stdin", positional: ["5"] }).diagnostics).toEqual([]);
  });
});

describe("errorf, warnf, assert", () => {
  it("are printf records with bpftrace's location (end column exclusive)", () => {
    const spec = clean('BEGIN { errorf("Something bad with args: %d, %s", 10, "arg2"); }');
    expect(spec.actions[0]).toMatchObject({ kind: "errorf", format: "Something bad with args: %d, %s", location: "stdin:1:9-62" });
    expect(clean('BEGIN {\n  warnf("w");\n}').actions[0]).toMatchObject({ kind: "warnf", location: "stdin:2:3-13" });
  });

  it("inside a macro: the place in its body, then the calls it was expanded from (bpftrace's chain)", () => {
    const spec = clean('macro bad() { errorf("Something bad"); }\nmacro twice() { bad(); bad() }\nBEGIN { twice(); }');
    const from = (col: number) => `stdin:2:${col}-${col + 5}: ERROR: expanded from\nmacro twice() { bad(); bad() }\n${" ".repeat(col - 1)}~~~~~\n`;
    const outer = "stdin:3:9-16: ERROR: expanded from\nBEGIN { twice(); }\n        ~~~~~~~\n";
    expect(spec.actions).toMatchObject([
      { kind: "errorf", location: "stdin:1:15-38", expandedFrom: from(17) + outer },
      { kind: "errorf", location: "stdin:1:15-38", expandedFrom: from(24) + outer },
    ]);
    expect(clean('BEGIN { errorf("x"); }').actions[0]).not.toHaveProperty("expandedFrom");
  });

  it("assert sends an errorf record and exit(1) when its condition is false", () => {
    const spec = clean('BEGIN { assert(pid > 1, "pid is small"); }');
    expect(spec.actions).toMatchObject([
      { kind: "errorf", format: "assert failed: %s", location: "stdlib/base.bt:6:5-37", expandedFrom: 'stdin:1:9-40: ERROR: expanded from\nBEGIN { assert(pid > 1, "pid is small"); }\n        ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n' },
      { kind: "exit" },
    ]);
    expect(disassemble(spec.programs[0]!.insns)).toMatch(/\*\(u64 \*\)\(r10 [-+] \d+\) = 1\n/);
  });
});

describe("len, kptr/uptr, percpu_kaddr", () => {
  it("len(@map) is for_each_map_elem with a callback that returns 0; scalar maps are refused", () => {
    const spec = clean("BEGIN { @a[1] = 1; @n = len(@a); }");
    const text = disassemble(spec.programs[0]!.insns);
    expect(text).toMatch(/call 164 ; bpf_for_each_map_elem/);
    expect(spec.programs[0]!.btf?.funcInfo.length).toBe(2);
    expect(compile("BEGIN { @a = 1; @n = len(@a); }", { env, origin: "stdin" }).diagnostics.map((d) => d.message)).toEqual([
      "call to len() expects a map with explicit keys (non-scalar map)",
    ]);
  });

  it("len(ustack) is bpf_get_stack's bytes / 8", () => {
    const text = asm("profile:hz:99 { @n = len(ustack); }");
    expect(text).toMatch(/r4 = 256\n\s+\d+: call 67 ; bpf_get_stack/);
    expect(text).toMatch(/r0 >>= 3/);
  });

  it("kptr/uptr change a pointer's address space only", () => {
    expect(vars("tracepoint:syscalls:sys_enter_openat { $u = uptr(args.filename); $k = kptr($u); }")).toEqual({ $u: "int8 *", $k: "int8 *" });
    const r = compile("tracepoint:syscalls:sys_enter_openat { $u = uptr(args.filename); $k = kptr($u); }", { env, origin: "stdin" });
    const v = r.checked!.probes[0]!.vars;
    expect([v.get("$u"), v.get("$k")].map((t) => (t?.k === "ptr" ? t.user : undefined))).toEqual([true, false]);
    expect(messages('BEGIN { $x = kptr("s"); }')).toEqual(["kptr() needs a pointer, not string[2]"]);
  });

  it("percpu_kaddr needs the variable in BTF", () => {
    expect(messages('BEGIN { @p = percpu_kaddr("runqueues"); }')).toEqual(["percpu_kaddr(): no per-CPU kernel variable 'runqueues' in the kernel's BTF"]);
  });
});

describe("array casts", () => {
  it("integers to arrays of the same size (or a literal that fits), `[]` sized from the value, and back", () => {
    expect(vars("BEGIN { $a = (int8[8])12345; $b = (uint8[4])0x01020304; $c = (int8[])(uint16)258; $d = (uint64)$a; $e = (uint8[2])(uint8)7; }")).toEqual({
      $a: "int8[8]", $b: "uint8[4]", $c: "int8[2]", $d: "uint64", $e: "uint8[2]",
    });
    expect(vars('BEGIN { $x = (uint32)pton("127.0.0.1"); }')).toEqual({ $x: "uint32" });
  });

  it("a string to an integer array: its bytes, the NUL included", () => {
    expect(vars('BEGIN { $a = (int8[])"hello"; $b = (int16[])"abc"; $s = "ab"; $c = (uint8[3])$s; }')).toEqual({ $a: "int8[6]", $b: "int16[2]", $s: "string[3]", $c: "uint8[3]" });
    expect(messages('BEGIN { $a = (int16[])"ab"; }')).toEqual(["cannot cast string[3] (3 bytes) to int16[1]: the sizes differ"]);
  });

  it("sizes must match", () => {
    expect(messages("BEGIN { $a = (int8[3])pid; }")).toEqual(["cannot cast uint32 (4 bytes) to int8[3]: the sizes differ"]);
    expect(messages("BEGIN { $a = (uint8[4])0x0102030405; }")).toEqual(["cannot cast int64 (8 bytes) to uint8[4]: the sizes differ"]);
    expect(messages("BEGIN { $a = (uint8[4])1; $b = (uint64)$a; }")).toEqual(["cannot cast uint8[4] (4 bytes) to uint64 (8 bytes): the sizes differ"]);
    expect(messages("BEGIN { $a = (int32[])(uint16)1; }")).toEqual(["cannot cast uint16 (2 bytes) to int32[1]: the sizes differ"]);
  });
});

describe("block expressions", () => {
  it("the last expression without ';' is the block's value; with ';' it has none", () => {
    const p = parse("BEGIN { let $a = { let $b = 1; $b }; $c = { 1; }; }").program!;
    const [decl, assign] = p.probes[0]!.body.statements as unknown as [{ value: { kind: string; value?: unknown; block: { statements: unknown[] } } }, { value: { kind: string; value?: unknown } }];
    expect(decl.value.kind).toBe("BlockExpr");
    expect(decl.value.block.statements).toHaveLength(1);
    expect(decl.value.value).toMatchObject({ kind: "VarExpr", name: "$b" });
    expect(assign.value).toMatchObject({ kind: "BlockExpr", value: undefined });
  });

  it("type-checks as its value, scoped; a '{' statement is still a block", () => {
    expect(vars('BEGIN { let $a = { let $b = 1; $b + 1 }; $s = { "x" }; { $q = 1; } }')).toMatchObject({ $a: "int64", $s: "string[2]", $q: "int8" });
    expect(messages("BEGIN { $a = { let $b = 1; $b }; print($b); }")).toEqual(["$b is not in scope here: it is assigned inside a block that has ended"]);
    expect(messages("BEGIN { $a = { 1; }; }")).toEqual(["this expression has no value to assign"]);
  });
});
