// A tree rewriter for the expansion passes (macros, #defines, getopt): every method builds
// new nodes, so the result shares nothing with its input (the checker keys types by node,
// and one macro body inlined twice must give two sets of nodes). A pass extends it and
// overrides what it rewrites, calling `super.expr(e)` / `super.stmt(s)` for the children.
import type * as A from "./ast.ts";

export class Transformer {
  program(p: A.Program): A.Program {
    return { ...p, probes: p.probes.map((pr) => this.probe(pr)) };
  }

  probe(p: A.Probe): A.Probe {
    return {
      ...p,
      attachPoints: p.attachPoints.map((ap) => ({ ...ap })),
      predicate: p.predicate && this.expr(p.predicate),
      body: this.block(p.body),
    };
  }

  block(b: A.Block): A.Block {
    return { ...b, statements: b.statements.map((s) => this.stmt(s)) };
  }

  stmt(s: A.Stmt): A.Stmt {
    switch (s.kind) {
      case "ExprStmt":
        return { ...s, expr: this.expr(s.expr) };
      case "AssignStmt":
        return { ...s, target: this.target(s.target), value: this.expr(s.value) };
      case "VarDeclStmt":
        return { ...s, type: s.type && this.typeSpec(s.type), value: s.value && this.expr(s.value) };
      case "IfStmt":
        return {
          ...s,
          cond: this.expr(s.cond),
          then: this.block(s.then),
          else: s.else === undefined ? undefined : s.else.kind === "Block" ? this.block(s.else) : (this.stmt(s.else) as A.IfStmt),
        };
      case "WhileStmt":
        return { ...s, cond: this.expr(s.cond), body: this.block(s.body) };
      case "UnrollStmt":
        return { ...s, count: this.expr(s.count), body: this.block(s.body) };
      case "ForMapStmt": {
        const map = this.expr(s.map);
        return { ...s, map: map.kind === "MapExpr" ? map : { ...s.map }, body: this.block(s.body) };
      }
      case "ForRangeStmt":
        return { ...s, start: this.expr(s.start), end: this.expr(s.end), body: this.block(s.body) };
      case "JumpStmt":
        return { ...s, value: s.value && this.expr(s.value) };
      case "BlockStmt":
        return { ...s, block: this.block(s.block) };
    }
  }

  /** A type as written; `typeof(x)` has an expression inside. */
  typeSpec(t: A.TypeSpec): A.TypeSpec {
    return t.of === undefined ? { ...t } : { ...t, of: this.typeOrExpr(t.of) };
  }

  typeOrExpr(x: A.TypeSpec | A.Expr): A.TypeSpec | A.Expr {
    return x.kind === "TypeSpec" ? this.typeSpec(x) : this.expr(x);
  }

  /** An assignment or update target: stays a map or a variable (else it is kept as written). */
  target<T extends A.MapExpr | A.VarExpr>(t: T): A.MapExpr | A.VarExpr {
    const r = this.expr(t);
    return r.kind === "MapExpr" || r.kind === "VarExpr" ? r : { ...t };
  }

  expr(e: A.Expr): A.Expr {
    switch (e.kind) {
      case "IntLit":
      case "StrLit":
      case "BoolLit":
      case "IdentExpr":
      case "PositionalExpr":
      case "VarExpr":
        return { ...e };
      case "MapExpr":
        return { ...e, keys: e.keys.map((k) => this.expr(k)) };
      case "BinaryExpr":
        return { ...e, left: this.expr(e.left), right: this.expr(e.right) };
      case "UnaryExpr":
        return { ...e, operand: this.expr(e.operand) };
      case "UpdateExpr":
        return { ...e, target: this.target(e.target) };
      case "TernaryExpr":
        return { ...e, cond: this.expr(e.cond), then: this.expr(e.then), else: this.expr(e.else) };
      case "CallExpr":
        return { ...e, args: e.args.map((a) => this.expr(a)) };
      case "FieldExpr":
        return { ...e, object: this.expr(e.object) };
      case "IndexExpr":
        return { ...e, object: this.expr(e.object), index: this.expr(e.index) };
      case "TupleExpr":
        return { ...e, elements: e.elements.map((x) => this.expr(x)) };
      case "CastExpr":
        return { ...e, type: this.typeSpec(e.type), expr: this.expr(e.expr) };
      case "SizeofExpr":
        return { ...e, target: this.typeOrExpr(e.target) };
      case "OffsetofExpr":
        return { ...e, type: this.typeOrExpr(e.type) };
      case "TypeofExpr":
        return { ...e, target: this.typeOrExpr(e.target) };
      case "BlockExpr":
        return { ...e, block: this.block(e.block), value: e.value && this.expr(e.value) };
    }
  }
}

/** A deep copy of an expression (fresh nodes, same spans). */
export function cloneExpr(e: A.Expr): A.Expr {
  return new Transformer().expr(e);
}

/** A deep copy with every span replaced by `span` (text substituted at a use site). */
export function cloneAt(e: A.Expr, span: A.Span): A.Expr {
  return new SpanSetter(span).expr(e);
}

class SpanSetter extends Transformer {
  constructor(private readonly span: A.Span) {
    super();
  }

  override block(b: A.Block): A.Block {
    return { ...super.block(b), span: this.span };
  }

  override stmt(s: A.Stmt): A.Stmt {
    return { ...super.stmt(s), span: this.span };
  }

  override expr(e: A.Expr): A.Expr {
    const r = super.expr(e);
    const at = { ...r, span: this.span } as A.Expr;
    if (at.kind === "CastExpr") return { ...at, type: { ...at.type, span: this.span } };
    if (at.kind === "SizeofExpr" && at.target.kind === "TypeSpec") return { ...at, target: { ...at.target, span: this.span } };
    return at;
  }
}
