// C preprocessor defines (`#define TASK_RUNNING 0`, `#define MS(ns) ((ns) / 1000000)`)
// applied to the program. bpftrace hands its defines to clang and replaces each bare
// identifier that names one with the define's value parsed as an expression
// (src/ast/passes/c_macro_expansion.cpp); we do the same, and also expand a call of a
// function-like define with the right number of arguments. The replacement carries the
// span of the identifier it replaces, so errors in it point at the use.
//
// Constants from #included headers (includes.ts) are expanded the same way, as bpftrace's
// clang parse makes every header macro a define; the program's own #defines win over them.
import type * as A from "./ast.ts";
import { diagnostic, type Diagnostic } from "../types/diagnostic.ts";
import { parseExpression } from "./parse.ts";
import { Transformer, cloneAt } from "./transform.ts";

/** A header constant by name (undefined: none, or a name that must not be replaced, such as a builtin). */
export type HeaderConstant = (name: string) => bigint | undefined;

export function expandDefines(program: A.Program, headerConstant?: HeaderConstant): { program: A.Program; diagnostics: Diagnostic[] } {
  const defines = program.defines ?? [];
  const diagnostics: Diagnostic[] = [];
  if (defines.length === 0 && headerConstant === undefined) return { program, diagnostics };
  const byName = new Map<string, A.CDefine>();
  for (const d of defines) byName.set(d.name, d);
  return { program: new DefineExpander(byName, diagnostics, headerConstant).program(program), diagnostics };
}

class DefineExpander extends Transformer {
  private readonly active: string[] = [];
  private readonly parsed = new Map<string, A.Expr | undefined>();

  constructor(
    private readonly defines: ReadonlyMap<string, A.CDefine>,
    private readonly diags: Diagnostic[],
    private readonly headerConstant?: HeaderConstant,
  ) {
    super();
  }

  override expr(e: A.Expr): A.Expr {
    if (e.kind === "IdentExpr") {
      const d = this.defines.get(e.name);
      if (d !== undefined && d.params === undefined) return this.replace(d, e, new Map());
      const v = d === undefined ? this.headerConstant?.(e.name) : undefined;
      if (v !== undefined) return constantAt(v, e.span);
    }
    if (e.kind === "CallExpr") {
      const d = this.defines.get(e.callee);
      if (d !== undefined && d.params !== undefined) {
        if (d.params.length !== e.args.length) {
          this.diags.push(diagnostic("SemanticError", e.span,
            `#define ${d.name} takes ${d.params.length} argument${d.params.length === 1 ? "" : "s"}, got ${e.args.length}`,
            [`it is defined at line ${d.span.line}: #define ${d.name}(${d.params.join(", ")}) ${d.value}`]));
          return super.expr(e);
        }
        const args = new Map(d.params.map((p, i) => [p, this.expr(e.args[i]!)] as const));
        return this.replace(d, e, args);
      }
    }
    return super.expr(e);
  }

  private replace(d: A.CDefine, use: A.Expr, args: ReadonlyMap<string, A.Expr>): A.Expr {
    if (this.active.includes(d.name)) {
      this.diags.push(diagnostic("SemanticError", use.span, `#define ${d.name} refers to itself: ${[...this.active, d.name].join(" -> ")}`));
      return super.expr(use);
    }
    const body = this.parse(d);
    if (body === undefined) {
      this.diags.push(diagnostic("SemanticError", use.span, `cannot use #define ${d.name} as an expression: '${d.value}'`, [
        `it is defined at line ${d.span.line}`,
      ]));
      return super.expr(use);
    }
    const at = cloneAt(body, use.span);
    const withArgs = args.size === 0 ? at : new ParamSubstituter(args).expr(at);
    this.active.push(d.name);
    try {
      // Defines used in the replacement are expanded too (the arguments already were:
      // expanding them again finds nothing new).
      return this.expr(withArgs);
    } finally {
      this.active.pop();
    }
  }

  private parse(d: A.CDefine): A.Expr | undefined {
    if (!this.parsed.has(d.name)) this.parsed.set(d.name, parseExpression(d.value).expr);
    return this.parsed.get(d.name);
  }
}

/** A header constant where its name was: `-100` is `-(100)`, as the parser would read it. */
function constantAt(v: bigint, span: A.Span): A.Expr {
  const lit: A.IntLit = { kind: "IntLit", value: v < 0n ? -v : v, raw: String(v < 0n ? -v : v), span };
  return v < 0n ? { kind: "UnaryExpr", op: "-", operand: lit, span } : lit;
}

/** Replaces a function-like define's parameters by the call's (already expanded) arguments. */
class ParamSubstituter extends Transformer {
  constructor(private readonly args: ReadonlyMap<string, A.Expr>) {
    super();
  }

  override expr(e: A.Expr): A.Expr {
    if (e.kind === "IdentExpr") {
      const a = this.args.get(e.name);
      if (a !== undefined) return new Transformer().expr(a);
    }
    return super.expr(e);
  }
}
