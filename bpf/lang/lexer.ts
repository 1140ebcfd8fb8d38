// The scanner: source text → top-level items, each a list of chevrotain tokens.
//
// Tracebook's language has two lexical worlds. Inside `{ }` and predicates it is a C-like
// expression language that a regular lexer handles. At the top level it is not: an
// attach point such as `uprobe:/usr/lib/libc.so.6:malloc` or `tracepoint:syscalls:sys_*`
// is one word made of characters that are operators elsewhere, and a predicate `/a / b/`
// uses '/' both as a delimiter and as division. bpftrace solves this with a hand-written
// scanner (src/parser.cpp); so do we, deliberately:
//
//   - At the top level the scanner recognises items by their first word: preprocessor
//     lines (handled here, see preprocessor.ts), C struct/union/enum definitions (kept as
//     raw text), `config`, `let`, `fn`, `macro`, `import`, and otherwise a probe header.
//   - A probe header is scanned by scanAttachPoint (attach-point.ts) into one AttachPoint
//     token per attach point, separated by Comma tokens.
//   - A predicate opens with PredStart; inside it, a '/' whose next non-blank character is
//     '{' is PredEnd (the rule bpftrace uses), any other '/' is division.
//   - Bodies are lexed as ordinary tokens up to the matching '}'.
//
// Each item is parsed on its own by the chevrotain grammar (parser.ts), so an error in one
// probe does not swallow the next.
import { createTokenInstance, type TokenType } from "chevrotain";
import type { CDefine, CInclude, StructDef } from "./ast.ts";
import { diagnostic, type Diagnostic } from "../types/diagnostic.ts";
import { scanAttachPoint, splitAttachPoint } from "./attach-point.ts";
import { scanInteger, scanString, type LiteralProblem } from "./literals.ts";
import { Preprocessor } from "./preprocessor.ts";
import type { SourceText } from "./source.ts";
import * as T from "./tokens.ts";
import type { Token, TokenPayload } from "./tokens.ts";

export type ItemKind = "probe" | "config" | "mapDecl" | "fn" | "macro" | "import";

export interface ScanItem {
  readonly kind: ItemKind;
  readonly tokens: readonly Token[];
  /** The header had an invalid attach point, already reported: grammar errors would repeat it. */
  readonly invalidHeader?: boolean;
}

export interface ScanResult {
  readonly items: readonly ScanItem[];
  readonly includes: readonly string[];
  readonly includeDirectives: readonly CInclude[];
  readonly defines: readonly CDefine[];
  readonly structs: readonly StructDef[];
  readonly diagnostics: readonly Diagnostic[];
  /** Every token, in source order (for tokenAt and bracket balance). */
  readonly tokens: readonly Token[];
  /** A string or comment was still open at the end of the input. */
  readonly openAtEof: boolean;
}

export interface ScanOptions {
  /** Names treated as #define'd by the preprocessor. Default: ["BPFTRACE_HAVE_BTF"]. */
  readonly predefined?: readonly string[];
}

const isWordStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

type Mode = "code" | "pred";

export function scan(src: SourceText, options: ScanOptions = {}): ScanResult {
  return new Scanner(src, options).run();
}

/** The tokens of a code fragment (a #define's value), lexed as inside a probe body. */
export function lexFragment(src: SourceText): { tokens: Token[]; diagnostics: Diagnostic[] } {
  return new Scanner(src, {}).fragment();
}

class Scanner {
  private readonly text: string;
  private pos = 0;
  private readonly diags: Diagnostic[] = [];
  private readonly items: ScanItem[] = [];
  private readonly all: Token[] = [];
  private readonly includes: string[] = [];
  private readonly includeDirectives: CInclude[] = [];
  private readonly defines: CDefine[] = [];
  private readonly structs: StructDef[] = [];
  private readonly pp: Preprocessor;
  private openAtEof = false;

  constructor(private readonly src: SourceText, options: ScanOptions) {
    this.text = src.text;
    this.pp = new Preprocessor(options.predefined ?? ["BPFTRACE_HAVE_BTF"]);
  }

