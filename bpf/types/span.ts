// Source spans: where in a cell a node, a diagnostic or an error points.

/** A source range. Lines and columns are 1-based; offsets are 0-based, end exclusive. */
export interface Span {
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  readonly offset: number;
  readonly endOffset: number;
  /**
   * Set on what a macro's body put at a call: that call (itself inlined from a call when
   * the macro was called from another macro's body). bpftrace's "expanded from" chain.
   */
  readonly from?: Span;
}
