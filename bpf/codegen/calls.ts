// Calls in the generator: every call is emitted by its row (bpf/functions/) — as a number
// in r0, a value on the stack, or a statement. A row without the hook a use needs is not
// supported there.
import { asm, R0, R10 } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { type Type, isScalar } from "../types/types.ts";
import { CodegenError } from "../types/errors.ts";
import { functions } from "../functions/index.ts";
import type { GenContext } from "./emit-context.ts";

/** r0 = the call's value. */
export function callScalar(g: GenContext, x: A.CallExpr): void {
  const emit = functions.get(x.callee)?.emit;
  if (emit?.scalar) return emit.scalar(g, x);
  if (isScalar(g.type(x))) throw new CodegenError(`${x.callee}() is not supported yet`, x.span);
  throw new CodegenError(`${x.callee}() has no numeric value`, x.span);
}

/** The call's value at r10+off, laid out as `t`. */
export function callValue(g: GenContext, x: A.CallExpr, off: number, t: Type): void {
  const emit = functions.get(x.callee)?.emit;
  if (emit?.value) return emit.value(g, x, off, t);
  if (isScalar(t)) {
    callScalar(g, x);
    g.e.emit(asm.stx(8, R10, off, R0));
    return;
  }
  throw new CodegenError(`${x.callee}() is not supported yet`, x.span);
}

/** The call as a statement; a call without a statement of its own is evaluated and dropped. */
export function callStmt(g: GenContext, x: A.CallExpr): void {
  const emit = functions.get(x.callee)?.emit;
  if (emit?.stmt) return emit.stmt(g, x);
  // a call with no value and no statement hook has nothing to emit (discarding it would come back here)
  if (g.type(x).k === "none") throw new CodegenError(`${x.callee}() is not supported yet`, x.span);
  g.discard(x);
}
