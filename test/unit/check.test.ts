// The checker (bpf/check) against a recorded machine (test/fixtures/tracefs): types of
// builtins and tracepoint fields, map kinds, the notebook's map registry across cells, and
// the rendered diagnostics of common mistakes, pinned as golden text in
// test/unit/golden/check/diagnostics.txt. UPDATE_GOLDEN=1 rewrites it.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { check, type CheckedProbe, type CheckedProgram } from "../../bpf/check/checker.ts";
import type { MapInfo } from "../../bpf/types/map-info.ts";
import { MapRegistry } from "../../bpf/check/map-registry.ts";
import { type Type, int, s64, str, typeName, u32, u64 } from "../../bpf/types/types.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv, type RecordedManifest } from "../../bpf/probes/env.ts";
import type * as A from "../../bpf/lang/index.ts";
import { parse, printExpr } from "../../bpf/lang/index.ts";
import { golden } from "../helpers/golden.ts";

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, "../fixtures/tracefs");
const goldenPath = join(here, "golden/check/diagnostics.txt");

// Pinned here rather than taken from env.json, so the kprobe case does not depend on it.
const noKprobes: RecordedManifest = { features: { kprobes: false, trampolines: false, hardwarePmu: false } };
const env = recordedEnv(fixture, noKprobes);

interface CheckCase {
  readonly registry?: MapRegistry;
  readonly origin?: string;
  readonly positional?: readonly string[];
}

function checkSource(source: string, c: CheckCase = {}): CheckedProgram {
  const parsed = parse(source);
  expect(parsed.diagnostics, `parse: ${source}`).toEqual([]);
  if (!parsed.program) throw new Error(`no program: ${source}`);
  return check(parsed.program, { env, registry: c.registry, origin: c.origin ?? "cell[1]", positional: c.positional });
}

function checkClean(source: string, c: CheckCase = {}): CheckedProgram {
  const checked = checkSource(source, c);
  expect(renderDiagnostics(checked.diagnostics, source, c.origin ?? "cell[1]")).toBe("");
  return checked;
}

/** Type of the first expression of `cp` that `match` accepts (in source order). */
function typeOf(cp: CheckedProbe, match: (e: A.Expr) => boolean): Type {
  const found = [...cp.types].filter(([e]) => match(e)).sort(([a], [b]) => a.span.offset - b.span.offset);
  const hit = found[0];
  if (!hit) throw new Error("no such expression");
  return hit[1];
}

const ident = (name: string) => (e: A.Expr) => e.kind === "IdentExpr" && e.name === name;
const field = (name: string) => (e: A.Expr) => e.kind === "FieldExpr" && e.field === name;
const callOf = (callee: string) => (e: A.Expr) => e.kind === "CallExpr" && e.callee === callee;

function only<T>(xs: readonly T[]): T {
  expect(xs).toHaveLength(1);
  return xs[0]!;
}

function countInfo(name: string, origin: string): MapInfo {
  return { name, valueKind: "count", keyTypes: [], valueType: s64, maxEntries: 4096, origin };
}

describe("types of builtins", () => {
  it("pid is uint32, comm is string[16], nsecs is uint64", () => {
    const cp = only(checkClean("BEGIN { printf(\"%d %s %d\\n\", pid, comm, nsecs); }").probes);
    expect(typeOf(cp, ident("pid"))).toEqual(u32);
    expect(typeOf(cp, ident("comm"))).toEqual(str(16));
    expect(typeOf(cp, ident("nsecs"))).toEqual(u64);
  });

  it("variables take the type of their first value", () => {
    const cp = only(checkClean("BEGIN { $p = pid; $c = comm; $t = nsecs; }").probes);
    expect(Object.fromEntries([...cp.vars].map(([n, t]) => [n, typeName(t)]))).toEqual({
      $p: "uint32",
      $c: "string[16]",
      $t: "uint64",
    });
  });

  it("a record literal is a record laid out as the tuple of its elements; its fields must be named once, and exist", () => {
    const cp = only(checkClean('BEGIN { $r = (a = (uint8)1, b = "xy", c = (x = 2)); $b = $r.b; }').probes);
    const r = cp.vars.get("$r")!;
    expect(r.k === "record" && r.fields!.map((f) => `${f.name}:${typeName(f.type)}@${f.offset}`)).toEqual(["a:uint8@0", "b:string[3]@1", "c:record@8"]);
    expect(typeName(cp.vars.get("$b")!)).toBe("string[3]");
    const messages = (src: string) => checkSource(src).diagnostics.map((d) => d.message);
    expect(messages("BEGIN { $r = (a = 1, 2); }")).toEqual(["a record names every field: (a = 1, b = 2)"]);
    expect(messages("BEGIN { $r = (a = 1, a = 2); }")).toEqual(["the record has two fields named 'a'"]);
    expect(messages("BEGIN { $r = (a = 1); $x = $r.b; }")).toEqual(["the record has no field 'b'"]);
  });
});

