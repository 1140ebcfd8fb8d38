// #include: headers read through the env (recordedEnv's include directory, here
// test/fixtures/headers) for their integer constants (bpf/lang/c-headers.ts, includes.ts),
// applied like the program's #defines. Expanded programs are printed span-free.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile, type CompileOptions } from "../../bpf/codegen/compile.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv, type CompileEnv } from "../../bpf/probes/env.ts";
import { printStmt } from "../../bpf/lang/index.ts";
import { scanHeaders, type HeaderLookup } from "../../bpf/lang/c-headers.ts";

const here = dirname(fileURLToPath(import.meta.url));
const headers = join(here, "../fixtures/headers");
const env = recordedEnv(join(here, "../fixtures/tracefs"), { headers });

function compiled(source: string, opts: Partial<CompileOptions> = {}) {
  return compile(source, { env, origin: "t", ...opts });
}

/** The statements of the last probe after expansion, one per line. */
function body(source: string, opts: Partial<CompileOptions> = {}): string {
  const r = compiled(source, opts);
  expect(renderDiagnostics(r.diagnostics, source, "t")).toBe("");
  const probes = r.checked!.program.probes;
  return probes[probes.length - 1]!.body.statements.map((s) => printStmt(s)).join("\n");
}

function errors(source: string, opts: Partial<CompileOptions> = {}): string {
  const r = compiled(source, opts);
  return renderDiagnostics(r.diagnostics.filter((d) => d.severity === "error"), source, "t");
}

describe("header constants", () => {
  it("follow nested includes and aliases (AF_INET → PF_INET → 2)", () => {
    const src = "#include <sys/socket.h>\nBEGIN { @a = AF_INET; @b = AF_INET6; @c = SOMAXCONN; @d = MSG_PEEK; @e = SOCK_NONBLOCK; @f = SOL_SOCKET; }";
    expect(body(src)).toBe("@a = 2;\n@b = 10;\n@c = 4096;\n@d = 2;\n@e = 2048;\n@f = 1;");
  });

  it("resolve aliases defined before their target (EWOULDBLOCK → EAGAIN)", () => {
    expect(body("#include <errno.h>\nBEGIN { printf(\"%d %d %d\", EPERM, EWOULDBLOCK, EDEADLOCK); }")).toBe('printf("%d %d %d", 1, 11, 35);');
  });

  it("take C's integer types: octal, U and UL suffixes, casts, negative values", () => {
    const src = "#include <fcntl.h>\nBEGIN { @a = O_CREAT; @b = AT_FDCWD; @c = O_LONG; @d = O_ALL; @e = O_BYTE; @f = O_INT; }";
    expect(body(src)).toBe("@a = 64;\n@b = (-100);\n@c = 1099511627776;\n@d = 4294967295;\n@e = 44;\n@f = 3;");
  });

  it("are only object-like integer macros that are still defined", () => {
    const src = "#include <sys/socket.h>\n#include <fcntl.h>\nBEGIN { @a = O_FLOAT; @b = O_GONE; @c = _PATH_SOCKETS; @d = AF_HIDDEN; @e = SOCK_ALIGN; }";
    const out = errors(src);
    for (const name of ["O_FLOAT", "O_GONE", "_PATH_SOCKETS", "AF_HIDDEN", "SOCK_ALIGN"]) expect(out).toContain(`unknown identifier '${name}'`);
  });

  it("work where the language wants a constant (lhist bounds)", () => {
    const r = compiled("#include <sys/socket.h>\nBEGIN { @h = lhist(5, AF_UNSPEC, SOMAXCONN, 1024); }");
    expect(renderDiagnostics(r.diagnostics, "", "t")).toBe("");
    expect(r.checked!.maps.get("@h")!.lhist).toMatchObject({ min: 0n, max: 4096n, step: 1024n });
  });
});

describe("preprocessor branches in headers", () => {
  it("take the branch #ifdef/#if selects, with function-like macros in the condition", () => {
    expect(body("#include <cond.h>\nBEGIN { @a = WORD_BITS; @b = PREREQ_OK; }")).toBe("@a = 64;\n@b = 1;");
  });

  it("take neither branch of an #if they cannot evaluate, and do not follow its includes", () => {
    expect(errors("#include <cond.h>\nBEGIN { @a = MAYBE; }")).toContain("unknown identifier 'MAYBE'");
    expect(errors("#include <cond.h>\nBEGIN { @a = WORD_BITS; }")).toBe("");
  });

  it("see the program's #defines that come before the #include (_GNU_SOURCE)", () => {
    expect(body("#define _GNU_SOURCE\n#include <fcntl.h>\nBEGIN { @x = O_DIRECT; }")).toBe("@x = 16384;");
    expect(errors("#include <fcntl.h>\n#define _GNU_SOURCE\nBEGIN { @x = O_DIRECT; }")).toContain("unknown identifier 'O_DIRECT'");
  });

  it("stop at a header that includes itself without a guard", () => {
    expect(body("#include <loop.h>\nBEGIN { @x = LOOP_OK; }")).toBe("@x = 1;");
  });

  it("read \"quoted\" includes next to the including file, and next to the program", () => {
    expect(body('#include "quoted/outer.h"\nBEGIN { @x = OUTER; }')).toBe("@x = 42;");
    expect(body('#include "outer.h"\nBEGIN { @x = INNER; }', { sourcePath: join(headers, "quoted/prog.bt") })).toBe("@x = 21;");
  });
});

