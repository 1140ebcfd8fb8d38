// What every part of the grammar shares (parser.ts, expression-grammar.ts): chevrotain's
// parser set up for our tokens (LL(1), error recovery, our messages), the item being
// parsed, source spans of tokens (tokens inserted by recovery have no offsets of their
// own), diagnostics from semantic actions, and the placeholders a rule that gives up
// returns so the rest of the item is still built and checked.
import { EmbeddedActionsParser, type IToken, type TokenType } from "chevrotain";
import type * as A from "./ast.ts";
import { diagnostic, type Diagnostic } from "../types/diagnostic.ts";
import { messages } from "./parse-errors.ts";
import type { SourceText } from "./source.ts";
import * as T from "./tokens.ts";
import { LazyLookahead } from "./lazy-lookahead.ts";
import type { Token } from "./tokens.ts";

type Span = A.Span;

/** The grammar's base; Grammar (parser.ts) runs chevrotain's self-analysis once every rule is defined. */
export abstract class GrammarBase extends EmbeddedActionsParser {
  protected src: SourceText | undefined;
  protected itemTokens: readonly Token[] = [];
  /** Diagnostics from semantic actions (chevrotain's own are in `errors`). */
  extra: Diagnostic[] = [];

  /**
   * `validate`: chevrotain's grammar checks (see Grammar's constructor). `recover`:
   * chevrotain's error recovery, whose follow sets cost about 15 ms to compute; parse.ts
   * builds the recovering grammar only for an item with a syntax error.
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

  protected text(): SourceText {
    return this.src as SourceText;
  }

  /** Offsets of a token; tokens inserted by error recovery have none, so use neighbours. */
  protected tokStart(t: IToken): number {
    if (Number.isFinite(t.startOffset)) return t.startOffset;
    const next = this.LA(1);
    if (Number.isFinite(next.startOffset)) return next.startOffset;
    const last = this.itemTokens[this.itemTokens.length - 1];
    return last === undefined ? 0 : last.endExclusive;
  }

  protected tokEnd(t: IToken): number {
    const end = (t as Token).endExclusive;
    return end !== undefined && Number.isFinite(end) ? end : this.tokStart(t);
  }

  protected span(a: IToken | Span, b: IToken | Span = a): Span {
    const s = "kind" in a || !("image" in a) ? (a as Span).offset : this.tokStart(a as IToken);
    const e = "image" in b ? this.tokEnd(b as IToken) : (b as Span).endOffset;
    return this.text().span(s, Math.max(s, e));
  }

  protected err(at: Span, message: string, hints: readonly string[] = []): void {
    this.extra.push(diagnostic("ParseError", at, message, hints));
  }

  protected placeholder(): A.IdentExpr {
    const t = this.LA(1);
    const s = this.tokStart(t);
    return { kind: "IdentExpr", name: "<error>", span: this.text().span(s, s) };
  }

  protected emptyBlock(): A.Block {
    const t = this.LA(1);
    const s = this.tokStart(t);
    return { kind: "Block", statements: [], span: this.text().span(s, s) };
  }

  /**
   * After a statement: ';', or nothing before '}' (bpftrace allows that), else an error —
   * unless chevrotain already reported one in this statement (`errorsBefore`).
   */
  protected stmtEnd(last: Span, errorsBefore: number): void {
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
}