describe("tracepoint args from the recorded format", () => {
  const src = "tracepoint:syscalls:sys_enter_openat { $f = args->filename; @s = str(args->filename); }";

  it("a literal takes the other operand's sign; a difference is always signed (bpftrace's get_binop_int)", () => {
    const cp = only(checkClean("BEGIN { $u = (uint64)7; $a = $u % 10; $b = 10 * $u; $c = $u - 1; $d = $u + (int64)1; $e = 1 + 2; $f = $u + 0x8000000000000000; }").probes);
    expect(Object.fromEntries([...cp.vars].map(([n, t]) => [n, typeName(t)]))).toMatchObject({
      $a: "uint64",
      $b: "uint64",
      $c: "int64",
      $d: "int64",
      $e: "int64",
      $f: "uint64",
    });
  });

  it("resolves the probe against the recorded tracefs", () => {
    const cp = only(checkClean(src).probes);
    expect(cp.concrete.name).toBe("tracepoint:syscalls:sys_enter_openat");
    expect(cp.concrete.attach).toEqual({ kind: "tracepoint", category: "syscalls", event: "sys_enter_openat", id: 782 });
  });

  it("args->filename is a user char pointer and str() of it is a string", () => {
    const checked = checkClean(src);
    const cp = only(checked.probes);
    const filename = typeOf(cp, field("filename"));
    expect(filename).toEqual({ k: "ptr", to: { k: "int", bits: 8, signed: true }, user: true });
    expect(cp.vars.get("$f")).toEqual(filename);
    expect(typeOf(cp, callOf("str"))).toEqual(str());
    expect(checked.maps.get("@s")?.valueType).toEqual(str());
  });

  it("integer fields keep the width of the format file", () => {
    const cp = only(checkClean("tracepoint:syscalls:sys_enter_openat { $d = args->dfd; $n = args->__syscall_nr; }").probes);
    expect(cp.vars.get("$d")).toMatchObject({ k: "int", bits: 64 });
    expect(cp.vars.get("$n")).toEqual({ k: "int", bits: 32, signed: true });
  });
});

describe("scratch variable scope", () => {
  it("a variable belongs to the block that assigns it; blocks inside it see it; let declares it earlier", () => {
    checkClean("BEGIN { $a = 1; if ($a) { $b = $a + 1; if ($b) { @x = $a + $b; } } let $c; if (1) { $c = 2; } @c = $c; }");
    checkClean("BEGIN { if (1) { $t = 1; } else { $t = 2; } }");
  });

  it("a variable assigned an integer literal has the literal's smallest signed type; ++, += and wider values widen it", () => {
    const cp = only(checkClean("BEGIN { $a = 1; $b = -129; $c = 40000; $d = 1; $d++; $e = 1; $e += 1; $f = 1; $f = 300; let $g = -1; let $h: uint64 = 1; $i = (int16)1; }").probes);
    const got = ["$a", "$b", "$c", "$d", "$e", "$f", "$g", "$h", "$i"].map((v) => typeName(cp.vars.get(v)!));
    expect(got).toEqual(["int8", "int16", "int32", "int64", "int64", "int16", "int8", "uint64", "int16"]);
  });

  it("a narrow signed integer (a literal by its own type) cast to a pointer is widened with zeros: (T*)(uintN)x", () => {
    const cp = only(checkClean("BEGIN { $m = -1; @a = ((uint8*)-1, (uint8*)-300, (uint8*)$m, (uint8*)(int64)-1, (uint8*)1); }").probes);
    const rewritten = [...cp.rewrites.values()].map((x) => printExpr(x));
    expect(rewritten).toEqual(["((uint8*)((uint8)(-1)))", "((uint8*)((uint16)(-300)))", "((uint8*)((uint8)$m))"]);
  });

  it("a variable of the same name assigned after its block ended, or declared with let, is another variable with its own slot", () => {
    const cp = only(checkClean('BEGIN { if (1) { $x = "abc"; } if (1) { $x = 1; @a = $x; } let $y = 2; if (1) { let $y = "s"; @b = $y; } @c = $y; }').probes);
    expect(cp.vars.get("$x")).toEqual(str(4));
    expect(cp.vars.get("$x#2")).toEqual(int(8, true));
    expect(cp.vars.get("$y")).toEqual(int(8, true));
    expect(cp.vars.get("$y#2")).toEqual(str(2));
    expect([...cp.varKeys.values()].sort()).toEqual(["$x#2", "$x#2", "$y#2", "$y#2"]);
  });
});

