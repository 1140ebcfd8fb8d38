// parse(): source text → Program + diagnostics. Never throws.
import { EOF, type IRecognitionException } from "chevrotain";
import type * as A from "./ast.ts";
import { diagnostic, type Diagnostic } from "../types/diagnostic.ts";
import { lexFragment, scan, type ScanItem, type ScanOptions } from "./lexer.ts";
import { Grammar } from "./parser.ts";
import { SourceText } from "./source.ts";
import * as T from "./tokens.ts";

export type ParseOptions = ScanOptions;

export interface ParseResult {
  readonly program: A.Program | undefined;
  readonly diagnostics: Diagnostic[];
}

let fast: Grammar | undefined;
let recovering: Grammar | undefined;

/**
 * The grammars are built once: chevrotain's self-analysis is the expensive part. An item
 * is parsed without error recovery first; only an item with a syntax error is parsed
 * again with it (for its diagnostics and the placeholders that let checking go on), so
 * a correct program never pays for the recovery's follow sets.
 */
function getGrammar(recover: boolean): Grammar {
  if (recover) return (recovering ??= new Grammar());
  return (fast ??= new Grammar({ recover: false }));
}

/** Runs `parseWith` with the fast grammar, and again with the recovering one if that saw an error. */
function withGrammar<R>(src: SourceText, tokens: readonly T.Token[], parseWith: (g: Grammar) => R): { g: Grammar; result: R } {
  let g = getGrammar(false);
  g.load(src, tokens);
  let result = parseWith(g);
  if (g.errors.length > 0) {
    g = getGrammar(true);
    g.load(src, tokens);
    result = parseWith(g);
  }
  return { g, result };
}

/**
 * Parse a Tracebook (bpftrace) program. Returns every diagnostic found (errors and
 * warnings, in source order) and the program built despite them; `program` is
 * undefined only if the parser itself failed.
 */
export function parse(source: string, options: ParseOptions = {}): ParseResult {
  const src = new SourceText(typeof source === "string" ? source : String(source));
  try {
    return parseSource(src, options);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return {
      program: undefined,
      diagnostics: [diagnostic("ParseError", src.span(0, 0), `internal parser error: ${msg}`)],
    };
  }
}

function parseSource(src: SourceText, options: ParseOptions): ParseResult {
  const scanned = scan(src, options);
  const diagnostics: Diagnostic[] = [...scanned.diagnostics];
  const probes: A.Probe[] = [];
  const config: A.ConfigItem[] = [];
  const mapDecls: A.MapDecl[] = [];
  const functions: A.FunctionDef[] = [];
  const macros: A.MacroDef[] = [];
  for (const item of scanned.items) {
    const { g, result: keep } = withGrammar(src, item.tokens, (g) => parseItem(g, item));
    keep();
    if (!item.invalidHeader) {
      const found = [...recognitionErrors(src, item, g.errors, scanned.openAtEof), ...g.extra];
      diagnostics.push(...withoutCascades(item, found));
    }
  }
  /** One item into the lists above (what a second, recovering parse builds replaces it). */
  function parseItem(g: Grammar, item: ScanItem): () => void {
    switch (item.kind) {
      case "probe": {
        const p = g.probe();
        return () => void (p !== undefined && probes.push(p));
      }
      case "config": {
        const items = g.configBlock();
        return () => void (Array.isArray(items) && config.push(...items));
      }
      case "mapDecl": {
        const d = g.mapDecl();
        return () => void (d !== undefined && mapDecls.push(d));
      }
      case "fn": {
        const f = g.fnDef();
        return () => void (f !== undefined && functions.push(f));
      }
      case "macro": {
        const m = g.macroDef();
        return () => void (m !== undefined && macros.push(valued(m, item)));
      }
      case "import": {
        const at = g.importStmt();
        return () => {
          if (at !== undefined) {
            diagnostics.push(diagnostic("ParseError", at, "import is not supported", [
              "put the code in the cell, or run the other file's cell first",
            ]));
          }
        };
      }
    }
    return () => {};
  }
  const program: A.Program = {
    kind: "Program",
    includes: scanned.includes,
    structs: scanned.structs,
    config,
    mapDecls,
    functions,
    probes,
    span: src.span(0, src.text.length),
    defines: scanned.defines,
    includeDirectives: scanned.includeDirectives,
    macros,
  };
  return { program, diagnostics: sortAndDedupe(diagnostics) };
}

