// Program-defined enums (bpf/check/c-enum.ts): C's rules for the variants' values (0 first,
// each next one the previous plus one, constant expressions naming earlier variants), the
// type's name and signedness, and the messages for definitions it cannot read.
import { describe, expect, it } from "vitest";
import { defineEnum } from "../../bpf/check/c-enum.ts";
import { typeName } from "../../bpf/types/types.ts";
import type { StructDef } from "../../bpf/lang/ast.ts";

const span = { line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 } as unknown as StructDef["span"];

function define(text: string, name = "enum Foo"): string {
  const r = defineEnum({ kind: "StructDef", name, text, span }, name);
  if (typeof r === "string") return r;
  return `${typeName(r)} ${r.signed ? "signed" : "unsigned"} ${r.bits}: ${r.enum.variants.map((v) => `${v.name}=${v.value}`).join(" ")}`;
}

describe("C enums in programs", () => {
  it.each([
    ["enum Foo { A, B, C }", "enum Foo unsigned 64: A=0 B=1 C=2"],
    ["enum Foo { A, B, C, }", "enum Foo unsigned 64: A=0 B=1 C=2"],
    ["enum Foo { ONE = 1, TWO, OTHER = ONE + 98, NEXT }", "enum Foo unsigned 64: ONE=1 TWO=2 OTHER=99 NEXT=100"],
    ["enum Foo { M = -2, N, O = 1 << 4 /* a flag */ }", "enum Foo signed 64: M=-2 N=-1 O=16"],
    ["enum Foo { X = 0x10, // hex\n Y }", "enum Foo unsigned 64: X=16 Y=17"],
  ])("%s", (text, want) => {
    expect(define(text)).toBe(want);
  });

  it("anonymous enums take the name they are given", () => {
    expect(define("enum { FOO = 333, BAR }", "enum <anon_1>")).toBe("enum <anon_1> unsigned 64: FOO=333 BAR=334");
  });

  it("errors name the enum and the variant", () => {
    expect(define("enum Foo { A, A }")).toBe("enum Foo: variant 'A' is defined twice");
    expect(define("enum Foo { A = B }")).toBe("enum Foo: the value of 'A' is not an integer constant: 'B'");
    expect(define("enum Foo { 1A }")).toBe("enum Foo: cannot read variant '1A'");
    expect(define("enum Foo { }")).toBe("enum Foo: an enum needs at least one variant");
  });
});