describe("map keys", () => {
  it("a tuple key is the same map key as its elements written out", () => {
    const c = checkClean('BEGIN { $k = (1, "a"); @m[$k] = 5; @m[2, "b"] = 6; @n = @m[(3, "c")]; delete(@m, $k); }');
    expect(c.maps.get("@m")!.keyTypes.map(typeName)).toEqual(["int64", "string[2]"]);
  });
});

describe("unreachable statements", () => {
  const warnings = (src: string) => checkSource(src).diagnostics.map((d) => `${d.severity} ${d.span.line}:${d.span.col} ${d.message}`);

  it("warn once per block at the first statement after exit(), return, break, continue or an if that leaves on both sides", () => {
    expect(warnings("BEGIN { @a = 1; exit(); @a = 2; @a = 3; }")).toEqual(["warning 1:25 Unreachable statement."]);
    expect(warnings("BEGIN { if (pid) { return; } else { exit(); } @b = 1; }")).toEqual(["warning 1:47 Unreachable statement."]);
    expect(warnings("BEGIN { while (1) { break; @c = 1; } }")).toEqual(["warning 1:28 Unreachable statement."]);
  });

  it("an if with one side that leaves, or nothing after the jump, is not warned about", () => {
    expect(warnings("BEGIN { if (pid) { exit(); } @d = 1; while (1) { @e = 1; break; } }")).toEqual([]);
  });

  it("a probe that expands to several attach points warns once", () => {
    expect(warnings("tracepoint:syscalls:sys_enter_open* { exit(); @f = 1; }")).toEqual(["warning 1:47 Unreachable statement."]);
  });
});

describe("map kinds", () => {
  const src = [
    "tracepoint:syscalls:sys_enter_openat {",
    "  @opens[comm] = count();",
    "  @lat = hist(nsecs);",
    "  @pids = lhist(pid, 0, 100, 10);",
    "  @last[pid] = nsecs;",
    "  @name = comm;",
    "}",
  ].join("\n");

  it("tseries keeps its interval, count and aggregation, and the sign of its values", () => {
    const { maps } = checkClean('BEGIN { @a = tseries((uint32)1, 100ms, 5, "max"); @b[1] = tseries(-1, 1s, 3); }');
    expect(maps.get("@a")).toMatchObject({ valueKind: "tseries", tseries: { intervalNs: 100_000_000n, numIntervals: 5n, agg: "max" }, valueType: u64 });
    expect(maps.get("@b")).toMatchObject({ valueKind: "tseries", tseries: { intervalNs: 1_000_000_000n, numIntervals: 3n, agg: "none" }, valueType: s64 });
  });

  it("infers count, hist, lhist with its parameters, and plain values", () => {
    const maps = checkClean(src).maps;
    expect([...maps.keys()].sort()).toEqual(["@last", "@lat", "@name", "@opens", "@pids"]);
    expect(maps.get("@opens")).toMatchObject({ valueKind: "count", keyTypes: [str(16)], origin: "cell[1]" });
    expect(maps.get("@lat")).toMatchObject({ valueKind: "hist", keyTypes: [] });
    expect(maps.get("@pids")).toMatchObject({ valueKind: "lhist", lhist: { min: 0n, max: 100n, step: 10n } });
    // Keys widen to 64 bits, as bpftrace stores them.
    expect(maps.get("@last")).toMatchObject({ valueKind: "value", keyTypes: [u64], valueType: u64 });
    expect(maps.get("@name")).toMatchObject({ valueKind: "value", keyTypes: [], valueType: str(16) });
  });

  it("a declared map nothing uses is a warning at its declaration (bpftrace's Unused map); one only read is an error", () => {
    const unused = checkSource("let @a = percpuhash(1); BEGIN { exit(); }");
    expect(unused.diagnostics.map((d) => [d.severity, d.message, d.span.col])).toEqual([["warning", "Unused map: @a", 1]]);
    expect(unused.maps.has("@a")).toBe(false);
    const read = checkSource("let @a = hash(4); BEGIN { print(@a[1]); }");
    expect(read.diagnostics.map((d) => [d.severity, d.message])).toEqual([["error", "@a is used but never assigned"]]);
  });

  it("records the maps the program writes", () => {
    expect([...checkClean(src).written].sort()).toEqual(["@last", "@lat", "@name", "@opens", "@pids"]);
  });

  it("a map read before the probe that writes it takes the writer's type", () => {
    const checked = checkClean(
      'BEGIN { printf("%s %d\\n", @who, @n); }\ntracepoint:syscalls:sys_enter_openat { @who = comm; @n = pid; }',
    );
    const begin = checked.probes[0]!;
    expect(typeOf(begin, (e) => e.kind === "MapExpr" && e.name === "@who")).toEqual(str(16));
    expect(checked.maps.get("@who")?.valueType).toEqual(str(16));
    expect(checked.maps.get("@n")?.valueType).toEqual(u64);
  });
});