/** A macro whose body ends in an expression without ';' has that expression as its value. */
function valued(m: A.MacroDef, item: ScanItem): A.MacroDef {
  const last = m.body.statements[m.body.statements.length - 1];
  if (last?.kind !== "ExprStmt") return m;
  const close = item.tokens.findIndex((t) => t.tokenType === T.RCurly && t.endExclusive === m.body.span.endOffset);
  const before = item.tokens[close - 1];
  return before === undefined || before.tokenType === T.Semi ? m : { ...m, valued: true };
}

/**
 * Parse one expression (a #define's replacement text). Spans are offsets into `text`.
 * Never throws; `expr` is undefined when the text is not exactly one expression.
 */
export function parseExpression(text: string): { expr: A.Expr | undefined; diagnostics: Diagnostic[] } {
  const src = new SourceText(text);
  try {
    const lexed = lexFragment(src);
    if (lexed.tokens.length === 0) return { expr: undefined, diagnostics: lexed.diagnostics };
    const { g, result: expr } = withGrammar(src, lexed.tokens, (g) => g.expression());
    const errors = [...lexed.diagnostics, ...g.errors.map((e) => diagnostic("ParseError", src.span(0, text.length), e.message)), ...g.extra];
    return { expr: errors.length === 0 ? expr : undefined, diagnostics: errors };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { expr: undefined, diagnostics: [diagnostic("ParseError", src.span(0, 0), `internal parser error: ${msg}`)] };
  }
}

function recognitionErrors(
  src: SourceText,
  item: ScanItem,
  errors: readonly IRecognitionException[],
  openAtEof: boolean,
): Diagnostic[] {
  // "unexpected x" after the end of an item only repeats an earlier error in it.
  const relevant = errors.length > 1 ? errors.filter((e) => e.name !== "NotAllInputParsedException") : errors;
  const last = item.tokens[item.tokens.length - 1];
  const endOfItem = last === undefined ? 0 : last.endExclusive;
  const out: Diagnostic[] = [];
  for (const e of relevant) {
    const t = e.token;
    const atEof = t.tokenType === EOF || !Number.isFinite(t.startOffset);
    // An unterminated string or comment was reported; what it swallowed is not news.
    if (atEof && openAtEof) continue;
    const span = atEof ? src.span(endOfItem, endOfItem) : src.span(t.startOffset, t.startOffset + t.image.length);
    // The end of an item is not the end of the input when another item follows.
    const moreInput = src.text.slice(endOfItem).trim() !== "";
    const message = atEof && moreInput ? e.message.replace(/, found end of input$/, "") : e.message;
    out.push(diagnostic("ParseError", span, message));
  }
  return out;
}

/**
 * Drop errors that follow an earlier one within three tokens: after a syntax error the
 * next few tokens are usually misread, and reporting them only buries the first.
 */
function withoutCascades(item: ScanItem, ds: Diagnostic[]): Diagnostic[] {
  const indexAt = (offset: number): number => {
    const i = item.tokens.findIndex((t) => t.endExclusive > offset);
    return i < 0 ? item.tokens.length : i;
  };
  const sorted = [...ds].sort((a, b) => a.span.offset - b.span.offset);
  const out: Diagnostic[] = [];
  let lastIndex = -Infinity;
  for (const d of sorted) {
    const i = indexAt(d.span.offset);
    if (i - lastIndex <= 3 && out.length > 0) continue;
    out.push(d);
    lastIndex = i;
  }
  return out;
}

function sortAndDedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  const sorted = ds.map((d, i) => ({ d, i })).sort((a, b) => a.d.span.offset - b.d.span.offset || a.i - b.i);
  for (const { d } of sorted) {
    const key = `${d.span.offset}:${d.span.endOffset}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}