  run(): ScanResult {
    const text = this.text;
    if (text.startsWith("#!")) this.skipLine();
    for (;;) {
      if (!this.pp.active) {
        this.skipInactiveLine();
        if (this.pos >= text.length) break;
        continue;
      }
      this.skipLayout();
      if (this.pos >= text.length) break;
      const c = text[this.pos];
      if (c === "#") {
        this.directive();
        continue;
      }
      // `$1 { ... }`: a positional parameter holds the whole attach point (bpftrace
      // substitutes it before splitting; the checker does, bpf/check/checker.ts).
      if (c === "$" && isDigit(text[this.pos + 1])) {
        this.probeItem();
        continue;
      }
      if (isWordStart(c)) {
        const word = this.peekWord();
        if ((word === "struct" || word === "union" || word === "enum") && this.looksLikeCDefinition()) {
          this.cDefinition(word);
        } else if (word === "config") {
          this.blockItem("config", T.Config);
        } else if (word === "fn") {
          this.blockItem("fn", T.Fn);
        } else if (word === "macro") {
          this.blockItem("macro", T.Macro);
        } else if (word === "let") {
          this.letItem();
        } else if (word === "import") {
          this.importItem();
        } else {
          this.probeItem();
        }
        continue;
      }
      this.strayTopLevelToken();
    }
    if (this.pp.openConditionals > 0) {
      this.error(text.length, text.length, "unterminated #if/#ifdef: expected #endif");
    }
    return {
      items: this.items,
      includes: this.includes,
      includeDirectives: this.includeDirectives,
      defines: this.defines,
      structs: this.structs,
      diagnostics: this.diags,
      tokens: this.all,
      openAtEof: this.openAtEof,
    };
  }

  fragment(): { tokens: Token[]; diagnostics: Diagnostic[] } {
    const tokens: Token[] = [];
    for (let t = this.lex("code"); t !== undefined; t = this.lex("code")) tokens.push(t);
    return { tokens, diagnostics: this.diags };
  }

  // ---- top-level items ----

  private probeItem(): void {
    const tokens: Token[] = [];
    let invalidHeader = false;
    for (;;) {
      const start = this.pos;
      const end = scanAttachPoint(this.text, start);
      if (end === start) break;
      const raw = this.text.slice(start, end);
      const split = splitAttachPoint(raw);
      for (const p of split.problems) this.error(start, end, p);
      if (split.problems.length > 0) invalidHeader = true;
      tokens.push(this.token(T.AttachPointTok, start, end, { provider: split.provider, parts: split.parts }));
      this.pos = end;
      this.skipLayout();
      if (this.text[this.pos] !== ",") break;
      const comma = this.pos;
      this.pos++;
      this.skipLayout();
      const next = this.text[this.pos];
      // bpftrace accepts a trailing comma before the predicate or the body.
      if (next === "{" || next === "/" || next === undefined) break;
      tokens.push(this.token(T.Comma, comma, comma + 1));
    }
    this.skipLayout();
    if (this.text[this.pos] === "/" && this.text[this.pos + 1] !== "/" && this.text[this.pos + 1] !== "*") {
      tokens.push(this.token(T.PredStart, this.pos, this.pos + 1));
      this.pos++;
      let parens = 0;
      for (;;) {
        const save = this.pos;
        const t = this.lex("pred");
        if (t === undefined) break;
        const type = t.tokenType;
        if ((type === T.LCurly || type === T.RCurly) && parens <= 0) {
          this.unlex(t, save);
          break;
        }
        tokens.push(t);
        if (type === T.PredEnd) break;
        if (type === T.LParen || type === T.LBracket) parens++;
        if (type === T.RParen || type === T.RBracket) parens--;
      }
    }
    this.skipLayout();
    if (this.text[this.pos] === "{") {
      this.lexBlock(tokens);
    } else {
      // No body: keep the rest of the line in this item, so that the error is reported
      // once (expected '{') instead of once per stray token.
      const last = tokens[tokens.length - 1];
      const line = last === undefined ? -1 : this.src.position(last.endExclusive).line;
      for (;;) {
        const save = this.pos;
        const t = this.lex("code");
        if (t === undefined) break;
        if (t.startLine !== line || t.tokenType === T.RCurly) {
          this.unlex(t, save);
          break;
        }
        tokens.push(t);
        if (t.tokenType === T.LCurly) {
          this.unlex(t, save);
          tokens.pop();
          this.lexBlock(tokens);
          break;
        }
      }
    }
    this.items.push({ kind: "probe", tokens, invalidHeader });
  }