describe("precedence", () => {
  it("the program's #defines win over the headers', and may use them", () => {
    const src = "#include <sys/socket.h>\n#define AF_INET 99\n#define FAMILY AF_INET6\nBEGIN { @a = AF_INET; @b = FAMILY; }";
    expect(body(src)).toBe("@a = 99;\n@b = 10;");
  });

  it("builtins are never replaced by a header's macro", () => {
    expect(body("#include <cond.h>\nBEGIN { @x = pid; }")).toBe("@x = pid;");
  });
});

describe("includes that are not found", () => {
  it("are an error at the #include line, as clang's fatal error in bpftrace", () => {
    const src = "#include <sys/socket.h>\n#include <nope/missing.h>\nBEGIN { exit(); }";
    expect(errors(src)).toBe([
      "t:2:1-25: error: 'nope/missing.h' file not found",
      "#include <nope/missing.h>",
      "~~~~~~~~~~~~~~~~~~~~~~~~~",
      "hint: #include <nope/missing.h> is looked up in /usr/include/<arch>-linux-gnu and /usr/include (is the package with the header installed?)",
    ].join("\n"));
  });

  it("are no error in an inactive branch (#ifndef BPFTRACE_HAVE_BTF)", () => {
    expect(errors("#ifndef BPFTRACE_HAVE_BTF\n#include <linux/nope.h>\n#else\n#include <errno.h>\n#endif\nBEGIN { @x = EPERM; }")).toBe("");
  });

  it("are an error for an env that has no headers at all", () => {
    const bare = recordedEnv(join(here, "../fixtures/tracefs"));
    expect(errors("#include <errno.h>\nBEGIN { exit(); }", { env: bare })).toContain("'errno.h' file not found");
  });
});

describe("caching", () => {
  let reads = 0;
  /** A recorded env that counts readHeader calls (a fresh one per test: scans are cached per env). */
  function countingEnv(): CompileEnv {
    return new Proxy(recordedEnv(join(here, "../fixtures/tracefs"), { headers }), {
      get(target, prop, receiver) {
        if (prop === "readHeader") return (...a: Parameters<NonNullable<CompileEnv["readHeader"]>>) => (reads++, target.readHeader(...a));
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  it("reads headers once per env: a second compile only checks the top-level includes exist", () => {
    reads = 0;
    const counting = countingEnv();
    const src = "#include <sys/socket.h>\n#include <errno.h>\nBEGIN { @x = AF_INET6 + EPERM; }";
    expect(body(src, { env: counting })).toBe("@x = (10 + 1);");
    const first = reads;
    expect(first).toBeGreaterThan(4); // the two headers, and what they include
    reads = 0;
    expect(body(src, { env: counting })).toBe("@x = (10 + 1);");
    expect(reads).toBe(2);
  });

  it("reads no further than the top-level includes when the program uses no header constant", () => {
    reads = 0;
    expect(body("#include <sys/socket.h>\n#define N 3\nBEGIN { @x = pid + N; }", { env: countingEnv() })).toBe("@x = (pid + 3);");
    expect(reads).toBe(1);
  });

  it("lists each file read once, and nothing it could not evaluate", () => {
    let reads = 0;
    const lookup: HeaderLookup = (name, quoted, from) => (reads++, env.readHeader(name, quoted, from));
    const scan = scanHeaders([{ kind: "include", name: "sys/socket.h", quoted: false }], lookup);
    expect(scan.files.map((f) => f.slice(headers.length + 1))).toEqual(["sys/socket.h", "features.h", "bits/socket.h"]);
    expect(scan.unknownConditions).toEqual([]);
    expect(reads).toBe(3);
  });
});

describe("#if arithmetic (C's rules, in memory)", () => {
  /** Which of the numbered #if lines hold, for one header made of them. */
  function holds(conds: readonly string[], prelude = ""): (boolean | "unknown")[] {
    const text = prelude + conds.map((c, i) => `#if ${c}\n#define T${i} 1\n#else\n#define F${i} 1\n#endif`).join("\n");
    const scan = scanHeaders([{ kind: "include", name: "t.h", quoted: false }], (name) => (name === "t.h" ? { path: "/t.h", text } : undefined));
    return conds.map((_, i) => (scan.constant(`T${i}`) === 1n ? true : scan.constant(`F${i}`) === 1n ? false : "unknown"));
  }

  it.each([
    ["-1 < 0", true],
    ["-1 > 0U", true], // the usual arithmetic conversions: -1 becomes UINTMAX_MAX
    ["(1 << 63) < 0", true], // intmax_t in #if
    ["0x10 == 16 && 010 == 8 && 'A' == 65", true],
    ["UNDEFINED_NAME == 0", true], // a name left after expansion is 0
    ["defined __x86_64__ && defined(BPFTRACE_HAVE_BTF) && !defined _GNU_SOURCE", true],
    ["__STDC_VERSION__ >= 201112L", true],
    ["1 ? 2 : (1 / 0)", true],
    ["1 / 0", "unknown"],
    ["__has_include(<x.h>)", "unknown"], // a function-like name nobody defined
    ["1 +", "unknown"],
  ] as const)("#if %s", (cond, want) => {
    expect(holds([cond])).toEqual([want]);
  });

  it("expand pasting (glibc's __GLIBC_USE), stringising and variadic macros", () => {
    const prelude = [
      "#define __GLIBC_USE(F) __GLIBC_USE_ ## F",
      "#define __GLIBC_USE_ISOC2X 1",
      "#define __GLIBC_USE_LIB_EXT2 0",
      "#define FIRST(a, ...) a",
      "#define LAST(...) LAST_ ## __VA_ARGS__",
      "#define LAST_7 7",
      "",
    ].join("\n");
    expect(holds(["__GLIBC_USE (ISOC2X)", "__GLIBC_USE (LIB_EXT2)", "FIRST(1, 0, 0)", "LAST(7) == 7"], prelude)).toEqual([true, false, true, true]);
  });
});
