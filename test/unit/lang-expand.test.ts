// The expansion passes (bpf/lang/expand.ts): bpftrace macros, C #defines, getopt() and
// positional parameters.
// Expanded programs are printed span-free (bpf/lang/printer.ts); bpftrace's tools that
// use these features are pinned as golden text in test/unit/golden/lang/expanded-*.ast
// (UPDATE_GOLDEN=1 rewrites them). Misuse is pinned as rendered diagnostics.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { expand, parse, printProgram, printStmt, splitProgramArgs } from "../../bpf/lang/index.ts";
import { golden, goldenSection } from "../helpers/golden.ts";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "../fixtures/bt");

function expanded(source: string, programOptions: readonly string[] = []) {
  const parsed = parse(source);
  expect(parsed.diagnostics, source).toEqual([]);
  return expand(parsed.program!, { programOptions });
}

/** The statements of the last probe after expansion, one per line. */
function body(source: string, programOptions: readonly string[] = []): string {
  const r = expanded(source, programOptions);
  expect(renderDiagnostics(r.diagnostics, source, "t")).toBe("");
  const probe = r.program.probes[r.program.probes.length - 1]!;
  const pred = probe.predicate ? [`/${printStmt({ kind: "ExprStmt", expr: probe.predicate, span: probe.span }).slice(0, -1)}/`] : [];
  return [...pred, ...probe.body.statements.map((s) => printStmt(s))].join("\n");
}

function errors(source: string, programOptions: readonly string[] = []): string {
  return renderDiagnostics(expanded(source, programOptions).diagnostics, source, "t");
}