  /** `config = { ... }`, `fn ... { ... }`, `macro ... { ... }`: up to the matching '}'. */
  private blockItem(kind: ItemKind, keyword: TokenType): void {
    const tokens: Token[] = [];
    const start = this.pos;
    this.pos += this.peekWord().length;
    tokens.push(this.token(keyword, start, this.pos));
    for (;;) {
      const save = this.pos;
      const t = this.lex("code");
      if (t === undefined) break;
      if (t.tokenType === T.RCurly) {
        this.unlex(t, save);
        break;
      }
      if (t.tokenType === T.LCurly) {
        this.unlex(t, save);
        this.lexBlock(tokens);
        break;
      }
      tokens.push(t);
      if (t.tokenType === T.Semi) break;
    }
    this.items.push({ kind, tokens });
  }

  /** `let @m = hash(1024);` (the ';' is optional in bpftrace). */
  private letItem(): void {
    const tokens: Token[] = [];
    let parens = 0;
    for (;;) {
      const save = this.pos;
      const t = this.lex("code");
      if (t === undefined) break;
      const type = t.tokenType;
      if (type === T.LCurly || type === T.RCurly) {
        this.unlex(t, save);
        break;
      }
      tokens.push(t);
      if (type === T.Semi) break;
      if (type === T.LParen) parens++;
      if (type === T.RParen && --parens <= 0) {
        this.skipLayout();
        if (this.text[this.pos] === ";") {
          tokens.push(this.token(T.Semi, this.pos, this.pos + 1));
          this.pos++;
        }
        break;
      }
    }
    this.items.push({ kind: "mapDecl", tokens });
  }

  /** `import "path";` */
  private importItem(): void {
    const tokens: Token[] = [];
    const start = this.pos;
    this.pos += "import".length;
    tokens.push(this.token(T.Import, start, this.pos));
    for (;;) {
      const save = this.pos;
      const t = this.lex("code");
      if (t === undefined) break;
      const prev = tokens[tokens.length - 1];
      if (t.tokenType === T.LCurly || t.tokenType === T.RCurly || (prev?.tokenType === T.StringLit && t.tokenType !== T.Semi)) {
        this.unlex(t, save);
        break;
      }
      tokens.push(t);
      if (t.tokenType === T.Semi) break;
    }
    this.items.push({ kind: "import", tokens });
  }

