// Offsets to line:col. Every span in the AST and in parse diagnostics is built here
// from 0-based offsets, so tokens only need to carry offsets.
import type { Span } from "./ast.ts";

export class SourceText {
  readonly text: string;
  private readonly lineStarts: number[];

  constructor(text: string) {
    this.text = text;
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** 1-based line and column of an offset (clamped to the text). */
  position(offset: number): { line: number; col: number } {
    const off = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: off - (this.lineStarts[lo] ?? 0) + 1 };
  }

  /** A span over [start, end). */
  span(start: number, end: number): Span {
    if (!Number.isFinite(start)) start = Number.isFinite(end) ? end : this.text.length;
    if (!Number.isFinite(end)) end = start;
    const s = Math.max(0, Math.min(start, this.text.length));
    const e = Math.max(s, Math.min(end, this.text.length));
    const a = this.position(s);
    const b = this.position(e);
    return { line: a.line, col: a.col, endLine: b.line, endCol: b.col, offset: s, endOffset: e };
  }
}

/** The smallest span covering both. */
export function joinSpans(a: Span, b: Span): Span {
  const first = a.offset <= b.offset ? a : b;
  const last = a.endOffset >= b.endOffset ? a : b;
  return {
    line: first.line,
    col: first.col,
    endLine: last.endLine,
    endCol: last.endCol,
    offset: first.offset,
    endOffset: last.endOffset,
  };
}
