// tokenAt: the token under (or just before) a cursor, for completion and inspection.
// Attach points are single tokens, so `tracepoint:syscalls:sys_enter_op|` completes as
// one probe name.
import { scan } from "./lexer.ts";
import { SourceText } from "./source.ts";
import * as T from "./tokens.ts";
import type { Token } from "./tokens.ts";

export interface TokenAtCursor {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly kind: "probe" | "ident" | "map" | "var" | "other";
}

function kindOf(t: Token): TokenAtCursor["kind"] {
  const type = t.tokenType;
  if (type === T.AttachPointTok) return "probe";
  if (type === T.MapName) return "map";
  if (type === T.VarName) return "var";
  if (type === T.Ident || T.keywords.get(t.image) === type) return "ident";
  return "other";
}

/**
 * The token containing `offset`, or ending exactly at it (the cursor just after a word).
 * Undefined in whitespace, comments, or outside the text. Never throws.
 */
export function tokenAt(source: string, offset: number): TokenAtCursor | undefined {
  try {
    if (!Number.isFinite(offset) || offset < 0 || offset > source.length) return undefined;
    const { tokens } = scan(new SourceText(source));
    let touching: Token | undefined;
    for (const t of tokens) {
      if (t.startOffset <= offset && offset < t.endExclusive) {
        touching = t;
        break;
      }
      if (t.endExclusive === offset) touching = t;
      if (t.startOffset > offset) break;
    }
    if (touching === undefined) return undefined;
    return { text: touching.image, start: touching.startOffset, end: touching.endExclusive, kind: kindOf(touching) };
  } catch {
    return undefined;
  }
}
