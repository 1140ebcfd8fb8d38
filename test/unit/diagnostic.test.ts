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
  it("uses a caret for an empty span", () => {
    const d = diagnostic("ParseError", span(1, 5, 5), "expected '}'");
    expect(renderDiagnostic(d, "abc {", "stdin")).toBe("stdin:1:5: error: expected '}'\nabc {\n    ^");
  });
});
