import { describe, expect, it } from "vitest";
import type * as A from "../../bpf/lang/ast.ts";
import { isComplete, parse, printExpr, printProgram, printStmt, tokenAt } from "../../bpf/lang/index.ts";
import { Grammar } from "../../bpf/lang/parser.ts";

/** Parse, asserting there are no diagnostics at all. */
function ok(src: string): A.Program {
  const r = parse(src);
  expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`)).toEqual([]);
  expect(r.program).toBeDefined();
  return r.program as A.Program;
}

function errors(src: string): string[] {
  return parse(src).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
}

/** The statements of `BEGIN { <body> }`, printed. */
function body(stmts: string): string[] {
  const p = ok(`BEGIN { ${stmts} }`);
  return (p.probes[0] as A.Probe).body.statements.map((s) => printStmt(s));
}

function stmt(src: string): A.Stmt {
  return (ok(`BEGIN { ${src} }`).probes[0] as A.Probe).body.statements[0] as A.Stmt;
}

function expr(src: string): A.Expr {
  const s = stmt(`${src};`);
  if (s.kind !== "ExprStmt") throw new Error(`not an expression: ${s.kind}`);
  return s.expr;
}

function aps(src: string): [string, string, string[]][] {
  return ok(`${src} { }`).probes.flatMap((p) => p.attachPoints.map((a): [string, string, string[]] => [a.raw, a.provider, [...a.parts]]));
}

describe("attach points", () => {
  it.each([
    ["tracepoint:syscalls:sys_enter_openat", "tracepoint", ["syscalls", "sys_enter_openat"]],
    ["tracepoint:syscalls:sys_enter_*", "tracepoint", ["syscalls", "sys_enter_*"]],
    ["kprobe:vfs_*", "kprobe", ["vfs_*"]],
    ["kprobe:vfs_read+16", "kprobe", ["vfs_read+16"]],
    ["uprobe:/bin/bash:readline", "uprobe", ["/bin/bash", "readline"]],
    ["uprobe:./myapp:handleRequest", "uprobe", ["./myapp", "handleRequest"]],
    ["usdt:/usr/bin/python3:python:function__entry", "usdt", ["/usr/bin/python3", "python", "function__entry"]],
    ["usdt:/.../libjvm.so:hotspot:gc__begin", "usdt", ["/.../libjvm.so", "hotspot", "gc__begin"]],
    ['uprobe:"/path with:colon":f', "uprobe", ["/path with:colon", "f"]],
    ['uprobe:/app:cpp:"MyApp::Server::*"', "uprobe", ["/app", "cpp", "MyApp::Server::*"]],
    ["uprobe:/bin/bash@readline.c:362", "uprobe", ["/bin/bash@readline.c", "362"]],
    ["profile:hz:99", "profile", ["hz", "99"]],
    ["interval:s:1", "interval", ["s", "1"]],
    ["interval:ms:100", "interval", ["ms", "100"]],
    ["interval:1s", "interval", ["1s"]],
    ["software:cpu-clock:1000000", "software", ["cpu-clock", "1000000"]],
    ["hardware:cache-misses:1e6", "hardware", ["cache-misses", "1e6"]],
    ["hardware:cache-misses:", "hardware", ["cache-misses", ""]],
    ["rawtracepoint:sys_enter", "rawtracepoint", ["sys_enter"]],
    ["fentry:vfs_read", "fentry", ["vfs_read"]],
    ["fentry:module:func", "fentry", ["module", "func"]],
    ["iter:task", "iter", ["task"]],
    ["iter:task_file:/sys/fs/bpf/files", "iter", ["task_file", "/sys/fs/bpf/files"]],
    ["watchpoint:0x10000000:8:rw", "watchpoint", ["0x10000000", "8", "rw"]],
    ["uprobe:$1:func", "uprobe", ["$1", "func"]],
    // The provider of these is known only once the checker substitutes the parameters.
    ["BEG$1", "BEG$1", []],
    ["$1", "$1", []],
    ["BEGIN", "BEGIN", []],
    ["END", "END", []],
    ["begin", "BEGIN", []],
    ["end", "END", []],
  ])("%s", (raw, provider, parts) => {
    expect(aps(raw)).toEqual([[raw, provider, parts]]);
  });

  it.each([
    ["t", "tracepoint"], ["k", "kprobe"], ["kr", "kretprobe"], ["u", "uprobe"], ["ur", "uretprobe"],
    ["U", "usdt"], ["p", "profile"], ["i", "interval"], ["f", "fentry"], ["fr", "fexit"],
    ["s", "software"], ["h", "hardware"], ["rt", "rawtracepoint"], ["it", "iter"],
    ["kfunc", "fentry"], ["kretfunc", "fexit"], ["w", "watchpoint"],
  ])("alias %s: expands to %s", (alias, provider) => {
    expect(aps(`${alias}:a:b`)).toEqual([[`${alias}:a:b`, provider, ["a", "b"]]]);
  });

  it("lists attach points with commas, across lines, with a trailing comma", () => {
    expect(aps("kprobe:tcp_reset,kprobe:*socket*").map((a) => a[0])).toEqual(["kprobe:tcp_reset", "kprobe:*socket*"]);
    expect(aps("tracepoint:syscalls:sys_enter_open,\ntracepoint:syscalls:sys_enter_openat").map((a) => a[0]))
      .toEqual(["tracepoint:syscalls:sys_enter_open", "tracepoint:syscalls:sys_enter_openat"]);
    expect(aps("kprobe:a, kprobe:b,").map((a) => a[0])).toEqual(["kprobe:a", "kprobe:b"]);
  });

  it("ends an attach point at '/' for providers without paths, so a predicate may touch it", () => {
    const p = ok("kprobe:vfs_read/arg2 > 16/{ @x = 1; }").probes[0] as A.Probe;
    expect(p.attachPoints[0]?.raw).toBe("kprobe:vfs_read");
    expect(printExpr(p.predicate as A.Expr)).toBe("(arg2 > 16)");
  });

  it("keeps '/' in uprobe paths and splits the predicate after whitespace", () => {
    const p = ok('uprobe:/usr/lib/libc.so.6:malloc /arg0 > 1024/ { @big = count(); }').probes[0] as A.Probe;
    expect(p.attachPoints[0]?.parts).toEqual(["/usr/lib/libc.so.6", "malloc"]);
    expect(printExpr(p.predicate as A.Expr)).toBe("(arg0 > 1024)");
  });

  it("tells division from the end of the predicate by the '{' that follows", () => {
    const p = ok("kprobe:f /arg0 / 2 > 1/ { }").probes[0] as A.Probe;
    expect(printExpr(p.predicate as A.Expr)).toBe("((arg0 / 2) > 1)");
    const q = ok("kprobe:f\n/ (arg0 / arg1) /\n{ }").probes[0] as A.Probe;
    expect(printExpr(q.predicate as A.Expr)).toBe("(arg0 / arg1)");
  });

  it("parses several probes and keeps spans on attach points", () => {
    const p = ok("BEGIN { }\nkprobe:do_nanosleep { @start[tid] = nsecs; }");
    expect(p.probes.length).toBe(2);
    const ap = (p.probes[1] as A.Probe).attachPoints[0] as A.AttachPoint;
    expect([ap.span.line, ap.span.col, ap.span.endLine, ap.span.endCol]).toEqual([2, 1, 2, 20]);
  });

  it("rejects a bare word that is not BEGIN/END", () => {
    expect(errors("foo { }")).toEqual([
      "'foo' is not a probe: expected 'provider:...' (like 'kprobe:vfs_read'), 'BEGIN' or 'END'",
    ]);
  });
});

describe("statements", () => {
  it("assignments to maps and variables, with every compound operator", () => {
    expect(body("@m[k1, k2] = v; @ = 1; $var = 2; @m[(1, 2)] = 3;"))
      .toEqual(["@m[k1, k2] = v;", "@ = 1;", "$var = 2;", "@m[(1, 2)] = 3;"]);
    for (const op of ["+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="]) {
      const s = stmt(`$x ${op} 2;`);
      expect(s.kind === "AssignStmt" && s.op).toBe(op);
    }
  });

  it("let declarations", () => {
    expect(body("let $v: uint32 = 5; let $w; let $x = 1; let $p: struct task_struct * = curtask; let $a: uint8[4];"))
      .toEqual(["let $v: uint32 = 5;", "let $w;", "let $x = 1;", "let $p: struct task_struct* = curtask;", "let $a: uint8[4];"]);
  });

  it("++ and -- on maps and variables, prefix and postfix", () => {
    expect(body("@x++; ++@x; $i--; --$i; @m[pid]++; $y = $x++;"))
      .toEqual(["(@x++);", "(++@x);", "($i--);", "(--$i);", "(@m[pid]++);", "$y = ($x++);"]);
    const s = stmt("@x++;");
    expect(s.kind === "ExprStmt" && s.expr.kind).toBe("UpdateExpr");
  });

  it("if / else if / else", () => {
    const s = stmt("if ($a == 1) { print(1); } else if ($a == 2) { print(2); } else { print(3); }");
    expect(s.kind).toBe("IfStmt");
    if (s.kind !== "IfStmt") return;
    expect(s.else?.kind).toBe("IfStmt");
    expect(s.else?.kind === "IfStmt" && s.else.else?.kind).toBe("Block");
    expect(printStmt(stmt("if @n > 1 { exit(); }"))).toBe("if (@n > 1) {\n  exit();\n}");
  });

  it("while, unroll, nested blocks", () => {
    expect(body("while ($i < 10) { $i++; } unroll(3) { @x++; } { $a = 1; }")).toEqual([
      "while ($i < 10) {\n  ($i++);\n}",
      "unroll 3 {\n  (@x++);\n}",
      "{\n  $a = 1;\n}",
    ]);
  });

  it("for over a map and over a range", () => {
    const m = stmt("for ($kv : @map) { print($kv.0); print($kv.1); }");
    expect(m.kind === "ForMapStmt" && [m.variable, m.map.name]).toEqual(["$kv", "@map"]);
    const r = stmt("for ($i : 0..N) { }");
    expect(r.kind === "ForRangeStmt" && [r.variable, printExpr(r.start), printExpr(r.end)]).toEqual(["$i", "0", "N"]);
    const q = stmt("for $cpu : 0..ncpus { }");
    expect(q.kind).toBe("ForRangeStmt");
    expect(errors("BEGIN { for ($i : 5) { } }")).toEqual(["expected a map (@name) or a range (start..end) after ':' in for loop"]);
  });

  it("break, continue, return with and without a value", () => {
    expect(body("for ($i : 0..3) { break; continue; } return; return 1")).toEqual([
      "for $i : 0..3 {\n  break;\n  continue;\n}", "return;", "return 1;",
    ]);
  });

  it("calls: delete, clear, zero, print, exit, printf", () => {
    expect(body("delete(@m[k]); delete(@m, k); clear(@m); zero(@m); print(@m, 10); print(@m, 10, 1000); exit(); exit(1); printf(\"%d\\n\", 1)"))
      .toEqual(["delete(@m[k]);", "delete(@m, k);", "clear(@m);", "zero(@m);", "print(@m, 10);", "print(@m, 10, 1000);", "exit();", "exit(1);", 'printf("%d\\n", 1);']);
  });

  it("allows the last statement without ';' and stray ';'", () => {
    expect(body("$a = 1; $b = 2")).toEqual(["$a = 1;", "$b = 2;"]);
    expect(body(";; $a = 1;; if (1) { };")).toEqual(["$a = 1;", "if 1 { }"]);
  });

  it("discard: `_ = expr` keeps the expression", () => {
    expect(body("_ = has_key(@a, 1);")).toEqual(["has_key(@a, 1);"]);
  });
});

describe("expressions", () => {
  it("literals", () => {
    const ints: [string, bigint][] = [
      ["42", 42n], ["0x2a", 42n], ["0X2A", 42n], ["052", 42n], ["0o52", 42n], ["0b101010", 42n],
      ["1_000", 1000n], ["1e6", 1000000n], ["2e3", 2000n], ["123UL", 123n], ["10u", 10n], ["7ll", 7n],
      ["1ns", 1n], ["10us", 10000n], ["100ms", 100000000n], ["5s", 5000000000n], ["1m", 60000000000n],
      ["1h", 3600000000000n], ["1d", 86400000000000n], ["0", 0n], ["18446744073709551615", 18446744073709551615n],
    ];
    for (const [raw, value] of ints) {
      const e = expr(raw);
      expect(e.kind === "IntLit" && [e.raw, e.value]).toEqual([raw, value]);
    }
    const s = expr(String.raw`"a\n\t\\\"\x41\101\0b"`);
    expect(s.kind === "StrLit" && s.value).toBe('a\n\t\\"AA\0b');
    expect(expr("true")).toMatchObject({ kind: "BoolLit", value: true });
    expect(expr("false")).toMatchObject({ kind: "BoolLit", value: false });
  });

  it("positional parameters, builtins, variables, maps", () => {
    expect(expr("$1")).toMatchObject({ kind: "PositionalExpr", index: 1, count: false });
    expect(expr("$12")).toMatchObject({ kind: "PositionalExpr", index: 12, count: false });
    expect(expr("$#")).toMatchObject({ kind: "PositionalExpr", index: 0, count: true });
    for (const b of ["pid", "comm", "nsecs", "args", "arg0", "retval", "probe", "curtask", "kstack"]) {
      expect(expr(b)).toMatchObject({ kind: "IdentExpr", name: b });
    }
    expect(expr("$x")).toMatchObject({ kind: "VarExpr", name: "$x" });
    expect(expr("@")).toMatchObject({ kind: "MapExpr", name: "@", keys: [] });
    expect(printExpr(expr("@m[pid, comm]"))).toBe("@m[pid, comm]");
  });

  it("field access, arrows, tuple access, indexing", () => {
    expect(printExpr(expr("args->argv[0]"))).toBe("((args->argv)[0])");
    expect(printExpr(expr("args.filename"))).toBe("(args.filename)");
    expect(printExpr(expr("$kv.0.1"))).toBe("(($kv.0).1)");
    expect(printExpr(expr("curtask->mm->arg_start"))).toBe("((curtask->mm)->arg_start)");
    expect(printExpr(expr("$s.y[0]"))).toBe("(($s.y)[0])");
    expect(printExpr(expr("args.if"))).toBe("(args.if)");
  });

  it("casts", () => {
    expect(printExpr(expr("(uint32)x"))).toBe("((uint32)x)");
    expect(printExpr(expr("(int8)$x"))).toBe("((int8)$x)");
    expect(printExpr(expr("(struct task_struct *)curtask"))).toBe("((struct task_struct*)curtask)");
    expect(printExpr(expr("(struct foo*)arg0"))).toBe("((struct foo*)arg0)");
    expect(printExpr(expr("(uint8[4])12345"))).toBe("((uint8[4])12345)");
    expect(printExpr(expr('(int8[])"mystring"'))).toBe('((int8[])"mystring")');
    expect(printExpr(expr("(unsigned long)$p"))).toBe("((unsigned long)$p)");
    expect(printExpr(expr("(u64)$p"))).toBe("((u64)$p)");
    expect(printExpr(expr("(pid_t)$p"))).toBe("((pid_t)$p)");
    expect(printExpr(expr("(int64**)reg"))).toBe("((int64**)reg)");
    const c = expr("(struct task_struct *)curtask");
    expect(c.kind === "CastExpr" && c.type).toMatchObject({ name: "struct task_struct", pointerDepth: 1, arraySize: undefined });
  });

  it("decides cast vs. grouping vs. tuple after '('", () => {
    expect(printExpr(expr("(pid)"))).toBe("pid");
    expect(printExpr(expr("(pid) * 2"))).toBe("(pid * 2)");
    expect(printExpr(expr("(comm) - 1"))).toBe("(comm - 1)");
    expect(printExpr(expr("(x) & 1"))).toBe("(x & 1)");
    expect(printExpr(expr("(uint64) - 1"))).toBe("((uint64)(-1))");
    expect(printExpr(expr("(uint32)*$p"))).toBe("((uint32)(*$p))");
    expect(printExpr(expr("(mytypedef)$x"))).toBe("((mytypedef)$x)");
    expect(printExpr(expr("(mytypedef)arg0"))).toBe("((mytypedef)arg0)");
    expect(errors("BEGIN { (pid)tid; }")).toEqual(["expected ';' or '}' after statement"]);
    expect(printExpr(expr('(1, "a")'))).toBe('(1, "a")');
    expect(printExpr(expr("(1,)"))).toBe("(1,)");
    expect(printExpr(expr("()"))).toBe("()");
    // record literals: bpftrace HEAD's named tuples
    expect(printExpr(expr('(a = 1, b = "x")'))).toBe('(a = 1, b = "x")');
    expect(printExpr(expr("(a = 1)"))).toBe("(a = 1)");
    expect(printExpr(expr("(a = (x = 2, y = $v), b = (1, 2))"))).toBe("(a = (x = 2, y = $v), b = (1, 2))");
    expect(printExpr(expr("(a = 1, 2)"))).toBe("(a = 1, ? = 2)");
    // if as a value (bpftrace HEAD): a ternary; a block ending in if/else with values is one too
    expect(printExpr(expr("print(if $x { 1 } else if $y { 2 } else { 3 })"))).toBe("print(($x ? { 1 } : ($y ? { 2 } : { 3 })))");
    expect(printExpr(expr("print(if $x { if $y { 1 } else { 2 } } else { 3 })"))).toBe("print(($x ? { ($y ? { 1 } : { 2 }) } : { 3 }))");
    expect(errors("BEGIN { $a = if $x { 1 }; }")).not.toEqual([]);
    expect(printExpr(expr("((struct path *)arg0)->dentry"))).toBe("(((struct path*)arg0)->dentry)");
    expect(printExpr(expr("(uint64)$my_q.nr_queued"))).toBe("((uint64)($my_q.nr_queued))");
  });

  it("sizeof and offsetof take a type or an expression", () => {
    const a = expr("sizeof(struct task_struct)");
    expect(a.kind === "SizeofExpr" && a.target.kind).toBe("TypeSpec");
    const b = expr("sizeof($x)");
    expect(b.kind === "SizeofExpr" && b.target.kind).toBe("VarExpr");
    expect(printExpr(expr("sizeof(uint32)"))).toBe("sizeof(type uint32)");
    expect(printExpr(expr("sizeof(uint32*[10])"))).toBe("sizeof(type uint32*[10])");
    expect(printExpr(expr("sizeof(foo)"))).toBe("sizeof(foo)");
    expect(printExpr(expr("offsetof(struct foo, bar)"))).toBe("offsetof(type struct foo, bar)");
    expect(printExpr(expr("offsetof(struct foo, bar.baz)"))).toBe("offsetof(type struct foo, bar.baz)");
    expect(printExpr(expr("offsetof($s, bar)"))).toBe("offsetof($s, bar)");
  });

  it("typeof(type or expression) is a type in casts, declarations and sizeof, and a value elsewhere (a macro argument)", () => {
    expect(printExpr(expr("(typeof($x))$y"))).toBe("((typeof($x))$y)");
    expect(printExpr(expr("(typeof(struct foo)*)$p"))).toBe("((typeof(type struct foo)*)$p)");
    expect(printExpr(expr("sizeof(typeof(uint8)[4])"))).toBe("sizeof(type typeof(type uint8)[4])");
    expect(printExpr(expr("f(typeof(uint64*), typeof(1 + 1))"))).toBe("f(typeof(type uint64*), typeof((1 + 1)))");
    expect(printStmt(stmt("let $y: typeof($x * 2) = 1;"))).toBe("let $y: typeof(($x * 2)) = 1;");
  });

  it("ternary, including bpftrace's `a ?: b`", () => {
    expect(printExpr(expr("$a > 0 ? $a : -1"))).toBe("(($a > 0) ? $a : (-1))");
    expect(printExpr(expr("$a ?: 5"))).toBe("($a ? $a : 5)");
  });

  it("address-of and dereference", () => {
    expect(printExpr(expr("&$a"))).toBe("(&$a)");
    expect(printExpr(expr("*$p"))).toBe("(*$p)");
    expect(printExpr(expr("**(int64**)reg"))).toBe("(*(*((int64**)reg)))");
  });

  it("comments anywhere", () => {
    expect(body("/* a */ $x = /* b */ 1; // c\n $y = 2; /* multi\nline */")).toEqual(["$x = 1;", "$y = 2;"]);
  });
});

describe("top level", () => {
  it("includes, defines, structs, config, map declarations, functions, macros", () => {
    const p = ok([
      "#!/usr/bin/env bpftrace",
      "#include <linux/sched.h>",
      '#include "foo.h"',
      "#define AF_INET 2 /* IPv4 */",
      "#define MAX(a, b) ((a) > (b) ? (a) : (b))",
      "struct foo { int a; char b[4]; };",
      "union bar { int x; long y; }",
      "config = { stack_mode = perf; max_map_keys = 2; print_maps_on_exit = false; license = \"GPL\" }",
      "let @a = lruhash(100);",
      "let @b = percpuarray(4)",
      "fn add($a: int64, $b: int64): int64 { return $a + $b; }",
      "macro inc($x, @m, e) { $x += 1; @m += e; }",
      "BEGIN { @a[1] = add(1, 2); }",
    ].join("\n"));
    expect(p.includes).toEqual(["linux/sched.h", "foo.h"]);
    expect(p.defines?.map((d) => [d.name, d.params, d.value])).toEqual([
      ["AF_INET", undefined, "2"],
      ["MAX", ["a", "b"], "((a) > (b) ? (a) : (b))"],
    ]);
    expect(p.structs.map((s) => [s.name, s.text])).toEqual([
      ["struct foo", "struct foo { int a; char b[4]; }"],
      ["union bar", "union bar { int x; long y; }"],
    ]);
    expect(p.config.map((c) => [c.key, c.value])).toEqual([
      ["stack_mode", "perf"], ["max_map_keys", 2n], ["print_maps_on_exit", 0n], ["license", "GPL"],
    ]);
    expect(p.mapDecls.map((m) => [m.name, m.mapType, m.maxEntries])).toEqual([["@a", "lruhash", 100n], ["@b", "percpuarray", 4n]]);
    expect(p.functions.map((f) => [f.name, f.params.map((x) => x.name), f.returnType.name])).toEqual([["add", ["$a", "$b"], "int64"]]);
    expect(p.macros?.map((m) => [m.name, m.params])).toEqual([["inc", ["$x", "@m", "e"]]]);
    expect(p.probes.length).toBe(1);
  });

  it("evaluates the preprocessor conditionals bpftrace's tools use", () => {
    const src = [
      "#ifndef BPFTRACE_HAVE_BTF",
      "#include <linux/socket.h>",
      "struct cfs_rq { int x; };",
      "#else",
      "#include <sys/socket.h>",
      "#define AF_INET 2",
      "#endif",
      "BEGIN { }",
    ].join("\n");
    const p = ok(src);
    expect(p.includes).toEqual(["sys/socket.h"]);
    expect(p.defines?.map((d) => d.name)).toEqual(["AF_INET"]);
    expect(p.structs).toEqual([]);
    const noBtf = parse(src, { predefined: [] }).program as A.Program;
    expect(noBtf.includes).toEqual(["linux/socket.h"]);
    expect(noBtf.structs.map((s) => s.name)).toEqual(["struct cfs_rq"]);
  });

  it("reports unsupported import and a probe-less top level", () => {
    expect(errors('import "x.bt";\nBEGIN { }')).toEqual(["import is not supported"]);
    expect(errors("BEGIN { } }")).toEqual(["unexpected '}': there is no open '{' to close"]);
  });

  it("keeps spans on every node", () => {
    const p = ok("BEGIN {\n  @x[pid] = (uint32)(1 + 2);\n}");
    const seen: string[] = [];
    const visit = (n: unknown): void => {
      if (n === null || typeof n !== "object") return;
      if (Array.isArray(n)) {
        n.forEach(visit);
        return;
      }
      const o = n as Record<string, unknown>;
      if (typeof o.kind === "string" && o.kind !== "Program") {
        const s = o.span as A.Span | undefined;
        expect(s, String(o.kind)).toBeDefined();
        seen.push(`${o.kind}@${s?.line}:${s?.col}-${s?.endLine}:${s?.endCol}`);
      }
      for (const [k, v] of Object.entries(o)) if (k !== "span") visit(v);
    };
    visit(p);
    expect(seen).toEqual([
      "Probe@1:1-3:2", "AttachPoint@1:1-1:6", "Block@1:7-3:2",
      "AssignStmt@2:3-2:28", "MapExpr@2:3-2:10", "IdentExpr@2:6-2:9",
      "CastExpr@2:13-2:28", "TypeSpec@2:14-2:20", "BinaryExpr@2:21-2:28",
      "IntLit@2:22-2:23", "IntLit@2:26-2:27",
    ]);
  });

  it("locates a member or an index of a grouped expression from inside the parentheses, as bpftrace does", () => {
    const p = ok("BEGIN { $a = ((struct foo *)0).x; $b = (($p))[1]; }");
    const block = (p.probes[0] as A.Probe).body.statements as A.AssignStmt[];
    const at = (x: A.Expr) => `${x.kind}@${x.span.col}-${x.span.endCol}`;
    expect(block.map((st) => at(st.value))).toEqual(["FieldExpr@15-33", "IndexExpr@42-49"]);
    // the grouping itself still covers its parentheses (diagnostics underline them)
    expect(at((block[0]!.value as A.FieldExpr).object)).toBe("CastExpr@14-31");
  });
});

describe("isComplete", () => {
  it.each([
    'BEGIN { printf("hello\\n"); exit(); }',
    "tracepoint:syscalls:sys_enter_openat { @opens[comm] = count(); }",
    "interval:s:1 {\n  if (@n > 1) {\n    exit();\n  }\n  @n = count();\n}",
    'tracepoint:syscalls:sys_enter_openat /comm == "cat"/ { @opens = count(); }',
    'BEGIN { printf("a\\n"); } END { printf("b\\n"); }',
    "",
    "  \n",
    "// just a comment",
  ])("complete: %j", (src) => {
    expect(isComplete(src)).toBe("complete");
  });

  it.each([
    "BEGIN {",
    'BEGIN { printf("hello\\n");',
    "interval:s:1 {\n  if (@n > 1) {\n    exit();\n  }",
    'BEGIN { printf("abc',
    "BEGIN { printf(1,",
    "BEGIN { /* comment",
    "kprobe:vfs_read",
    "kprobe:vfs_read /pid == 1/",
  ])("incomplete: %j", (src) => {
    expect(isComplete(src)).toBe("incomplete");
  });

  it.each(["}", "BEGIN { exit(); } }", "BEGIN { a b }", "BEGIN { (] }", "BEGIN { $x = ; }"])("invalid: %j", (src) => {
    expect(isComplete(src)).toBe("invalid");
  });
});

describe("tokenAt", () => {
  it("returns a whole attach point as one probe token", () => {
    const src = "tracepoint:syscalls:sys_enter_op";
    expect(tokenAt(src, src.length)).toEqual({ text: src, start: 0, end: src.length, kind: "probe" });
    expect(tokenAt(src, 5)?.kind).toBe("probe");
    const two = "kprobe:a, uprobe:/bin/bash:read";
    expect(tokenAt(two, two.length)).toEqual({ text: "uprobe:/bin/bash:read", start: 10, end: two.length, kind: "probe" });
  });

  it("returns identifiers, maps and variables under or just before the cursor", () => {
    expect(tokenAt("BEGIN { @x = cou", 16)).toEqual({ text: "cou", start: 13, end: 16, kind: "ident" });
    expect(tokenAt("BEGIN { $abc = 1 }", 10)).toEqual({ text: "$abc", start: 8, end: 12, kind: "var" });
    expect(tokenAt("BEGIN { @abc }", 12)).toEqual({ text: "@abc", start: 8, end: 12, kind: "map" });
    expect(tokenAt("BEGIN { x = args->fi }", 20)).toMatchObject({ text: "fi", kind: "ident" });
    expect(tokenAt("BEGIN { 1 + 2 }", 10)).toMatchObject({ text: "+", kind: "other" });
  });

  it("returns undefined in whitespace and out of range", () => {
    expect(tokenAt("BEGIN {   }", 9)).toBeUndefined();
    expect(tokenAt("BEGIN", -1)).toBeUndefined();
    expect(tokenAt("BEGIN", 99)).toBeUndefined();
  });
});

describe("printProgram", () => {
  it("round-trips a program to a stable text", () => {
    const p = ok('kprobe:vfs_read /comm == "bash"/ { @[comm] = count(); }');
    expect(printProgram(p)).toBe('kprobe[vfs_read] /(comm == "bash")/ {\n  @[comm] = count();\n}\n');
  });
});

describe("the grammar", () => {
  it("passes chevrotain's own validations (skipped at start-up for speed)", () => {
    expect(() => new Grammar({ validate: true })).not.toThrow();
  });
});