describe("macros", () => {
  it("inline a statement macro as a block, binding $ and @ parameters to the caller's", () => {
    expect(body("macro inc($x, @m) { $x += 1; @m[$x] = 2; } BEGIN { $a = 1; inc($a, @b); }")).toBe(
      "$a = 1;\n{\n  $a += 1;\n  @b[$a] = 2;\n}",
    );
  });

  it("are expressions: the last expression without ';' is the value", () => {
    expect(body("macro add_one(x) { x + 1 } BEGIN { print(add_one(1 + 1)); }")).toBe("print(((1 + 1) + 1));");
    expect(body("macro one() { 1 } BEGIN { @x = one; @y = one(); }")).toBe("@x = 1;\n@y = 1;");
  });

  it("substitute an expression parameter at every use", () => {
    expect(body('macro side_effects(x) { x; x; x; } BEGIN { side_effects(printf("hi")); }')).toBe(
      '{\n  printf("hi");\n  printf("hi");\n  printf("hi");\n}',
    );
    // a block expression used as a statement runs its statements there, each time
    expect(body('macro side_effects(x) { x; x; } BEGIN { side_effects({ printf("hi") }); }')).toBe(
      '{\n  {\n    printf("hi");\n  }\n  {\n    printf("hi");\n  }\n}',
    );
  });

  it("give a macro with statements used as a value a block expression", () => {
    expect(body("macro inc($x) { $x += 1; $x } BEGIN { $a = 1; $b = inc($a); }")).toBe("$a = 1;\n$b = { $a += 1; $a };");
  });

  it("a macro ending in ';' has no value", () => {
    expect(body("macro inc($x) { $x += 1; } BEGIN { $a = 1; $b = inc($a); }")).toBe("$a = 1;\n$b = { $a += 1; };");
  });

  it("rename the variables a macro creates (hygiene), per macro and depth", () => {
    expect(body("macro f(x) { $y = x; let $z = 2; for ($i : 0..2) { $y += $i; } $y + $z } BEGIN { $y = 5; print(f($y)); }")).toBe(
      "$y = 5;\nprint({ $$f_$y = $y; let $$f_$z = 2; for $$f_$i : 0..2 {\n  $$f_$y += $$f_$i;\n} ($$f_$y + $$f_$z) });",
    );
    expect(body("macro g($v) { $t = $v; $t } macro f($v) { $t = g($v); $t } BEGIN { $a = 1; $b = f($a); }")).toBe(
      "$a = 1;\n$b = { $$f_$t = { $$g_2_$t = $a; $$g_2_$t }; $$f_$t };",
    );
  });

  it("leave variables a macro only reads alone, and expand arguments in the caller's context", () => {
    expect(body("macro f(x) { x + $c } macro g($v) { $w = 1; f($w + $v) } BEGIN { $a = 1; print(g($a)); }")).toBe(
      "$a = 1;\nprint({ $$g_$w = 1; (($$g_$w + $a) + $c) });",
    );
  });

  it("nest, in any definition order, as bpftrace's runtime tests do", () => {
    expect(body("macro add2(x) { x + add1(x) } macro add3(x) { x + add2(x) } macro add1(x) { x + 1 } BEGIN { print(add3(1)); }")).toBe(
      "print((1 + (1 + (1 + 1))));",
    );
  });

  it("are called as bare identifiers in conditions and predicates", () => {
    expect(body('macro on() { getopt("on") } tracepoint:syscalls:sys_enter_openat /on/ { if on { @x = 1; } }', ["on"])).toBe(
      "/true/\nif true {\n  @x = 1;\n}",
    );
  });

  it("overload by parameter kind and count", () => {
    const defs = "macro add($x) { 1 } macro add(@x) { 2 } macro add(x) { 3 } macro add(x, y) { 4 } macro add() { 5 }";
    expect(body(`${defs} BEGIN { $v = 0; @m = 0; print((add($v), add(@m), add($v + 1), add(1, 2), add, add())); }`)).toBe(
      "$v = 0;\n@m = 0;\nprint((1, 2, 3, 4, 5, 5));",
    );
  });

  it("a map parameter takes a bare map; a map with keys is an expression", () => {
    expect(body("macro get(x) { x + 1 } BEGIN { @a[1] = 1; print(get(@a[1])); }")).toBe("@a[1] = 1;\nprint((@a[1] + 1));");
  });

  it("leave calls of names no macro has to the checker", () => {
    expect(body("macro f(x) { x } BEGIN { print(g(1)); }")).toBe("print(g(1));");
  });

  it("put a type passed as typeof(...) where the body names the parameter as a type, keeping the body's * and [N]", () => {
    expect(body("macro sof(a, b) { sizeof(a[2]) + sizeof(b*) + sizeof(b) } BEGIN { print(sof(typeof(uint64*), typeof(struct Foo))); }")).toBe(
      "print(((sizeof(type typeof(type uint64*)[2]) + sizeof(type typeof(type struct Foo)*)) + sizeof(typeof(type struct Foo))));",
    );
    expect(body("macro cst(a) { (a*)-1 } BEGIN { print(cst(typeof(uint8))); }")).toBe("print(((typeof(type uint8)*)(-1)));");
    expect(body("macro m(t) { sizeof(t) + 2 } macro n(z) { print(m(typeof(z))); } BEGIN { n(typeof(uint64*)); }")).toBe(
      "{\n  print((sizeof(typeof(typeof(type uint64*))) + 2));\n}",
    );
  });

  it("expand typeof(x) of an expression parameter in a declaration, and rename the variable declared", () => {
    expect(body("macro add(x) { let $y: typeof(x); if (true) { $y = 1 } x + $y } BEGIN { print(add(1)); }")).toBe(
      "print({ let $$add_$y: typeof(1); if true {\n  $$add_$y = 1;\n} (1 + $$add_$y) });",
    );
  });

  it("are gone after expansion", () => {
    const r = expanded("macro f() { 1 } BEGIN { print(f); }");
    expect(r.program.macros).toEqual([]);
  });
});

describe("macro misuse", () => {
  it.each([
    ["wrong count", "macro set($x) { $x += 1; $x }\nBEGIN { $a = 1; set($a, 1); }"],
    ["bare name of a macro with parameters", "macro add1($x) { $x += 1; $x }\nBEGIN { $z = add1; }"],
    ["an expression for a $ parameter", "macro add1($x) { $x += 1; $x }\nBEGIN { add1(1 + 1); }"],
    ["a map for a $ parameter", "macro set($x) { $x }\nBEGIN { @a = 1; set(@a); }"],
    ["a variable for a @ parameter", "macro set(@x) { @x[1] = 1; }\nBEGIN { $a = 0; set($a); }"],
    ["an unhygienic map", "macro set() { @x[1] = 1; 1 }\nBEGIN { @x[0] = 0; set(); }"],
    ["recursion", "macro a1(x) { x + a3(x) }\nmacro a2(x) { x + a1(x) }\nmacro a3(x) { x + a2(x) }\nBEGIN { print(a3(1)); }"],
    ["redefinition", "macro set($x) { $x }\nmacro set($y) { $y }\nBEGIN { $a = 1; set($a); }"],
    ["a repeated parameter", "macro set($x, $x) { $x }\nBEGIN { $a = 1; set($a, $a); }"],
    ["a declaration shadowing a parameter", "macro set($x) { let $x; $x }\nBEGIN { $y = 1; set($y); }"],
    ["an expression for a parameter used as a type", "macro cst(t) { (t)1 }\nBEGIN { print(cst(1 + 1)); }"],
  ])("%s", (_title, source) => {
    const path = join(here, "golden/lang/macro-errors.txt");
    const text = errors(source);
    expect(text).not.toBe("");
    goldenSection(path, _title, `${source}\n---\n${text}`);
  });
});

