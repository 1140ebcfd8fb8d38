import { describe, expect, it } from "vitest";
import type * as A from "../../bpf/lang/ast.ts";
import { parse, printExpr } from "../../bpf/lang/index.ts";

/** `$r = <src>;` parsed and printed fully parenthesised. */
function paren(src: string): string {
  const r = parse(`BEGIN { $r = ${src}; }`);
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  const s = (r.program?.probes[0] as A.Probe).body.statements[0];
  if (s?.kind !== "AssignStmt") throw new Error("expected an assignment");
  return printExpr(s.value);
}

describe("C precedence and associativity", () => {
  it.each([
    // each level binds tighter than the one before it
    ["a || b && c", "(a || (b && c))"],
    ["a && b | c", "(a && (b | c))"],
    ["a | b ^ c", "(a | (b ^ c))"],
    ["a ^ b & c", "(a ^ (b & c))"],
    ["a & b == c", "(a & (b == c))"],
    ["a == b < c", "(a == (b < c))"],
    ["a != b >= c", "(a != (b >= c))"],
    ["a < b << c", "(a < (b << c))"],
    ["a <= b >> c", "(a <= (b >> c))"],
    ["a << b + c", "(a << (b + c))"],
    ["a + b * c", "(a + (b * c))"],
    ["a - b / c", "(a - (b / c))"],
    ["a + b % c", "(a + (b % c))"],
    ["a * b + c", "((a * b) + c)"],
    ["a && b || c && d", "((a && b) || (c && d))"],
    // left associativity
    ["a - b - c", "((a - b) - c)"],
    ["a / b / c", "((a / b) / c)"],
    ["a << b << c", "((a << b) << c)"],
    ["a < b < c", "((a < b) < c)"],
    ["a == b != c", "((a == b) != c)"],
    ["a || b || c", "((a || b) || c)"],
    ["a & b & c", "((a & b) & c)"],
    // the ternary is lowest and right-associative
    ["a ? b : c ? d : e", "(a ? b : (c ? d : e))"],
    ["a ? b ? c : d : e", "(a ? (b ? c : d) : e)"],
    ["a || b ? c + 1 : d * 2", "((a || b) ? (c + 1) : (d * 2))"],
    // unary binds tighter than any binary operator
    ["-a * b", "((-a) * b)"],
    ["!a && b", "((!a) && b)"],
    ["~a | b", "((~a) | b)"],
    ["*$p + 1", "((*$p) + 1)"],
    ["&$v == 0", "((&$v) == 0)"],
    ["- -a", "(-(-a))"],
    ["!!a", "(!(!a))"],
    ["-a->b", "(-(a->b))"],
    ["*$p.f", "(*($p.f))"],
    ["!@m[k]", "(!@m[k])"],
    // postfix binds tightest
    ["$x++ + 1", "(($x++) + 1)"],
    ["++$x * 2", "((++$x) * 2)"],
    ["-$x--", "(-($x--))"],
    ["a.b.c", "((a.b).c)"],
    ["a->b[1]->c", "(((a->b)[1])->c)"],
    ["args.argv[0][1]", "(((args.argv)[0])[1])"],
    ["@m[1].f", "(@m[1].f)"],
    // casts bind like unary operators
    ["(uint32)a + b", "(((uint32)a) + b)"],
    ["(uint32)a->b", "((uint32)(a->b))"],
    ["(uint32)-a", "((uint32)(-a))"],
    ["(int8)(uint16)1", "((int8)((uint16)1))"],
    ["(uint64)(a + b) * c", "(((uint64)(a + b)) * c)"],
    ["((struct sock *)arg0)->sk_family", "(((struct sock*)arg0)->sk_family)"],
    // grouping overrides precedence
    ["(a + b) * c", "((a + b) * c)"],
    ["a * (b + c)", "(a * (b + c))"],
    ["(a ? b : c) + 1", "((a ? b : c) + 1)"],
    // calls and tuples as operands
    ["f(a + b, c) * 2", "(f((a + b), c) * 2)"],
    ["(1, a + 2).1", "((1, (a + 2)).1)"],
    ["sizeof(uint32) * 2", "(sizeof(type uint32) * 2)"],
  ])("%s", (src, expected) => {
    expect(paren(src)).toBe(expected);
  });

  it("parses compound assignment as a statement, not an expression", () => {
    const r = parse("BEGIN { $a += $b * 2; $c <<= 1 + 1; }");
    expect(r.diagnostics).toEqual([]);
    const stmts = (r.program?.probes[0] as A.Probe).body.statements;
    expect(stmts.map((s) => s.kind === "AssignStmt" && [s.op, printExpr(s.value)])).toEqual([
      ["+=", "($b * 2)"],
      ["<<=", "(1 + 1)"],
    ]);
  });

  it("keeps operands in source order in spans", () => {
    const r = parse("BEGIN { $r = 1 + 2 * 3; }");
    const s = (r.program?.probes[0] as A.Probe).body.statements[0];
    if (s?.kind !== "AssignStmt" || s.value.kind !== "BinaryExpr") throw new Error("shape");
    expect([s.value.span.col, s.value.span.endCol]).toEqual([14, 23]);
    expect([s.value.right.span.col, s.value.right.span.endCol]).toEqual([18, 23]);
  });
});