  /** A token that cannot start a top-level item: report it and move on. */
  private strayTopLevelToken(): void {
    const c = this.text[this.pos] as string;
    if (!/[0-9"'$@]/.test(c) && !T.punctuation.some(([p]) => p[0] === c)) {
      this.error(this.pos, this.pos + 1, `unexpected character '${c}'`);
      this.pos++;
      return;
    }
    const t = this.lex("code");
    if (t === undefined) return;
    if (t.tokenType === T.RCurly) {
      this.error(t.startOffset, t.endExclusive, "unexpected '}': there is no open '{' to close");
    } else if (t.tokenType !== T.Semi) {
      this.error(t.startOffset, t.endExclusive, `unexpected '${t.image}' at the top level`, [
        "a program is a list of probes like 'kprobe:vfs_read { ... }'",
      ]);
    }
  }

  /** Tokens from '{' (at this.pos) to its matching '}' (or the end of the input). */
  private lexBlock(into: Token[]): void {
    let depth = 0;
    for (;;) {
      const t = this.lex("code");
      if (t === undefined) return;
      into.push(t);
      if (t.tokenType === T.LCurly) depth++;
      else if (t.tokenType === T.RCurly && --depth <= 0) return;
    }
  }

  // ---- C definitions and preprocessor lines ----

  private directive(): void {
    const start = this.pos;
    let line = "";
    while (this.pos < this.text.length && this.text[this.pos] !== "\n") {
      if (this.text[this.pos] === "\\" && this.text[this.pos + 1] === "\n") {
        this.pos += 2;
        line += " ";
        continue;
      }
      line += this.text[this.pos];
      this.pos++;
    }
    const end = this.pos;
    const onInclude = (name: string, quoted: boolean) => {
      this.includeDirectives.push({ kind: "CInclude", name, quoted, span: this.src.span(start, end) });
    };
    const problem = this.pp.directive(line.trimEnd(), { includes: this.includes, defines: this.defines, onInclude }, (name, params, value) => ({
      kind: "CDefine", name, params, value, span: this.src.span(start, end),
    }));
    if (problem !== undefined) {
      this.diags.push(diagnostic("ParseError", this.src.span(start, end), problem.message, problem.hints ?? [], problem.severity));
    }
  }

  private skipInactiveLine(): void {
    let i = this.pos;
    while (i < this.text.length && (this.text[i] === " " || this.text[i] === "\t")) i++;
    if (this.text[i] === "#") {
      this.pos = i;
      this.directive();
    } else {
      this.pos = i;
      this.skipLine();
    }
  }

  private skipLine(): void {
    while (this.pos < this.text.length && this.text[this.pos] !== "\n") this.pos++;
    if (this.pos < this.text.length) this.pos++;
  }

  /**
   * `struct Name { ... }` as opposed to a probe like `struct:x` (bpftrace's
   * looks_like_c_definition): words and balanced (...)/[...] groups up to a '{'.
   */
  private looksLikeCDefinition(): boolean {
    let p = this.pos + this.peekWord().length;
    for (;;) {
      p = this.skipLayoutFrom(p);
      const c = this.text[p];
      if (c === "{") return true;
      if (isWordStart(c)) {
        while (isWordChar(this.text[p])) p++;
        continue;
      }
      if (c === "(" || c === "[") {
        const close = c === "(" ? ")" : "]";
        let depth = 0;
        for (; p < this.text.length; p++) {
          if (this.text[p] === c) depth++;
          else if (this.text[p] === close && --depth === 0) break;
        }
        if (p >= this.text.length) return false;
        p++;
        continue;
      }
      return false;
    }
  }

  private cDefinition(keyword: string): void {
    const start = this.pos;
    const open = this.text.indexOf("{", start);
    const head = this.text.slice(start, open);
    const name = /^(struct|union|enum)\s+(?:__attribute__\s*\(\([^)]*\)\)\s*)?([A-Za-z_]\w*)/.exec(head);
    let p = open;
    let depth = 0;
    while (p < this.text.length) {
      const c = this.text[p];
      if (c === "/" && this.text[p + 1] === "/") {
        while (p < this.text.length && this.text[p] !== "\n") p++;
        continue;
      }
      if (c === "/" && this.text[p + 1] === "*") {
        const close = this.text.indexOf("*/", p + 2);
        p = close < 0 ? this.text.length : close + 2;
        continue;
      }
      p++;
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) break;
    }
    if (depth > 0) {
      this.openAtEof = true;
      this.error(start, this.text.length, `unterminated ${keyword} definition: expected '}'`);
    }
    this.pos = p;
    // __attribute__((packed)) after the closing brace.
    for (;;) {
      const q = this.skipLayoutFrom(this.pos);
      if (!this.text.startsWith("__attribute__", q)) break;
      let r = this.skipLayoutFrom(q + "__attribute__".length);
      if (this.text[r] !== "(") break;
      let d = 0;
      for (; r < this.text.length; r++) {
        if (this.text[r] === "(") d++;
        else if (this.text[r] === ")" && --d === 0) break;
      }
      this.pos = Math.min(r + 1, this.text.length);
    }
    const textEnd = this.pos;
    const q = this.skipLayoutFrom(this.pos);
    if (this.text[q] === ";") this.pos = q + 1;
    this.structs.push({
      kind: "StructDef",
      name: name === null ? keyword : `${name[1]} ${name[2]}`,
      text: this.text.slice(start, textEnd),
      span: this.src.span(start, textEnd),
    });
  }

  // ---- tokens ----

  /** The next token in `mode`, or undefined at the end of the input. */
  private lex(mode: Mode): Token | undefined {
    const text = this.text;
    for (;;) {
      this.skipLayout();
      const start = this.pos;
      if (start >= text.length) return undefined;
      const c = text[start] as string;
      if (isWordStart(c)) {
        let i = start + 1;
        while (isWordChar(text[i])) i++;
        this.pos = i;
        const word = text.slice(start, i);
        return this.token(T.keywords.get(word) ?? T.Ident, start, i);
      }
      if (isDigit(c)) {
        const r = scanInteger(text, start);
        this.problems(r.problems);
        this.pos = r.end;
        return this.token(T.IntLit, start, r.end, { value: r.value });
      }
      if (c === '"') {
        const r = scanString(text, start);
        this.problems(r.problems);
        if (r.openAtEof) this.openAtEof = true;
        this.pos = r.end;
        return this.token(T.StringLit, start, r.end, { value: r.value });
      }
      if (c === "'") return this.charLiteral(start);
      if (c === "$") {
        let i = start + 1;
        if (text[i] === "#") {
          this.pos = i + 1;
          return this.token(T.Positional, start, i + 1, { index: 0 });
        }
        if (isDigit(text[i])) {
          while (isDigit(text[i])) i++;
          this.pos = i;
          const index = Number(text.slice(start + 1, i));
          if (index < 1 || !Number.isSafeInteger(index)) {
            this.error(start, i, `invalid positional parameter '${text.slice(start, i)}': they start at $1`);
          }
          return this.token(T.Positional, start, i, { index });
        }
        while (isWordChar(text[i])) i++;
        this.pos = i;
        if (i === start + 1) this.error(start, i, "expected a variable name after '$'");
        return this.token(T.VarName, start, i);
      }
      if (c === "@") {
        let i = start + 1;
        if (isWordStart(text[i])) while (isWordChar(text[i])) i++;
        this.pos = i;
        return this.token(T.MapName, start, i);
      }
      if (c === "/" && mode === "pred") {
        const after = this.skipLayoutFrom(start + 1);
        if (text[after] === "{" || after >= text.length) {
          this.pos = start + 1;
          return this.token(T.PredEnd, start, start + 1);
        }
      }
      for (const [p, type] of T.punctuation) {
        if (text.startsWith(p, start)) {
          this.pos = start + p.length;
          return this.token(type, start, this.pos);
        }
      }
      this.pos = start + 1;
      const hints = c === "#" ? ["preprocessor lines must come before the probes"] : [];
      this.error(start, start + 1, `unexpected character '${c}'`, hints);
    }
  }

  /** bpftrace has no character literals; say so, and go on with the character's code. */
  private charLiteral(start: number): Token {
    const text = this.text;
    let i = start + 1;
    let value = "";
    while (i < text.length && text[i] !== "'" && text[i] !== "\n") {
      if (text[i] === "\\" && i + 1 < text.length) {
        const e = text[i + 1] as string;
        value += ({ n: "\n", t: "\t", r: "\r", "0": "\0", "\\": "\\", "'": "'" } as Record<string, string>)[e] ?? e;
        i += 2;
      } else {
        value += text[i];
        i++;
      }
    }
    const closed = text[i] === "'";
    const end = closed ? i + 1 : i;
    this.pos = end;
    const code = value.length > 0 ? value.charCodeAt(0) : 0;
    this.error(start, end, "character literals are not supported", [
      value.length === 1 ? `use the character code instead: ${code} for ${text.slice(start, end)}` : "use the character code instead, e.g. 65 for 'A'",
    ]);
    return this.token(T.IntLit, start, end, { value: BigInt(code) });
  }

  private unlex(t: Token, save: number): void {
    this.pos = save;
    if (this.all[this.all.length - 1] === t) this.all.pop();
  }

  private token(type: TokenType, start: number, end: number, payload?: TokenPayload): Token {
    const a = this.src.position(start);
    const b = this.src.position(Math.max(start, end - 1));
    const t = createTokenInstance(type, this.text.slice(start, end), start, end - 1, a.line, b.line, a.col, b.col) as Token;
    t.endExclusive = end;
    if (payload !== undefined) t.payload = payload;
    this.all.push(t);
    return t;
  }

  // ---- layout ----

  private skipLayout(): void {
    this.pos = this.skipLayoutFrom(this.pos, true);
  }

  /** Skip whitespace and comments from `p`; `report` records an unterminated comment. */
  private skipLayoutFrom(p: number, report = false): number {
    const text = this.text;
    while (p < text.length) {
      const c = text[p];
      if (isSpace(c)) {
        p++;
      } else if (c === "/" && text[p + 1] === "/") {
        while (p < text.length && text[p] !== "\n") p++;
      } else if (c === "/" && text[p + 1] === "*") {
        const close = text.indexOf("*/", p + 2);
        if (close < 0) {
          if (report) {
            this.openAtEof = true;
            this.error(p, p + 2, "unterminated comment: expected '*/'");
          }
          return text.length;
        }
        p = close + 2;
      } else {
        break;
      }
    }
    return p;
  }

  private peekWord(): string {
    let i = this.pos;
    while (isWordChar(this.text[i])) i++;
    return this.text.slice(this.pos, i);
  }

  private problems(ps: readonly LiteralProblem[]): void {
    for (const p of ps) this.error(p.start, p.end, p.message, p.hints ?? []);
  }

  private error(start: number, end: number, message: string, hints: readonly string[] = []): void {
    this.diags.push(diagnostic("ParseError", this.src.span(start, end), message, hints));
  }
}