describe("builtin wrappers", () => {
  const lang = { builtin: (n: string) => ["comm", "cpu", "kstack"].includes(n), function: (n: string) => ["kstack", "count"].includes(n) };
  const stmts = (source: string) => {
    const r = expand(parse(source).program!, lang);
    expect(renderDiagnostics(r.diagnostics, source, "t")).toBe("");
    return r.program.probes[0]!.body.statements.map((x) => printStmt(x)).join("\n");
  };

  it("__builtin_<name> and <name>() are the builtin; a function of the same name keeps its call", () => {
    expect(stmts("BEGIN { @a = __builtin_comm; @b = cpu(); @c = kstack(); @d = __builtin_nope; @e = nope(); }")).toBe(
      "@a = comm;\n@b = cpu;\n@c = kstack();\n@d = __builtin_nope;\n@e = nope();",
    );
  });

  it("a user macro of another signature does not hide a builtin, as bpftrace's stdlib macros are not hidden", () => {
    expect(stmts('macro cpu(x) { x } BEGIN { @a = cpu("hi"); @b = cpu(); }')).toBe('@a = "hi";\n@b = cpu;');
    expect(errors("macro nope(x) { x } BEGIN { @b = nope(); }")).toContain("call to nope() has arguments that do not match any definition");
  });
});

describe("map assignments of block expressions", () => {
  it("a call ending the block is assigned to the map after the block's statements, as bpftrace's map_sugar injects it", () => {
    expect(body("BEGIN { @ = { let $a = 100; avg($a) }; }")).toBe("{\n  let $a = 100;\n  @ = avg($a);\n}");
    // a macro's value is a block expression too, here inside the user's
    expect(body("macro c(x) { $y = x; count() } BEGIN { @m[1] = { $x = 2; c($x) }; }")).toMatch(/^\{\n {2}\$x = 2;\n {2}\{\n.*\n {4}@m\[1\] = count\(\);\n {2}\}\n\}$/s);
  });

  it("other block values and variable targets stay as they are", () => {
    expect(body("BEGIN { @y = { $a = 1; $a + 1 }; $v = { $b = 1; strlen(\"x\") }; }")).toBe('@y = { $a = 1; ($a + 1) };\n$v = { $b = 1; strlen("x") };');
  });
});

describe("#define", () => {
  it("replaces object-like defines, in the active preprocessor branch (BPFTRACE_HAVE_BTF)", () => {
    const src = "#ifndef BPFTRACE_HAVE_BTF\n#define TASK_RUNNING 1\n#else\n#define TASK_RUNNING 0\n#endif\nBEGIN { if (1 == TASK_RUNNING) { exit(); } }";
    expect(body(src)).toBe("if (1 == 0) {\n  exit();\n}");
  });

  it("expands defines in defines, and function-like defines with their arguments", () => {
    const src = "#define NS 1000 /* per us */\n#define US(ns) ((ns) / NS)\n#define AF_INET 2\nBEGIN { @[AF_INET] = US(nsecs - 5); }";
    expect(body(src)).toBe("@[2] = ((nsecs - 5) / 1000);");
  });

  it("puts the use's span on the replacement", () => {
    const src = "#define BAD foo\nBEGIN { @x = BAD; }";
    const r = expanded(src);
    const stmt = r.program.probes[0]!.body.statements[0]!;
    expect(stmt.kind === "AssignStmt" && stmt.value.span.col).toBe(14);
  });

  it.each([
    ["a value that is no expression", "#define X 1 +\nBEGIN { @x = X; }"],
    ["recursion", "#define A B\n#define B A\nBEGIN { @x = A; }"],
    ["wrong argument count", "#define F(a, b) (a + b)\nBEGIN { @x = F(1); }"],
  ])("%s is an error at the use", (title, source) => {
    goldenSection(join(here, "golden/lang/define-errors.txt"), title, `${source}\n---\n${errors(source)}`);
  });
});

