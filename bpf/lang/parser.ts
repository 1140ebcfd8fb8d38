// The grammar: chevrotain, embedded actions, one entry rule per top-level item kind
// (lexer.ts splits the program into items). Statements and expressions follow
// bpftrace's src/parser.cpp: C precedence and left associativity for binary operators
// (|| && | ^ & == != < <= > >= << >> + - * / %), right-associative `?:`, prefix
// ! ~ - * & ++ --, postfix . -> [] ++ --. Casts vs. grouping vs. tuples after '(' are
// decided by token lookahead (type-names.ts), not by backtracking.
//
// Error recovery is chevrotain's (single-token insertion/deletion, re-sync in
// repetitions); a rule that gives up returns a placeholder (an IdentExpr named
// "<error>", an empty Block) so the rest of the item is still built and checked.
import { EmbeddedActionsParser, type IToken, type TokenType } from "chevrotain";
import type * as A from "./ast.ts";
import { diagnostic, type Diagnostic } from "../types/diagnostic.ts";
import { messages } from "./parse-errors.ts";
import { joinSpans, type SourceText } from "./source.ts";
import * as T from "./tokens.ts";
import type { Token } from "./tokens.ts";
import { isCastAhead, isTypeArgAhead } from "./type-names.ts";
import { LazyLookahead } from "./lazy-lookahead.ts";

type Span = A.Span;

const assignOps = new Set(["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="]);

export class Grammar extends EmbeddedActionsParser {
  private src: SourceText | undefined;
  private itemTokens: readonly Token[] = [];
  /** Diagnostics from semantic actions (chevrotain's own are in `errors`). */
  extra: Diagnostic[] = [];

  /**
   * `validate` runs chevrotain's grammar checks (ambiguities, left recursion): about 70 ms
   * at every start-up, so they run in the unit tests (lang-parse.test.ts) instead.
   * `recover`: chevrotain's error recovery, whose follow sets cost about 15 ms to compute;
   * parse.ts builds the recovering grammar only for an item with a syntax error.
   */
  constructor(opts: { validate?: boolean; recover?: boolean } = {}) {
    super(T.allTokenTypes as TokenType[], {
      recoveryEnabled: opts.recover ?? true,
      // LL(1) is enough (the grammar test validates it at k = 1), and each extra token of
      // lookahead costs start-up time: k = 3 took about 60 ms more per process
      maxLookahead: 1,
      lookaheadStrategy: new LazyLookahead(1),
      skipValidations: !opts.validate,
      errorMessageProvider: messages,
    });
    this.performSelfAnalysis();
  }

  /** Prepare to parse one item. */
  load(src: SourceText, tokens: readonly Token[]): void {
    this.src = src;
    this.itemTokens = tokens;
    this.extra = [];
    // A copy: chevrotain appends EOF tokens to the array it is given.
    this.input = [...tokens] as IToken[];
  }

  // ---- spans ----

  private text(): SourceText {
    return this.src as SourceText;
  }

  /** Offsets of a token; tokens inserted by error recovery have none, so use neighbours. */
  private tokStart(t: IToken): number {
    if (Number.isFinite(t.startOffset)) return t.startOffset;
    const next = this.LA(1);
    if (Number.isFinite(next.startOffset)) return next.startOffset;
    const last = this.itemTokens[this.itemTokens.length - 1];
    return last === undefined ? 0 : last.endExclusive;
  }

  private tokEnd(t: IToken): number {
    const end = (t as Token).endExclusive;
    return end !== undefined && Number.isFinite(end) ? end : this.tokStart(t);
  }

  private span(a: IToken | Span, b: IToken | Span = a): Span {
    const s = "kind" in a || !("image" in a) ? (a as Span).offset : this.tokStart(a as IToken);
    const e = "image" in b ? this.tokEnd(b as IToken) : (b as Span).endOffset;
    return this.text().span(s, Math.max(s, e));
  }

  private err(at: Span, message: string, hints: readonly string[] = []): void {
    this.extra.push(diagnostic("ParseError", at, message, hints));
  }

