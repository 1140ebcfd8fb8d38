// `@m[k] = { stmts; f(...) }`: a block expression assigned to a map whose value is a call
// (an aggregation, mostly: `@ = { let $a = 100; avg($a) }`) becomes `{ stmts; @m[k] = f(...) }`,
// as bpftrace's map_sugar pass injects the map into the block's final call. An aggregation
// must be assigned to a map directly; after this it is. The key is evaluated after the
// block's statements in both.
import type * as A from "./ast.ts";
import { Transformer } from "./transform.ts";

export function liftMapAssignments(program: A.Program): A.Program {
  return new Lifter().program(program);
}

class Lifter extends Transformer {
  override stmt(s: A.Stmt): A.Stmt {
    const r = super.stmt(s);
    if (r.kind !== "AssignStmt" || r.target.kind !== "MapExpr" || r.value.kind !== "BlockExpr") return r;
    const lifted = lift(r, r.value);
    return lifted ?? r;
  }
}

/** The statement block for `st` whose value is `block`, when the block ends in a call. */
function lift(st: A.AssignStmt, block: A.BlockExpr): A.BlockStmt | undefined {
  const v = block.value;
  if (v === undefined) return undefined;
  let last: A.Stmt;
  if (v.kind === "CallExpr") last = { ...st, value: v };
  else if (v.kind === "BlockExpr") {
    const inner = lift(st, v);
    if (!inner) return undefined;
    last = inner;
  } else return undefined;
  return { kind: "BlockStmt", block: { ...block.block, statements: [...block.block.statements, last] }, span: st.span };
}
