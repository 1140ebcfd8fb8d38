// A tuple value re-laid out as another tuple type of the same shape: a variable whose
// elements grew (`$a = ("hi", 1); $a = ("hellolongstr", 2)`), a tuple of narrow integers
// stored as a map key whose integers are 64 bits. Integers are loaded at their width and
// sign and stored at the new one; strings and other bytes are copied, cut or zero-padded.
import { asm, R0, R10 } from "../asm/index.ts";
import { type Type, isScalar, sizeOf, tupleLayout } from "../types/types.ts";
import type { GenContext } from "./emit-context.ts";

type Tuple = Extract<Type, { k: "tuple" }>;

/** Write the tuple at r10+src (laid out as `from`) at r10+dst, laid out as `to`. */
export function convertTuple(g: GenContext, src: number, from: Tuple, dst: number, to: Tuple): void {
  const a = tupleLayout(from.elements).offsets;
  const b = tupleLayout(to.elements).offsets;
  g.e.zero(dst, sizeOf(to));
  to.elements.forEach((te, i) => {
    const fe = from.elements[i];
    if (!fe) return;
    const s = src + a[i]!;
    const d = dst + b[i]!;
    if (fe.k === "tuple" && te.k === "tuple") return convertTuple(g, s, fe, d, te);
    if (isScalar(te) && isScalar(fe)) {
      g.loadScalar(R0, R10, s, fe);
      g.e.emit(asm.stx(Math.min(8, sizeOf(te)) as 1 | 2 | 4 | 8, R10, d, R0));
      return;
    }
    g.e.copy(R10, d, R10, s, Math.min(sizeOf(fe), sizeOf(te)));
  });
}
