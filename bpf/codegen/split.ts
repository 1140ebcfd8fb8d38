// BEGIN and END run synchronously (BPF_PROG_TEST_RUN from user space), so their map
// actions can take effect exactly where they are written: a BEGIN/END body is split after
// each top-level clear(), zero() or print() (their rows' splitsBeginEnd), and user space
// performs the action between the parts. `BEGIN { clear(@h); @h = hist(5); exit(); }`
// therefore clears @h *before* the new value lands. In other probes these actions are asynchronous, as in bpftrace.
// A body that uses $variables is not split (they would not survive between programs).
import type * as A from "../lang/ast.ts";
import { functions } from "../functions/index.ts";
import { findProvider } from "../probes/index.ts";

function usesVariables(n: unknown): boolean {
  if (!n || typeof n !== "object") return false;
  const k = (n as { kind?: string }).kind;
  if (k === "VarExpr" || k === "VarDeclStmt") return true;
  for (const v of Object.values(n)) {
    if (Array.isArray(v) ? v.some(usesVariables) : v && typeof v === "object" && "kind" in v && usesVariables(v)) return true;
  }
  return false;
}

function isAction(st: A.Stmt): boolean {
  return st.kind === "ExprStmt" && st.expr.kind === "CallExpr" && functions.get(st.expr.callee)?.splitsBeginEnd === true;
}

export function splitSpecialProbes(program: A.Program): A.Program {
  const probes: A.Probe[] = [];
  for (const p of program.probes) {
    const special = p.attachPoints.length === 1 && findProvider(p.attachPoints[0]!.provider)?.synchronous === true;
    const stmts = p.body.statements;
    if (!special || p.predicate || usesVariables(p.body) || !stmts.slice(0, -1).some(isAction)) {
      probes.push(p);
      continue;
    }
    let part: A.Stmt[] = [];
    const flush = () => {
      if (part.length === 0) return;
      const first = part[0]!.span;
      const last = part[part.length - 1]!.span;
      probes.push({ ...p, body: { kind: "Block", statements: part, span: { ...first, endLine: last.endLine, endCol: last.endCol, endOffset: last.endOffset } } });
      part = [];
    };
    for (const st of stmts) {
      part.push(st);
      if (isAction(st)) flush();
    }
    flush();
  }
  return { ...program, probes };
}