describe("getopt", () => {
  const prog = 'BEGIN { print((getopt("aa", 1), getopt("bb"), getopt("cc", "x"), getopt("dd", -3), getopt("ee", true, "help"))); }';

  it("gives the defaults without options", () => {
    expect(body(prog)).toBe('print((1, false, "x", (-3), true));');
  });

  it("reads --name=value and bare --name, typed by the default", () => {
    expect(body(prog, ["aa=20", "bb", "cc=hello", "dd=-7", "ee=off"])).toBe('print((20, true, "hello", (-7), false));');
    expect(body(prog, ["bb=yes", "aa=0x10"])).toBe('print((16, true, "x", (-3), true));');
  });

  it("lists the options the program reads", () => {
    const r = expanded(prog);
    expect(r.options.map((o) => [o.name, o.type, o.default, o.description])).toEqual([
      ["aa", "uint", 1n, ""], ["bb", "bool", false, ""], ["cc", "string", "x", ""], ["dd", "int", -3n, ""], ["ee", "bool", true, "help"],
    ]);
  });

  it.each([
    ["an unknown option", prog, ["zz=1", "aa=2"]],
    ["not an integer", prog, ["aa=ten"]],
    ["an integer with trailing bytes", prog, ["aa=10k"]],
    ["a negative unsigned", prog, ["aa=-1"]],
    ["a bare integer option", prog, ["aa"]],
    ["not a boolean", prog, ["bb=maybe"]],
    ["different defaults", 'BEGIN { @a = getopt("x", 1); @b = getopt("x", 2); }', []],
    ["a name that is not a literal", 'BEGIN { $n = "x"; @a = getopt($n); }', []],
    ["a default that is not a literal", 'BEGIN { @a = getopt("x", 1 + 1); }', []],
  ] as const)("%s is an error", (title, source, opts) => {
    goldenSection(join(here, "golden/lang/getopt-errors.txt"), title, `${source} -- ${opts.join(" ")}\n---\n${errors(source, opts)}`);
  });

  it("splits the words after the program like bpftrace: --x are options, the rest positional", () => {
    expect(splitProgramArgs(["p1", "--", "--aa=20", "20", "--bb"])).toEqual({ positional: ["p1", "20"], options: ["aa=20", "bb"] });
  });
});

describe("positional parameters", () => {
  const withArgs = (source: string, positional: readonly string[]) => {
    const r = expand(parse(source).program!, { positional });
    expect(r.diagnostics).toEqual([]);
    return r.program.probes[0]!.body.statements.map((s) => printStmt(s)).join("\n");
  };

  it("are integers in bpftrace's syntax, text otherwise, and 0 when missing or empty", () => {
    const src = "BEGIN { print(($1, $2, $3, $4, $5, $6, $7, $8, $9, $#)); }";
    expect(withArgs(src, ["123", "0775", "0x1F", "0b101", "1_000", "5ms", "1e3", "-7", ""])).toBe("print((123, 509, 31, 5, 1000, 5000000, 1000, (-7), 0, 9));");
    expect(withArgs(src, ["hello", "12ab", "0x", "2e3x", "-", "-x", "0xffffffffffffffff", "0x10000000000000000"])).toBe(
      'print(("hello", "12ab", "0x", "2e3x", "-", "-x", 18446744073709551615, "0x10000000000000000", 0, 8));',
    );
  });

  it("are their text under str(), from byte k for str($N + k), cut by a literal length that counts the NUL", () => {
    expect(withArgs('BEGIN { print((str($1), str($2 + 1), str($2, 3), str($3), str($1 + $1))); }', ["1", "hello"])).toBe(
      'print(("1", "ello", "he", "", str((1 + 1))));',
    );
  });

  it("are left for the checker when the caller gives none", () => {
    expect(printStmt(expand(parse("BEGIN { print($1); }").program!).program.probes[0]!.body.statements[0]!)).toBe("print($1);");
  });
});

describe("bpftrace's tools, expanded", () => {
  it.each(["opensnoop.bt", "syscount.bt", "gethostlatency.bt", "runqlat.bt", "tcpconnect.bt"])("%s", (file) => {
    const src = readFileSync(join(fixtures, "tools", file), "utf8");
    const r = expanded(src);
    expect(renderDiagnostics(r.diagnostics, src, file)).toBe("");
    const path = join(here, "golden/lang", `expanded-${file.replace(/\.bt$/, "")}.ast`);
    const text = printProgram(r.program);
    golden(path, text);
  });

  it("opensnoop.bt -- --errname --depth=5 takes the options", () => {
    const src = readFileSync(join(fixtures, "tools/opensnoop.bt"), "utf8");
    const text = printProgram(expanded(src, ["errname", "depth=5"]).program);
    expect(text).toContain("if true {");
    expect(text).toContain("for $$printcwd_2_$j : ((uint64)0)..((uint64)5)");
    expect(text).not.toContain("getopt");
  });
});