  private placeholder(): A.IdentExpr {
    const t = this.LA(1);
    const s = this.tokStart(t);
    return { kind: "IdentExpr", name: "<error>", span: this.text().span(s, s) };
  }

  private emptyBlock(): A.Block {
    const t = this.LA(1);
    const s = this.tokStart(t);
    return { kind: "Block", statements: [], span: this.text().span(s, s) };
  }

  /**
   * After a statement: ';', or nothing before '}' (bpftrace allows that), else an error —
   * unless chevrotain already reported one in this statement (`errorsBefore`).
   */
  private stmtEnd(last: Span, errorsBefore: number): void {
    let semi = false;
    this.OPTION9(() => {
      this.CONSUME9(T.Semi);
      semi = true;
    });
    this.ACTION(() => {
      const next = this.LA(1).tokenType;
      if (!semi && next !== T.RCurly && Number.isFinite(this.LA(1).startOffset) && this.errors.length === errorsBefore) {
        const at = this.text().span(last.endOffset, last.endOffset);
        this.err(at, "expected ';' or '}' after statement");
      }
    });
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
      { ALT: () => this.SUBRULE(this.ifStmt) },
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

  // ---- types ----

  /** `uint32`, `struct task_struct *`, `unsigned long`, `uint8[4]`, `int8[]`. */
  typeSpec = this.RULE("typeSpec", (): A.TypeSpec => {
    let first!: IToken;
    let last!: IToken;
    let name = "";
    this.OR([
      {
        ALT: () => {
          first = this.CONSUME(T.Aggregate);
          last = this.CONSUME(T.Ident);
          name = `${first.image} ${last.image}`;
        },
      },
      {
        ALT: () => {
          first = this.CONSUME2(T.Ident);
          last = first;
          name = first.image;
          this.MANY({
            GATE: () => isCWordPair(name, this.LA(1)),
            DEF: () => {
              last = this.CONSUME3(T.Ident);
              name += ` ${last.image}`;
            },
          });
        },
      },
    ]);
    let pointerDepth = 0;
    let arraySize: number | undefined;
    this.MANY2(() => {
      this.OR2([
        {
          ALT: () => {
            last = this.CONSUME(T.Star);
            pointerDepth++;
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            let size: Token | undefined;
            this.OPTION(() => {
              size = this.CONSUME(T.IntLit) as Token;
            });
            last = this.CONSUME(T.RBracket);
            this.ACTION(() => {
              const v = size?.payload?.value;
              arraySize = typeof v === "bigint" ? Number(v) : 0;
            });
          },
        },
      ]);
    });
    return this.ACTION(() => ({ kind: "TypeSpec", name, pointerDepth, arraySize, span: this.span(first, last) }));
  });

  // ---- expressions ----

  expression = this.RULE("expression", (): A.Expr => this.SUBRULE(this.ternary), {
    recoveryValueFunc: () => this.placeholder(),
  });

  /** `c ? a : b` (right-associative) and bpftrace's short form `c ?: b`. */
  ternary = this.RULE("ternary", (): A.Expr => {
    const cond = this.SUBRULE(this.logicalOr);
    let result = cond;
    this.OPTION(() => {
      this.CONSUME(T.Question);
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Colon);
            const els = this.SUBRULE(this.ternary);
            this.ACTION(() => {
              result = { kind: "TernaryExpr", cond, then: cond, else: els, span: this.span(cond.span, els.span) };
            });
          },
        },
        {
          ALT: () => {
            const then = this.SUBRULE2(this.ternary);
            this.CONSUME2(T.Colon);
            const els = this.SUBRULE3(this.ternary);
            this.ACTION(() => {
              result = { kind: "TernaryExpr", cond, then, else: els, span: this.span(cond.span, els.span) };
            });
          },
        },
      ]);
    });
    return result;
  }, { recoveryValueFunc: () => this.placeholder() });

  /** One precedence level; `next` is looked up late because rules refer to later ones. */
  private binaryLevel(name: string, op: TokenType, next: () => () => A.Expr): () => A.Expr {
    return this.RULE(name, (): A.Expr => {
      let left = this.SUBRULE(next());
      this.MANY(() => {
        const o = this.CONSUME(op);
        const right = this.SUBRULE2(next());
        this.ACTION(() => {
          left = { kind: "BinaryExpr", op: o.image as A.BinaryOp, left, right, span: this.span(left.span, right.span) };
        });
      });
      return left;
    }, { recoveryValueFunc: () => this.placeholder() });
  }

  // Lowest to highest precedence; each level calls the next.
  multiplicative = this.binaryLevel("multiplicative", T.MultiplicativeOp, () => this.unary);
  additive = this.binaryLevel("additive", T.AdditiveOp, () => this.multiplicative);
  shift = this.binaryLevel("shift", T.ShiftOp, () => this.additive);
  relational = this.binaryLevel("relational", T.RelationalOp, () => this.shift);
  equality = this.binaryLevel("equality", T.EqualityOp, () => this.relational);
  bitAnd = this.binaryLevel("bitAnd", T.BitAndOp, () => this.equality);
  bitXor = this.binaryLevel("bitXor", T.XorOp, () => this.bitAnd);
  bitOr = this.binaryLevel("bitOr", T.BitOrOp, () => this.bitXor);
  logicalAnd = this.binaryLevel("logicalAnd", T.AndOp, () => this.bitOr);
  logicalOr = this.binaryLevel("logicalOr", T.OrOp, () => this.logicalAnd);

  unary = this.RULE("unary", (): A.Expr => {
    return this.OR([
      {
        ALT: () => {
          const op = this.OR2([
            { ALT: () => this.CONSUME(T.Bang) },
            { ALT: () => this.CONSUME(T.Tilde) },
            { ALT: () => this.CONSUME(T.Minus) },
            { ALT: () => this.CONSUME(T.Star) },
            { ALT: () => this.CONSUME(T.Amp) },
          ]);
          const operand = this.SUBRULE(this.unary);
          return this.ACTION((): A.Expr => ({
            kind: "UnaryExpr", op: op.image as A.UnaryExpr["op"], operand, span: this.span(op, operand.span),
          }));
        },
      },
      {
        ALT: () => {
          const op = this.OR3([
            { ALT: () => this.CONSUME(T.PlusPlus) },
            { ALT: () => this.CONSUME(T.MinusMinus) },
          ]);
          const operand = this.SUBRULE2(this.unary);
          return this.ACTION(() => this.update(op, operand, true, this.span(op, operand.span)));
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]);
  }, { recoveryValueFunc: () => this.placeholder() });

  private update(op: IToken, target: A.Expr, prefix: boolean, span: Span): A.Expr {
    if (target.kind === "MapExpr" || target.kind === "VarExpr") {
      return { kind: "UpdateExpr", op: op.image as "++" | "--", prefix, target, span };
    }
    if (!(target.kind === "IdentExpr" && target.name === "<error>")) {
      this.err(target.span, `'${op.image}' needs a map (@m, @m[k]) or a variable ($v)`);
    }
    return target;
  }

  postfix = this.RULE("postfix", (): A.Expr => {
    let e = this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            const arrow = this.OR2([
              { ALT: () => { this.CONSUME(T.Dot); return false; } },
              { ALT: () => { this.CONSUME(T.Arrow); return true; } },
            ]);
            const f = this.OR3([
              { ALT: () => this.CONSUME(T.FieldWord) },
              { ALT: () => this.CONSUME(T.IntLit) },
            ]);
            this.ACTION(() => {
              if (f.tokenType === T.IntLit && (arrow || !/^\d+$/.test(f.image))) {
                this.err(this.span(f), `expected a field name or a tuple index after '${arrow ? "->" : "."}'`);
              }
              e = { kind: "FieldExpr", object: e, field: f.image, arrow, span: this.span(e.span, f) };
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            const index = this.SUBRULE(this.expression);
            const close = this.CONSUME(T.RBracket);
            this.ACTION(() => {
              e = { kind: "IndexExpr", object: e, index, span: this.span(e.span, close) };
            });
          },
        },
        {
          ALT: () => {
            const op = this.OR4([
              { ALT: () => this.CONSUME(T.PlusPlus) },
              { ALT: () => this.CONSUME(T.MinusMinus) },
            ]);
            this.ACTION(() => {
              e = this.update(op, e, false, this.span(e.span, op));
            });
          },
        },
      ]);
    });
    return e;
  }, { recoveryValueFunc: () => this.placeholder() });

  primary = this.RULE("primary", (): A.Expr => {
    return this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.IntLit) as Token;
          return this.ACTION((): A.Expr => ({
            kind: "IntLit", value: typeof t.payload?.value === "bigint" ? t.payload.value : 0n, raw: t.image, span: this.span(t),
          }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.StringLit) as Token;
          return this.ACTION((): A.Expr => ({
            kind: "StrLit", value: typeof t.payload?.value === "string" ? t.payload.value : "", span: this.span(t),
          }));
        },
      },
      { ALT: () => { const t = this.CONSUME(T.True); return this.ACTION((): A.Expr => ({ kind: "BoolLit", value: true, span: this.span(t) })); } },
      { ALT: () => { const t = this.CONSUME(T.False); return this.ACTION((): A.Expr => ({ kind: "BoolLit", value: false, span: this.span(t) })); } },
      {
        ALT: () => {
          const t = this.CONSUME(T.Positional) as Token;
          return this.ACTION((): A.Expr => {
            const index = t.payload?.index ?? 0;
            return { kind: "PositionalExpr", index, count: t.image === "$#", span: this.span(t) };
          });
        },
      },
      { ALT: () => { const t = this.CONSUME(T.VarName); return this.ACTION((): A.Expr => ({ kind: "VarExpr", name: t.image, span: this.span(t) })); } },
      { ALT: () => this.SUBRULE(this.mapExpr) },
      { ALT: () => this.SUBRULE(this.identOrCall) },
      { ALT: () => this.SUBRULE(this.sizeofExpr) },
      { ALT: () => this.SUBRULE(this.offsetofExpr) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.blockExpr) },
    ]);
  }, { recoveryValueFunc: () => this.placeholder() });

  /**
   * `{ let $b = 1; $b }` as a value (bpftrace's block expressions): the statements, then
   * the last one's expression when no ';' follows it. In statement position a `{` starts
   * a block statement (statement's alternatives come first).
   */
  blockExpr = this.RULE("blockExpr", (): A.Expr => {
    const block = this.SUBRULE(this.block);
    return this.ACTION((): A.Expr => {
      const last = block.statements[block.statements.length - 1];
      const closeStart = block.span.endOffset - 1;
      let before: Token | undefined;
      for (const t of this.itemTokens) if (t.endExclusive <= closeStart) before = t;
      if (last?.kind !== "ExprStmt" || before?.tokenType === T.Semi) return { kind: "BlockExpr", block, value: undefined, span: block.span };
      return { kind: "BlockExpr", block: { ...block, statements: block.statements.slice(0, -1) }, value: last.expr, span: block.span };
    });
  });

  mapExpr = this.RULE("mapExpr", (): A.MapExpr => {
    const name = this.CONSUME(T.MapName);
    const keys: A.Expr[] = [];
    let close: IToken | undefined;
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.AT_LEAST_ONE_SEP({
        SEP: T.Comma,
        DEF: () => {
          const k = this.SUBRULE(this.expression);
          this.ACTION(() => keys.push(k));
        },
      });
      close = this.CONSUME(T.RBracket);
    });
    return this.ACTION(() => ({ kind: "MapExpr", name: name.image, keys, span: this.span(name, close ?? name) }));
  });

  identOrCall = this.RULE("identOrCall", (): A.Expr => {
    const name = this.CONSUME(T.Ident);
    let args: A.Expr[] | undefined;
    let close: IToken | undefined;
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      args = [];
      this.MANY_SEP({
        SEP: T.Comma,
        DEF: () => {
          const a = this.SUBRULE(this.expression);
          this.ACTION(() => args?.push(a));
        },
      });
      close = this.CONSUME(T.RParen);
    });
    return this.ACTION((): A.Expr => {
      if (args === undefined) return { kind: "IdentExpr", name: name.image, span: this.span(name) };
      return { kind: "CallExpr", callee: name.image, args, span: this.span(name, close ?? name) };
    });
  });

  /** `sizeof(type)` or `sizeof(expr)`. */
  sizeofExpr = this.RULE("sizeofExpr", (): A.Expr => {
    const kw = this.CONSUME(T.Sizeof);
    this.CONSUME(T.LParen);
    const target = this.OR([
      { GATE: () => isTypeArgAhead((i) => this.LA(i), T.RParen), ALT: () => this.SUBRULE(this.typeSpec) as A.TypeSpec | A.Expr },
      { ALT: () => this.SUBRULE(this.expression) },
    ]);
    const close = this.CONSUME(T.RParen);
    return this.ACTION((): A.Expr => ({ kind: "SizeofExpr", target, span: this.span(kw, close) }));
  });

  /** `offsetof(struct foo, bar)`, `offsetof(struct foo, a.b.c)`, `offsetof($x, f)`. */
  offsetofExpr = this.RULE("offsetofExpr", (): A.Expr => {
    const kw = this.CONSUME(T.Offsetof);
    this.CONSUME(T.LParen);
    const type = this.OR([
      { GATE: () => isTypeArgAhead((i) => this.LA(i), T.Comma), ALT: () => this.SUBRULE(this.typeSpec) as A.TypeSpec | A.Expr },
      { ALT: () => this.SUBRULE(this.expression) },
    ]);
    this.CONSUME(T.Comma);
    const fields: string[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Dot,
      DEF: () => {
        const f = this.CONSUME(T.FieldWord);
        this.ACTION(() => fields.push(f.image));
      },
    });
    const close = this.CONSUME(T.RParen);
    return this.ACTION((): A.Expr => ({ kind: "OffsetofExpr", type, fields, span: this.span(kw, close) }));
  });

  /** `(type)expr` cast, `()` and `(a, b)` / `(a,)` tuples, `(e)` grouping. */
  parenExpr = this.RULE("parenExpr", (): A.Expr => {
    const open = this.CONSUME(T.LParen);
    return this.OR([
      {
        GATE: () => isCastAhead((i) => this.LA(i)),
        ALT: () => {
          const type = this.SUBRULE(this.typeSpec);
          this.CONSUME(T.RParen);
          const expr = this.SUBRULE(this.unary);
          return this.ACTION((): A.Expr => ({ kind: "CastExpr", type, expr, span: this.span(open, expr.span) }));
        },
      },
      {
        ALT: () => {
          const close = this.CONSUME2(T.RParen);
          return this.ACTION((): A.Expr => ({ kind: "TupleExpr", elements: [], span: this.span(open, close) }));
        },
      },
      {
        ALT: () => {
          const first = this.SUBRULE(this.expression);
          const elements = [first];
          let tuple = false;
          this.MANY(() => {
            this.CONSUME(T.Comma);
            tuple = true;
            this.OPTION(() => {
              const e = this.SUBRULE2(this.expression);
              this.ACTION(() => elements.push(e));
            });
          });
          const close = this.CONSUME3(T.RParen);
          return this.ACTION((): A.Expr => {
            // A grouping has no node of its own; its expression's span covers the parentheses.
            if (!tuple) return { ...first, span: this.span(open, close) };
            return { kind: "TupleExpr", elements, span: this.span(open, close) };
          });
        },
      },
    ]);
  });
}

function isCWordPair(name: string, next: IToken): boolean {
  const words = new Set(["unsigned", "signed", "short", "long", "int", "char", "const", "volatile"]);
  const last = name.split(" ").pop() ?? "";
  return next.tokenType === T.Ident && words.has(last) && words.has(next.image);
}
