// `(int8[N])v` and `(uint8[4])$arr` in codegen (checked in bpf/check/array-cast.ts): an
// integer's bytes, or another array's, copied into the array's slot.
import { asm, R0, R10 } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { type Type, sizeOf } from "../types/types.ts";
import type { GenContext } from "./emit-context.ts";

/** `(int8[N])v`: the integer's bytes (or another array's, or a string's) into the array at r10+off. */
export function arrayCast(g: GenContext, x: A.CastExpr, off: number, t: Type): void {
  const from = g.type(x.expr);
  const size = sizeOf(t);
  if (from.k === "array" || from.k === "string") {
    const src = g.value(x.expr);
    g.e.copy(R10, off, R10, src, size);
    return;
  }
  // the integer's low `size` bytes (little-endian: its first bytes), any size up to 8
  const tmp = g.frame.alloc(8);
  g.scalar(x.expr);
  g.e.emit(asm.stx(8, R10, tmp, R0));
  g.e.copy(R10, off, R10, tmp, size);
}
