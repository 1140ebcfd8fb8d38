// bpftrace's control-flow warning (src/ast/passes/control_flow_analyser.cpp): a statement
// after one that always leaves the block (return, break, continue, exit(), or an if whose
// branches all do) never runs. Warned once, at the first such statement.
import { functions } from "../functions/index.ts";
import type * as A from "../lang/ast.ts";
import { diagnostic, type Diagnostic } from "../types/diagnostic.ts";

/** The warning for the first unreachable statement of `b`, if it has one. */
export function unreachable(b: A.Block): Diagnostic | undefined {
  const at = b.statements.findIndex(leaves);
  const next = at < 0 ? undefined : b.statements[at + 1];
  return next && diagnostic("SemanticError", next.span, "Unreachable statement.", [], "warning");
}

function leaves(st: A.Stmt): boolean {
  switch (st.kind) {
    case "JumpStmt":
      return true;
    case "ExprStmt":
      return st.expr.kind === "CallExpr" && functions.get(st.expr.callee)?.leaves === true;
    case "BlockStmt":
      return st.block.statements.some(leaves);
    case "IfStmt": {
      if (st.else === undefined) return false;
      const other = st.else.kind === "Block" ? st.else.statements.some(leaves) : leaves(st.else);
      return st.then.statements.some(leaves) && other;
    }
    default:
      return false;
  }
}
