// What codegen's own helpers (map-ops, for-map, record-copy, name-tables, ...) use of the
// generator: the functions' EmitContext (bpf/functions/emit-context.ts) plus the probe's
// checked AST, its variables and loops, and statements. ProbeGenerator (generator.ts)
// implements it; no helper imports the generator back.
import type { Emitter, Reg } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import type { CheckedProbe } from "../check/checker.ts";
import type { Type } from "../types/types.ts";
import type { Frame } from "./frame.ts";
import type { EmitContext } from "../functions/emit-context.ts";

export type { CallbackCode, SharedState } from "../functions/emit-context.ts";

export interface GenContext extends EmitContext {
  /** Where code goes; a for-map loop swaps in its callback's stream. */
  e: Emitter;
  readonly frame: Frame;
  readonly vars: Map<string, { off: number; type: Type }>;
  /** The slot of the variable `node` names (VarExpr, VarDeclStmt, ForRangeStmt). */
  variable(node: A.Node, name: string): { off: number; type: Type };
  loops: Loop[];
  /** Slots of the counters of the constant-bound range loops around this point (for-range.ts). */
  readonly counters: number[];
  exitLabel: string;
  readonly cp: CheckedProbe;
  block(b: A.Block): void;
  discard(x: A.Expr): void;
  /** r0 = the address of the kernel struct `x` evaluates to; whether it is in user memory. */
  recordAddress(x: A.Expr): boolean;
  /** r to the width and signedness of t. */
  truncate(r: Reg, t: Type): void;
  /** r0 = *(t *)(r + off), read through bpf_probe_read_user or _kernel; -k checks the read for `span`. */
  readPointer(r: Reg, off: number, t: Type, user: boolean, span?: A.Span): void;
}

export interface Loop {
  readonly brk: string;
  readonly cont: string;
}
