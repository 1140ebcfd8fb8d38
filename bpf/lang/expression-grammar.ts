// Types and expressions, after bpftrace's src/parser.cpp: C precedence and left
// associativity for binary operators (|| && | ^ & == != < <= > >= << >> + - * / %),
// right-associative `?:`, prefix ! ~ - * & ++ --, postfix . -> [] ++ --. Casts vs.
// grouping vs. tuples after '(' are decided by token lookahead (type-names.ts), not by
// backtracking. Statements, blocks and items are parser.ts (a block is also an expression:
// `{ let $b = 1; $b }`).
import type { IToken, ParserMethod, TokenType } from "chevrotain";
import type * as A from "./ast.ts";
import * as T from "./tokens.ts";
import type { Token } from "./tokens.ts";
import { isCastAhead, isTypeArgAhead } from "./type-names.ts";
import { GrammarBase } from "./grammar-base.ts";

type Span = A.Span;

export abstract class ExpressionGrammar extends GrammarBase {
  /** `{ ... }`: defined with the statements (parser.ts). */
  abstract block: ParserMethod<[], A.Block>;

  // ---- types ----

  /** `uint32`, `struct task_struct *`, `unsigned long`, `uint8[4]`, `int8[]`. */
  typeSpec = this.RULE("typeSpec", (): A.TypeSpec => {
    let first!: IToken | Span;
    let last!: IToken | Span;
    let name = "";
    let of: A.TypeSpec | A.Expr | undefined;
    this.OR([
      {
        ALT: () => {
          const t = this.SUBRULE(this.typeofExpr);
          this.ACTION(() => {
            [first, last, name, of] = [t.span, t.span, "typeof", t.target];
          });
        },
      },
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
    return this.ACTION(() => ({ kind: "TypeSpec", name, ...(of && { of }), pointerDepth, arraySize, span: this.span(first, last) }));
  });

  /** `typeof(type)` or `typeof(expr)`: a type where one is expected, or a macro argument. */
  typeofExpr = this.RULE("typeofExpr", (): A.TypeofExpr => {
    const kw = this.CONSUME(T.Typeof);
    this.CONSUME(T.LParen);
    const target = this.SUBRULE(this.typeArg);
    const close = this.CONSUME(T.RParen);
    return this.ACTION((): A.TypeofExpr => ({ kind: "TypeofExpr", target, span: this.span(kw, close) }));
  });

  /** Inside sizeof( ) and typeof( ): a type, or an expression whose type is meant. */
  typeArg = this.RULE("typeArg", (): A.TypeSpec | A.Expr => {
    return this.OR([
      { GATE: () => isTypeArgAhead((i) => this.LA(i), T.RParen), ALT: () => this.SUBRULE(this.typeSpec) as A.TypeSpec | A.Expr },
      { ALT: () => this.SUBRULE(this.expression) },
    ]);
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

  /**
   * The spans of grouped expressions without their parentheses: bpftrace's grouping keeps
   * the inner expression's location, so `((T *)p).f` is located from the cast (runtime
   * errors report that column); our diagnostics underline the parentheses too.
   */
  private readonly groupedSpans = new WeakMap<A.Expr, Span>();

  /** Where a postfix operation on `e` starts, as bpftrace locates it. */
  private postfixStart(e: A.Expr): Span {
    return this.groupedSpans.get(e) ?? e.span;
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
              e = { kind: "FieldExpr", object: e, field: f.image, arrow, span: this.span(this.postfixStart(e), f) };
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            const index = this.SUBRULE(this.expression);
            const close = this.CONSUME(T.RBracket);
            this.ACTION(() => {
              e = { kind: "IndexExpr", object: e, index, span: this.span(this.postfixStart(e), close) };
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
      { ALT: () => this.SUBRULE2(this.typeofExpr) as A.Expr },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.blockExpr) },
      { ALT: () => this.SUBRULE(this.ifExpr) },
    ]);
  }, { recoveryValueFunc: () => this.placeholder() });

  /** `if c { a } else { b }` as a value (bpftrace HEAD): c ? a : b, the else required. */
  ifExpr = this.RULE("ifExpr", (): A.Expr => {
    const kw = this.CONSUME(T.If);
    const cond = this.SUBRULE(this.expression);
    const then = this.SUBRULE(this.blockExpr);
    this.CONSUME(T.Else);
    const els = this.OR([
      { ALT: () => this.SUBRULE(this.ifExpr) },
      { ALT: () => this.SUBRULE2(this.blockExpr) },
    ]);
    return this.ACTION((): A.Expr => ({ kind: "TernaryExpr", cond, then, else: els, span: this.span(kw, els.span) }));
  });

  /**
   * `{ let $b = 1; $b }` as a value (bpftrace's block expressions): the statements, then
   * the last one's expression when no ';' follows it. In statement position a `{` starts
   * a block statement (statement's alternatives come first).
   */
  blockExpr = this.RULE("blockExpr", (): A.Expr => {
    const block = this.SUBRULE(this.block);
    return this.ACTION((): A.Expr => this.blockValue(block));
  });

  /** A block as a value; a last `if ... else ...` with values in every branch is one too. */
  private blockValue(block: A.Block): A.BlockExpr {
    const last = block.statements[block.statements.length - 1];
    const closeStart = block.span.endOffset - 1;
    let before: Token | undefined;
    for (const t of this.itemTokens) if (t.endExclusive <= closeStart) before = t;
    const value = before?.tokenType === T.Semi ? undefined : last?.kind === "ExprStmt" ? last.expr : last?.kind === "IfStmt" ? this.ifValue(last) : undefined;
    if (!value) return { kind: "BlockExpr", block, value: undefined, span: block.span };
    return { kind: "BlockExpr", block: { ...block, statements: block.statements.slice(0, -1) }, value, span: block.span };
  }

  private ifValue(st: A.IfStmt): A.Expr | undefined {
    if (!st.else) return undefined;
    const then = this.blockValue(st.then);
    const els = st.else.kind === "IfStmt" ? this.ifValue(st.else) : this.blockValue(st.else);
    if (!then.value || !els || (els.kind === "BlockExpr" && !els.value)) return undefined;
    return { kind: "TernaryExpr", cond: st.cond, then, else: els, span: st.span };
  }

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
    const target = this.SUBRULE(this.typeArg);
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
          // `(a = 1, b = "x")` is a record: every element named
          const names: (string | undefined)[] = [];
          let name: string | undefined;
          const named = { GATE: () => this.LA(2).tokenType === T.Assign };
          this.OPTION2({
            ...named,
            DEF: () => {
              const n = this.CONSUME(T.Ident);
              this.CONSUME(T.Assign);
              this.ACTION(() => (name = n.image));
            },
          });
          const first = this.SUBRULE(this.expression);
          this.ACTION(() => names.push(name));
          const elements = [first];
          let tuple = false;
          this.MANY(() => {
            this.CONSUME(T.Comma);
            tuple = true;
            this.OPTION(() => {
              let field: string | undefined;
              this.OPTION3({
                ...named,
                DEF: () => {
                  const n = this.CONSUME2(T.Ident);
                  this.CONSUME2(T.Assign);
                  this.ACTION(() => (field = n.image));
                },
              });
              const e = this.SUBRULE2(this.expression);
              this.ACTION(() => (elements.push(e), names.push(field)));
            });
          });
          const close = this.CONSUME3(T.RParen);
          return this.ACTION((): A.Expr => {
            const span = this.span(open, close);
            if (names.some((n) => n !== undefined)) return { kind: "TupleExpr", elements, names, span };
            // A grouping has no node of its own; its expression's span covers the parentheses.
            if (!tuple) {
              const grouped = { ...first, span };
              this.groupedSpans.set(grouped, this.postfixStart(first));
              return grouped;
            }
            return { kind: "TupleExpr", elements, span };
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
