// isComplete: Jupyter's is_complete_request. A console sends the text typed so far and
// asks whether to run it ("complete"), wait for more lines ("incomplete"), or run it to
// show the error ("invalid").
import { scan } from "./lexer.ts";
import { parse } from "./parse.ts";
import { SourceText } from "./source.ts";
import * as T from "./tokens.ts";

export type Completeness = "complete" | "incomplete" | "invalid";

const closerOf = new Map([[T.LCurly, T.RCurly], [T.LParen, T.RParen], [T.LBracket, T.RBracket]]);
const closers = new Set([T.RCurly, T.RParen, T.RBracket]);

/**
 * "incomplete" while a '{', '(' or '[' is open, a string or comment is unterminated, or
 * the only errors are at the end of the input (a probe still waiting for its body);
 * "invalid" for a closer with nothing to close or any other error; "complete" otherwise
 * (including empty input). Never throws.
 */
export function isComplete(source: string): Completeness {
  try {
    if (source.trim() === "") return "complete";
    const src = new SourceText(source);
    const scanned = scan(src);
    const stack = [];
    for (const t of scanned.tokens) {
      const type = t.tokenType;
      if (closerOf.has(type)) {
        stack.push(closerOf.get(type));
      } else if (closers.has(type)) {
        if (stack.pop() !== type) return "invalid";
      }
    }
    if (scanned.openAtEof || stack.length > 0) return "incomplete";
    const errors = parse(source).diagnostics.filter((d) => d.severity === "error");
    if (errors.length === 0) return "complete";
    const end = source.trimEnd().length;
    return errors.every((d) => d.span.offset >= end) ? "incomplete" : "invalid";
  } catch {
    return "invalid";
  }
}

