import { describe, expect, it } from "vitest";
import { diagnostic, renderDiagnostic } from "../../bpf/types/diagnostic.ts";

const span = (line: number, col: number, endCol: number) => ({
  line, col, endLine: line, endCol, offset: 0, endOffset: 0,
});

describe("renderDiagnostic", () => {
  it("underlines the span and prints hints", () => {
    const src = "BEGIN { @x = fake; }";
    const d = diagnostic("TypeError", span(1, 14, 18), "unknown identifier 'fake'", ["did you mean 'func'?"]);
    expect(renderDiagnostic(d, src, "cell[3]")).toBe(
      "cell[3]:1:14-17: error: unknown identifier 'fake'\n" +
        "BEGIN { @x = fake; }\n" +
        "             ~~~~\n" +
        "hint: did you mean 'func'?",
    );
  });
  it("after the hints, names each macro call the span was expanded from, innermost first", () => {
    const src = 'macro bad(x) { x + "a" }\nmacro twice(y) { bad(y) }\nBEGIN { print(twice(1)); }';
    const outer = span(3, 15, 23);
    const d = diagnostic("TypeError", { ...span(1, 16, 23), from: { ...span(2, 18, 24), from: outer } }, "'+' needs integers", ["cast it"]);
    expect(renderDiagnostic(d, src, "stdin", "bpftrace")).toBe([
      "stdin:1:16-23: ERROR: '+' needs integers",
      'macro bad(x) { x + "a" }',
      "               ~~~~~~~",
      "HINT: cast it",
      "stdin:2:18-24: ERROR: expanded from",
      "macro twice(y) { bad(y) }",
      "                 ~~~~~~",
      "stdin:3:15-23: ERROR: expanded from",
      "BEGIN { print(twice(1)); }",
      "              ~~~~~~~~",
    ].join("\n"));
    expect(renderDiagnostic(diagnostic("TypeError", { ...span(1, 16, 23), from: outer }, "x"), src, "cell[1]")).toBe([
      "cell[1]:1:16-22: error: x",
      'macro bad(x) { x + "a" }',
      "               ~~~~~~~",
      "cell[1]:3:15-22: error: expanded from",
      "BEGIN { print(twice(1)); }",
      "              ~~~~~~~~",
    ].join("\n"));
  });
  it("uses a caret for an empty span", () => {
    const d = diagnostic("ParseError", span(1, 5, 5), "expected '}'");
    expect(renderDiagnostic(d, "abc {", "stdin")).toBe("stdin:1:5: error: expected '}'\nabc {\n    ^");
  });
});
