// Rendered parse diagnostics for common mistakes, pinned as golden text in
// test/unit/golden/lang/diagnostics.txt. UPDATE_GOLDEN=1 rewrites it.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { diagnostic, renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { parse } from "../../bpf/lang/index.ts";
import { golden } from "../helpers/golden.ts";

const path = join(dirname(fileURLToPath(import.meta.url)), "golden/lang/diagnostics.txt");

const cases: [string, string][] = [
  ["missing ';' between statements", 'BEGIN { printf("a\\n") printf("b\\n"); }'],
  ["missing '}' at the end", "BEGIN {\n  @x = count();\n"],
  ["extra '}'", "BEGIN { exit(); } }"],
  ["unterminated string literal", 'BEGIN { printf("hello\n); }'],
  ["unterminated string at the end", 'BEGIN { printf("hello'],
  ["unterminated comment", "BEGIN { /* no end }"],
  ["missing predicate close", "kprobe:vfs_read /arg2 > 16 { @x = 1; }"],
  ["missing probe body", "kprobe:vfs_read\nkprobe:vfs_write { }"],
  ["bare word at the top level", 'printf("hi");'],
  ["assignment to a bare name", "BEGIN { count = 1; }"],
  ["assignment to a field", "BEGIN { args->x = 1; }"],
  ["missing expression", "BEGIN { $x = ; }"],
  ["unbalanced parenthesis", "BEGIN { $x = (1 + 2; }"],
  ["bad argument list", "BEGIN { printf(\"%d\" 1); }"],
  ["character literal", "BEGIN { $c = 'a'; }"],
  ["bad integer suffix", "BEGIN { $x = 10kb; }"],
  ["bad octal literal", "BEGIN { $x = 09; }"],
  ["integer too large", "BEGIN { $x = 18446744073709551616; }"],
  ["invalid escape", 'BEGIN { printf("\\q"); }'],
  ["let without a variable", "BEGIN { let x = 1; }"],
  ["for without a map or range", "BEGIN { for ($i : 10) { } }"],
  ["++ on an expression", "BEGIN { (1 + 2)++; }"],
  ["else without braces", "BEGIN { if (1) { } else exit(); }"],
  ["map declaration without size", "let @a = hash();\nBEGIN { }"],
  ["function without return type", "fn f($a: int64) { return $a; }"],
  ["import", 'import "lib.bt";'],
  ["unknown directive", "#pragma once\n#frob\nBEGIN { }"],
  ["#endif without #if", "#endif\nBEGIN { }"],
  ["stray character", "BEGIN { $x = 1 ` 2; }"],
  ["positional $0", "BEGIN { print($0); }"],
  ["error recovery keeps going", "BEGIN { $a = ; $b = 1 +; }\nEND { @x = (; }"],
];

function render(): string {
  return cases
    .map(([title, src]) => {
      const r = parse(src);
      return `=== ${title}\n${src}\n---\n${renderDiagnostics(r.diagnostics, src, "cell[1]")}\n`;
    })
    .join("\n");
}

it("renders parse diagnostics for common mistakes", () => {
  golden(path, render());
});

it("reports at least one error for every case, with a line:col span", () => {
  for (const [title, src] of cases) {
    const ds = parse(src).diagnostics;
    expect(ds.length, title).toBeGreaterThan(0);
    for (const d of ds) expect(d.span.line, title).toBeGreaterThan(0);
  }
});

// The CLI prints diagnostics as bpftrace does (`ERROR:`, an exclusive end column, `HINT:`).
const bpftracePath = join(dirname(fileURLToPath(import.meta.url)), "golden/lang/diagnostics-bpftrace.txt");
const bpftraceCases = ["missing ';' between statements", "missing '}' at the end", "missing expression", "bad integer suffix", "import", "error recovery keeps going"];

it("renders diagnostics in bpftrace's style for the CLI", () => {
  const text = cases
    .filter(([title]) => bpftraceCases.includes(title))
    .map(([title, src]) => `=== ${title}\n${src}\n---\n${renderDiagnostics(parse(src).diagnostics, src, "stdin", "bpftrace")}\n`);
  const span = { line: 1, col: 1, offset: 0, endLine: 3, endCol: 2, endOffset: 20 };
  const src = "BEGIN {\n  @x = 1;\n}";
  const multi = renderDiagnostics([diagnostic("SemanticError", span, "over three lines", ["a hint"], "warning")], src, "stdin", "bpftrace");
  const unlocated = renderDiagnostics([{ ...diagnostic("SemanticError", span, "about the run", ["no place"]), unlocated: true }], src, "stdin", "bpftrace");
  golden(bpftracePath, `${text.join("\n")}\n=== a span over lines\n${multi}\n\n=== unlocated\n${unlocated}\n`);
});