describe("the map registry across cells", () => {
  it("a conflicting use names the cell that defined the map", () => {
    const registry = new MapRegistry();
    registry.set(countInfo("@x", "cell[1]"));
    const checked = checkSource("BEGIN { @x = hist(1); }", { registry, origin: "cell[2]" });
    expect(checked.diagnostics.length).toBeGreaterThan(0);
    for (const d of checked.diagnostics) {
      expect(d.kind).toBe("TypeError");
      expect(d.message).toContain("cell[1]");
    }
  });

  it("a compatible use in a later cell is fine, and a read adopts the registry's type", () => {
    const registry = new MapRegistry();
    registry.set(countInfo("@x", "cell[1]"));
    checkClean("tracepoint:syscalls:sys_enter_read { @x = count(); }", { registry, origin: "cell[2]" });
    const cp = only(checkClean('BEGIN { printf("%d\\n", @x); }', { registry, origin: "cell[3]" }).probes);
    expect(typeOf(cp, (e) => e.kind === "MapExpr")).toEqual(u64);
  });
});

describe("probes this machine cannot attach", () => {
  it("kprobe without kprobes or trampolines points at the syscall tracepoints", () => {
    const checked = checkSource("kprobe:vfs_read { @reads = count(); }");
    const d = only(checked.diagnostics);
    expect(d.severity).toBe("error");
    const hints = d.hints.join("\n");
    expect(hints).toContain("tracepoint:syscalls:sys_enter_read");
    expect(hints).toContain("tracepoint:syscalls:sys_exit_read");
  });

  it("--dry-run (anyKernel) checks a kprobe as if it were allowed, with a warning that a real run fails here", () => {
    const parsed = parse("kprobe:vfs_read { @reads[func] = count(); }");
    const checked = check(parsed.program!, { env, origin: "cell[1]", anyKernel: true });
    const d = only(checked.diagnostics);
    expect(d.severity).toBe("warning");
    expect(d.message).toContain("checked as if it were allowed; a real run here fails");
    expect(only(checked.probes).concrete.provider).toBe("kprobe");
    expect(typeName(checked.maps.get("@reads")!.keyTypes[0]!)).toBe("ksym");
  });

  it("positional parameters in attach points are their text, as bpftrace substitutes them", () => {
    const c = checkClean("tracepoint:syscalls:sys_enter_$1 { @n = count(); }", { positional: ["read"] });
    expect(only(c.probes).concrete.name).toBe("tracepoint:syscalls:sys_enter_read");
  });

  it("a positional parameter may hold the provider or the whole attach point, split after substitution", () => {
    expect(only(checkClean("BEG$1 { @n = count(); }", { positional: ["IN"] }).probes).concrete.provider).toBe("BEGIN");
    const whole = only(checkClean("$1 { @n = count(); }", { positional: ["i:ms:10"] }).probes).concrete;
    expect([whole.provider, whole.name]).toEqual(["interval", "interval:ms:10"]);
    expect(only(checkSource("$1 { }").diagnostics).message).toBe("invalid probe type ''");
  });

  it("an unknown tracepoint suggests the nearest one", () => {
    const d = only(checkSource("tracepoint:syscalls:sys_enter_opnat { }").diagnostics);
    expect(d.hints.join("\n")).toContain("tracepoint:syscalls:sys_enter_openat");
  });
});

