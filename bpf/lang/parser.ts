// The grammar: chevrotain, embedded actions, one entry rule per top-level item kind
// (lexer.ts splits the program into items), and the statements, after bpftrace's
// src/parser.cpp. Types and expressions are expression-grammar.ts; spans, diagnostics
// and placeholders grammar-base.ts.
//
// Error recovery is chevrotain's (single-token insertion/deletion, re-sync in
// repetitions); a rule that gives up returns a placeholder (an IdentExpr named
// "<error>", an empty Block) so the rest of the item is still built and checked.
import type { IToken } from "chevrotain";
import type * as A from "./ast.ts";
import * as T from "./tokens.ts";
import type { Token } from "./tokens.ts";
import { ExpressionGrammar } from "./expression-grammar.ts";

type Span = A.Span;

const assignOps = new Set(["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="]);

export class Grammar extends ExpressionGrammar {
  /**
   * `validate` runs chevrotain's grammar checks (ambiguities, left recursion): about 70 ms
   * at every start-up, so they run in the unit tests (lang-parse.test.ts) instead.
   * `recover`: chevrotain's error recovery, whose follow sets cost about 15 ms to compute;
   * parse.ts builds the recovering grammar only for an item with a syntax error.
   */
  constructor(opts: { validate?: boolean; recover?: boolean } = {}) {
    super(opts);
    this.performSelfAnalysis();
  }

  // ---- top-level items ----

