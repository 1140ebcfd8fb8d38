// bpftrace's builtins are also spelt `__builtin_comm` and called `comm()` (its stdlib
// defines each builtin as a macro that wraps `__builtin_<name>`): both become the bare
// builtin here, so the checker and codegen know one spelling. Names the language does not
// know are left alone for the checker to report.
import type * as A from "./ast.ts";
import { Transformer } from "./transform.ts";

const PREFIX = "__builtin_";

export function unwrapBuiltins(program: A.Program, builtin: (name: string) => boolean, fn: (name: string) => boolean): A.Program {
  return new Unwrapper(builtin, fn).program(program);
}

class Unwrapper extends Transformer {
  constructor(
    private readonly builtin: (name: string) => boolean,
    private readonly fn: (name: string) => boolean,
  ) {
    super();
  }

  override expr(e: A.Expr): A.Expr {
    if (e.kind === "IdentExpr" && e.name.startsWith(PREFIX) && this.builtin(e.name.slice(PREFIX.length))) {
      return { ...e, name: e.name.slice(PREFIX.length) };
    }
    // a function of the same name (kstack()) keeps its call
    if (e.kind === "CallExpr" && e.args.length === 0 && this.builtin(e.callee) && !this.fn(e.callee)) {
      return { kind: "IdentExpr", name: e.callee, span: e.span };
    }
    return super.expr(e);
  }
}