// --- golden: rendered diagnostics ----------------------------------------------------------

interface GoldenCase extends CheckCase {
  readonly title: string;
  readonly source: string;
}

function registryWithCount(name: string, origin: string): MapRegistry {
  const r = new MapRegistry();
  r.set(countInfo(name, origin));
  return r;
}

const cases: GoldenCase[] = [
  { title: "unknown identifier with did-you-mean", source: "BEGIN { @t = nsec; }" },
  { title: "lhist with too few arguments", source: "BEGIN { @l = lhist(1); }" },
  { title: "tseries with a zero interval", source: "BEGIN { @t = tseries(1, 0, 5); }" },
  { title: "tseries with an unknown aggregation", source: 'BEGIN { @t = tseries(1, 100ms, 5, "median"); }' },
  { title: "tseries with a computed interval count", source: "BEGIN { $n = 5; @t = tseries(1, 1s, $n); }" },
  { title: "a variable read after the block that assigned it", source: "BEGIN { if (1) { $z = 3; } @z = $z; for ($i : 0..2) { } @i = $i; }" },
  { title: "unknown function with did-you-mean", source: "BEGIN { @c = cont(); }" },
  { title: "unknown tracepoint with did-you-mean", source: "tracepoint:syscalls:sys_enter_opnat { @n = count(); }" },
  { title: "unknown tracepoint field", source: "tracepoint:syscalls:sys_enter_openat { @f = str(args->filenam); }" },
  { title: "kprobe on a kernel without kprobes or trampolines", source: "kprobe:vfs_read { @reads = count(); }" },
  {
    title: "map kind conflicting with an earlier cell",
    source: "BEGIN { @x = hist(1); }",
    origin: "cell[2]",
    registry: registryWithCount("@x", "cell[1]"),
  },
  { title: "map kind conflicting within a program", source: "BEGIN { @x = count(); }\nEND { @x = 1; }" },
  { title: "map read but never written", source: 'BEGIN { printf("%d\\n", @nope); }' },
  { title: "printf with too few arguments", source: 'BEGIN { printf("%d %d\\n", pid); }' },
  { title: "printf with too many arguments", source: 'BEGIN { printf("%d\\n", pid, tid); }' },
  { title: "printf %d of a string", source: 'BEGIN { printf("%d\\n", comm); }' },
  {
    title: "printf %s of a user char pointer",
    source: 'tracepoint:syscalls:sys_enter_openat { printf("%s\\n", args->filename); }',
  },
  { title: "break outside a loop", source: "BEGIN { break; }" },
  { title: "arg0 in a tracepoint", source: "tracepoint:syscalls:sys_enter_read { @fd = arg0; }" },
  { title: "comparing a string with an integer", source: "BEGIN { if (comm == 1) { exit(); } }" },
  { title: "address-of something other than a variable", source: "BEGIN { $p = &(pid + 1); }" },
  { title: "aggregation not assigned to a map", source: "BEGIN { count(); }" },
  { title: "unroll above its maximum", source: "BEGIN { unroll(101) { @i++; } }" },
  { title: "unroll below its minimum", source: "BEGIN { unroll(0) { @i++; } }" },
  { title: "unroll of a value that is not constant", source: "BEGIN { unroll(pid) { @i++; } }" },
  { title: "typeof() used as a value", source: "BEGIN { @t = typeof(pid); }" },
  { title: "container_of() without a typeof() type", source: "BEGIN { @c = container_of(curtask, task_struct, pid); }" },
];

function render(): string {
  return cases
    .map((c) => {
      const origin = c.origin ?? "cell[1]";
      const checked = checkSource(c.source, c);
      return `=== ${c.title}\n${c.source}\n---\n${renderDiagnostics(checked.diagnostics, c.source, origin)}\n`;
    })
    .join("\n");
}

describe("rendered diagnostics", () => {
  it("match the golden file", () => {
    golden(goldenPath, render());
  });

  it("every case has at least one error, and none throws", () => {
    for (const c of cases) {
      const ds = checkSource(c.source, c).diagnostics;
      expect(ds.some((d) => d.severity === "error"), c.title).toBe(true);
      for (const d of ds) expect(d.span.line, c.title).toBeGreaterThan(0);
    }
  });
});