  probe = this.RULE("probe", (): A.Probe => {
    const aps: A.AttachPoint[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        const t = this.CONSUME(T.AttachPointTok) as Token;
        this.ACTION(() => aps.push({
          kind: "AttachPoint",
          raw: t.image,
          provider: t.payload?.provider ?? t.image,
          parts: t.payload?.parts ?? [],
          span: this.span(t),
        }));
      },
    });
    let predicate: A.Expr | undefined;
    this.OPTION(() => {
      this.CONSUME(T.PredStart);
      predicate = this.SUBRULE(this.expression);
      this.CONSUME(T.PredEnd);
    });
    const body = this.SUBRULE(this.block);
    return this.ACTION(() => ({
      kind: "Probe",
      attachPoints: aps,
      predicate,
      body,
      span: this.span(aps[0]?.span ?? body.span, body.span),
    }));
  }, { recoveryValueFunc: () => undefined as unknown as A.Probe });

  configBlock = this.RULE("configBlock", (): A.ConfigItem[] => {
    const items: A.ConfigItem[] = [];
    this.CONSUME(T.Config);
    this.CONSUME(T.Assign);
    this.CONSUME(T.LCurly);
    this.MANY(() => {
      const key = this.CONSUME(T.Ident);
      this.CONSUME2(T.Assign);
      const value = this.OR([
        { ALT: () => { const t = this.CONSUME(T.IntLit) as Token; return { t, v: t.payload?.value ?? 0n }; } },
        { ALT: () => { const t = this.CONSUME(T.StringLit) as Token; return { t, v: t.payload?.value ?? "" }; } },
        { ALT: () => ({ t: this.CONSUME(T.True), v: 1n }) },
        { ALT: () => ({ t: this.CONSUME(T.False), v: 0n }) },
        { ALT: () => { const t = this.CONSUME2(T.Ident); return { t, v: t.image }; } },
      ]);
      this.OPTION(() => this.CONSUME(T.Semi));
      this.ACTION(() => items.push({ kind: "ConfigItem", key: key.image, value: value.v, span: this.span(key, value.t) }));
    });
    this.CONSUME(T.RCurly);
    return items;
  });

  mapDecl = this.RULE("mapDecl", (): A.MapDecl => {
    const let_ = this.CONSUME(T.Let);
    const name = this.CONSUME(T.MapName);
    this.CONSUME(T.Assign);
    const type = this.CONSUME(T.Ident);
    this.CONSUME(T.LParen);
    const size = this.CONSUME(T.IntLit) as Token;
    const close = this.CONSUME(T.RParen);
    this.OPTION(() => this.CONSUME(T.Semi));
    return this.ACTION(() => ({
      kind: "MapDecl",
      name: name.image,
      mapType: type.image,
      maxEntries: typeof size.payload?.value === "bigint" ? size.payload.value : 0n,
      span: this.span(let_, close),
    }));
  });

  fnDef = this.RULE("fnDef", (): A.FunctionDef => {
    const fn = this.CONSUME(T.Fn);
    const name = this.CONSUME(T.Ident);
    const params: { name: string; type: A.TypeSpec }[] = [];
    this.CONSUME(T.LParen);
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () => {
        const v = this.CONSUME(T.VarName);
        this.CONSUME(T.Colon);
        const type = this.SUBRULE(this.typeSpec);
        this.ACTION(() => params.push({ name: v.image, type }));
      },
    });
    this.CONSUME(T.RParen);
    this.CONSUME2(T.Colon);
    const returnType = this.SUBRULE2(this.typeSpec);
    const body = this.SUBRULE(this.block);
    return this.ACTION(() => ({
      kind: "FunctionDef", name: name.image, params, returnType, body, span: this.span(fn, body.span),
    }));
  });

  macroDef = this.RULE("macroDef", (): A.MacroDef => {
    const kw = this.CONSUME(T.Macro);
    const name = this.CONSUME(T.Ident);
    const params: string[] = [];
    this.CONSUME(T.LParen);
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () => {
        const p = this.OR([
          { ALT: () => this.CONSUME(T.VarName) },
          { ALT: () => this.CONSUME(T.MapName) },
          { ALT: () => this.CONSUME2(T.Ident) },
        ]);
        this.ACTION(() => params.push(p.image));
      },
    });
    this.CONSUME(T.RParen);
    const body = this.SUBRULE(this.block);
    return this.ACTION(() => ({ kind: "MacroDef", name: name.image, params, body, span: this.span(kw, body.span) }));
  });

  importStmt = this.RULE("importStmt", (): Span => {
    const kw = this.CONSUME(T.Import);
    const path = this.CONSUME(T.StringLit);
    this.OPTION(() => this.CONSUME(T.Semi));
    return this.ACTION(() => this.span(kw, path));
  });

  // ---- statements ----

  block = this.RULE("block", (): A.Block => {
    const open = this.CONSUME(T.LCurly);
    const statements: A.Stmt[] = [];
    this.MANY(() => {
      const s = this.SUBRULE(this.statement);
      this.ACTION(() => {
        if (s !== undefined) statements.push(s);
      });
    });
    const close = this.CONSUME(T.RCurly);
    return this.ACTION(() => ({ kind: "Block", statements, span: this.span(open, close) }));
  }, { recoveryValueFunc: () => this.emptyBlock() });

  statement = this.RULE("statement", (): A.Stmt | undefined => {
    return this.OR([
      // before exprStatement, which may also start with 'if' (an if expression)
      { IGNORE_AMBIGUITIES: true, ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.whileStmt) },
      { ALT: () => this.SUBRULE(this.unrollStmt) },
      { ALT: () => this.SUBRULE(this.forStmt) },
      { ALT: () => this.SUBRULE(this.jumpStmt) },
      { ALT: () => this.SUBRULE(this.letStmt) },
      {
        // before exprStatement, which may also start with '{' (a block expression)
        IGNORE_AMBIGUITIES: true,
        ALT: () => {
          const block = this.SUBRULE(this.block);
          return this.ACTION((): A.Stmt => ({ kind: "BlockStmt", block, span: block.span }));
        },
      },
      // An empty statement (a stray ';').
      { ALT: () => { this.CONSUME(T.Semi); return undefined; } },
      { ALT: () => this.SUBRULE(this.exprStatement) },
    ]);
  }, { recoveryValueFunc: () => undefined });

  ifStmt = this.RULE("ifStmt", (): A.IfStmt => {
    const kw = this.CONSUME(T.If);
    const cond = this.SUBRULE(this.expression);
    const then = this.SUBRULE(this.block);
    let els: A.Block | A.IfStmt | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Else);
      els = this.OR([
        { ALT: () => this.SUBRULE(this.ifStmt) },
        { ALT: () => this.SUBRULE2(this.block) },
      ]);
    });
    return this.ACTION(() => ({
      kind: "IfStmt", cond, then, else: els, span: this.span(kw, (els ?? then).span),
    }));
  });

  whileStmt = this.RULE("whileStmt", (): A.WhileStmt => {
    const kw = this.CONSUME(T.While);
    const cond = this.SUBRULE(this.expression);
    const body = this.SUBRULE(this.block);
    return this.ACTION(() => ({ kind: "WhileStmt", cond, body, span: this.span(kw, body.span) }));
  });

  unrollStmt = this.RULE("unrollStmt", (): A.UnrollStmt => {
    const kw = this.CONSUME(T.Unroll);
    const count = this.SUBRULE(this.expression);
    const body = this.SUBRULE(this.block);
    return this.ACTION(() => ({ kind: "UnrollStmt", count, body, span: this.span(kw, body.span) }));
  });

  /** `for ($kv : @map) { }` and `for ($i : start..end) { }`; the parentheses are optional. */
  forStmt = this.RULE("forStmt", (): A.ForMapStmt | A.ForRangeStmt => {
    const kw = this.CONSUME(T.For);
    let open: IToken | undefined;
    let close: IToken | undefined;
    this.OPTION(() => {
      open = this.CONSUME(T.LParen);
    });
    const v = this.CONSUME(T.VarName);
    this.CONSUME(T.Colon);
    const first = this.SUBRULE(this.unary);
    let end: A.Expr | undefined;
    this.OPTION2(() => {
      this.CONSUME(T.DotDot);
      end = this.SUBRULE2(this.unary);
    });
    this.OPTION3(() => {
      close = this.CONSUME(T.RParen);
    });
    const body = this.SUBRULE(this.block);
    return this.ACTION(() => {
      const span = this.span(kw, body.span);
      if (open !== undefined && close === undefined) this.err(this.span(open), "unclosed '(' in for loop: expected ')'");
      if (open === undefined && close !== undefined) this.err(this.span(close), "unexpected ')' in for loop");
      if (end !== undefined) {
        return { kind: "ForRangeStmt", variable: v.image, start: first, end, body, span };
      }
      if (first.kind !== "MapExpr") {
        this.err(first.span, "expected a map (@name) or a range (start..end) after ':' in for loop");
        const map: A.MapExpr = { kind: "MapExpr", name: "@", keys: [], span: first.span };
        return { kind: "ForMapStmt", variable: v.image, map, body, span };
      }
      if (first.keys.length > 0) this.err(first.span, "for loops iterate over a whole map: remove the keys");
      return { kind: "ForMapStmt", variable: v.image, map: first, body, span };
    });
  });

  jumpStmt = this.RULE("jumpStmt", (): A.JumpStmt => {
    const errorsBefore = this.errors.length;
    const kw = this.OR([
      { ALT: () => this.CONSUME(T.Break) },
      { ALT: () => this.CONSUME(T.Continue) },
      { ALT: () => this.CONSUME(T.Return) },
    ]);
    let value: A.Expr | undefined;
    this.OPTION({
      GATE: () => kw.tokenType === T.Return,
      DEF: () => {
        value = this.SUBRULE(this.expression);
      },
    });
    const span = this.ACTION(() => this.span(kw, value?.span ?? kw));
    this.stmtEnd(span, errorsBefore);
    return this.ACTION(() => ({
      kind: "JumpStmt", jump: kw.image as A.JumpStmt["jump"], value, span,
    }));
  });

  letStmt = this.RULE("letStmt", (): A.VarDeclStmt => {
    const errorsBefore = this.errors.length;
    const kw = this.CONSUME(T.Let);
    const v = this.CONSUME(T.VarName);
    let type: A.TypeSpec | undefined;
    let value: A.Expr | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      type = this.SUBRULE(this.typeSpec);
    });
    this.OPTION2(() => {
      this.CONSUME(T.Assign);
      value = this.SUBRULE(this.expression);
    });
    const span = this.ACTION(() => this.span(kw, value?.span ?? type?.span ?? v));
    this.stmtEnd(span, errorsBefore);
    return this.ACTION(() => ({ kind: "VarDeclStmt", name: v.image, type, value, span }));
  });

  /** An expression, or an assignment `target op= value`. */
  exprStatement = this.RULE("exprStatement", (): A.Stmt | undefined => {
    const errorsBefore = this.errors.length;
    const target = this.SUBRULE(this.expression);
    let op: IToken | undefined;
    let value: A.Expr | undefined;
    this.OPTION(() => {
      op = this.CONSUME(T.AssignOp);
      value = this.SUBRULE2(this.expression);
    });
    const span = this.ACTION(() => this.span(target.span, value?.span ?? target.span));
    this.stmtEnd(span, errorsBefore);
    return this.ACTION((): A.Stmt | undefined => {
      if (op === undefined || value === undefined) return { kind: "ExprStmt", expr: target, span };
      const opText = op.image as A.AssignStmt["op"];
      if (target.kind === "MapExpr" || target.kind === "VarExpr") {
        if (!assignOps.has(opText)) return undefined;
        return { kind: "AssignStmt", target, op: opText, value, span };
      }
      if (target.kind === "IdentExpr" && target.name === "_" && opText === "=") {
        // bpftrace's discard: `_ = f();` evaluates f() and ignores the result.
        return { kind: "ExprStmt", expr: value, span };
      }
      if (target.kind === "IdentExpr" && target.name !== "<error>") {
        this.err(target.span, `cannot assign to '${target.name}'`, [
          `variables start with '$' ($${target.name}) and maps with '@' (@${target.name})`,
        ]);
      } else if (target.kind === "FieldExpr" && /^\d+$/.test(target.field)) {
        this.err(target.span, "tuples are immutable: assign a new tuple instead");
      } else if (target.kind !== "IdentExpr") {
        this.err(target.span, "cannot assign to this expression: only maps (@m, @m[k]) and variables ($v) can be assigned");
      }
      return { kind: "ExprStmt", expr: value, span };
    });
  });
}
