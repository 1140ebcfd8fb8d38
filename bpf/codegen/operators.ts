// Binary operators in the generator: integer arithmetic (x/0 and x%0 are 1 with a warning,
// as bpftrace has them), shifts and bitwise operators, comparisons (signed when both sides are), logic
// through control flow, and string equality byte by byte.
import { asm, R0, R1, R2, R10 } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { pointerStep, sizeOf } from "../types/types.ts";
import { compareBytes } from "../functions/byte-loops.ts";
import { runtimeWarning } from "../functions/output.ts";
import type { GenContext } from "./emit-context.ts";

/** r0 = `left OP right`: arithmetic, comparisons (strings compared bytewise), logic. */
export function binary(g: GenContext, x: A.BinaryExpr): void {
  const { e } = g;
  if (x.op === "&&" || x.op === "||" || ["==", "!=", "<", "<=", ">", ">="].includes(x.op)) {
    const lt = g.type(x.left);
    if ((lt.k === "string" || lt.k === "buffer") && (x.op === "==" || x.op === "!=")) {
      if (lt.k === "buffer") bufferEquals(g, x.left, x.right);
      else stringEquals(g, x.left, x.right);
      if (x.op === "!=") e.emit(asm.xorImm(R0, 1));
      return;
    }
    if (lt.k === "array" && (x.op === "==" || x.op === "!=")) {
      arrayEquals(g, x.left, x.right);
      if (x.op === "!=") e.emit(asm.xorImm(R0, 1));
      return;
    }
    if (x.op === "&&" || x.op === "||") {
      const f = e.label("bf");
      const end = e.label("be");
      g.cond(x, f);
      e.emit(asm.movImm(R0, 1), asm.ja(end));
      e.place(f);
      e.emit(asm.movImm(R0, 0));
      e.place(end);
      g.placeNop();
      return;
    }
  }
  const rc = x.right.kind === "IntLit" && x.right.value >= -0x80000000n && x.right.value <= 0x7fffffffn ? x.right.value : undefined;
  const signed = isSigned(g, x.left) && isSigned(g, x.right);
  if (rc !== undefined) {
    g.scalar(x.left);
    e.emit(asm.mov(R1, R0), asm.movImm(R2, rc));
  } else {
    g.scalar(x.left);
    const tmp = g.frame.alloc(8);
    e.emit(asm.stx(8, R10, tmp, R0));
    g.scalar(x.right);
    e.emit(asm.mov(R2, R0), asm.ldx(8, R1, R10, tmp));
  }
  // r1 = left, r2 = right → r0
  if (x.op === "+" || x.op === "-") scalePointerOperand(g, x);
  switch (x.op) {
    case "+": e.emit(asm.mov(R0, R1), asm.add(R0, R2)); return;
    case "-": e.emit(asm.mov(R0, R1), asm.sub(R0, R2)); return;
    case "*": e.emit(asm.mov(R0, R1), asm.mul(R0, R2)); return;
    case "/":
    case "%": {
      // Division by zero: the kernel defines x/0 = 0 and x%0 = x; bpftrace gives 1 for both,
      // with a warning from the program (the registers are free again after it).
      const end = e.label("dive");
      const divide = e.label("divn");
      e.emit(asm.jneImm(R2, 0, divide));
      runtimeWarning(g, x.span, "Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.");
      e.emit(asm.movImm(R0, 1), asm.ja(end));
      e.place(divide);
      if (signed) e.emit(asm.mov(R0, R1), x.op === "/" ? asm.sdiv(R0, R2) : asm.smod(R0, R2));
      else e.emit(asm.mov(R0, R1), x.op === "/" ? asm.div(R0, R2) : asm.mod(R0, R2));
      e.place(end);
      g.placeNop();
      return;
    }
    case "&": e.emit(asm.mov(R0, R1), asm.and(R0, R2)); return;
    case "|": e.emit(asm.mov(R0, R1), asm.or(R0, R2)); return;
    case "^": e.emit(asm.mov(R0, R1), asm.xor(R0, R2)); return;
    case "<<": e.emit(asm.mov(R0, R1), asm.lsh(R0, R2)); return;
    case ">>": e.emit(asm.mov(R0, R1), signed ? asm.arsh(R0, R2) : asm.rsh(R0, R2)); return;
    default: {
      const ops: Record<string, string> = signed
        ? { "==": "jeq", "!=": "jne", "<": "jslt", "<=": "jsle", ">": "jsgt", ">=": "jsge" }
        : { "==": "jeq", "!=": "jne", "<": "jlt", "<=": "jle", ">": "jgt", ">=": "jge" };
      const yes = e.label("cmp");
      e.emit(asm.movImm(R0, 1), asm.jmp(ops[x.op]! as "jeq", R1, R2, yes), asm.movImm(R0, 0));
      e.place(yes);
      g.placeNop();
    }
  }
}

/**
 * C's pointer arithmetic, as bpftrace does it: `p + n` and `p - n` move by n elements, so
 * the integer side (r2 or r1) is multiplied by the size of what the pointer points to.
 */
function scalePointerOperand(g: GenContext, x: A.BinaryExpr): void {
  const lt = g.type(x.left);
  const rt = g.type(x.right);
  if (lt.k === "ptr" && rt.k !== "ptr") {
    const step = pointerStep(lt);
    if (step !== 1) g.e.emit(asm.mulImm(R2, step));
  } else if (rt.k === "ptr" && lt.k !== "ptr") {
    const step = pointerStep(rt);
    if (step !== 1) g.e.emit(asm.mulImm(R1, step));
  }
}

function isSigned(g: GenContext, x: A.Expr): boolean {
  const t = g.type(x);
  if (x.kind === "IntLit") return true;
  return t.k === "int" ? t.signed : false;
}

/** r0 = 1 when the buffers have the same length and bytes (NULs included), else 0. */
function bufferEquals(g: GenContext, a: A.Expr, b: A.Expr): void {
  const { e } = g;
  const n = sizeOf(g.type(a));
  const oa = g.value(a);
  const ob = g.value(b);
  if (n !== sizeOf(g.type(b))) {
    e.emit(asm.movImm(R0, 0));
    return;
  }
  const ne = e.label("bne");
  // buffers are at most max_strlen bytes: unrolled, no loop for the verifier to walk
  for (let i = 0; i < n; i++) e.emit(asm.ldx(1, R1, R10, oa + i), asm.ldx(1, R2, R10, ob + i), asm.jne(R1, R2, ne));
  g.flag(1, ne, 0);
}

/** r0 = 1 when the strings are equal (bytes up to the first NUL), else 0. */
function stringEquals(g: GenContext, a: A.Expr, b: A.Expr): void {
  const { e } = g;
  const ta = g.type(a);
  const tb = g.type(b);
  // A literal on either side: compare its bytes and its NUL, nothing more.
  const [dyn, lit] = b.kind === "StrLit" ? [a, b] : a.kind === "StrLit" ? [b, a] : [a, undefined];
  const ne = e.label("sne");
  const end = e.label("seq");
  if (lit) {
    const off = g.value(dyn);
    const bytes = Buffer.from((lit as A.StrLit).value);
    const size = sizeOf(g.type(dyn));
    // the literal and its NUL do not fit: never equal (and no compare, so no dead code)
    if (bytes.length >= size) return void e.emit(asm.movImm(R0, 0));
    const n = Math.min(bytes.length + 1, size);
    for (let i = 0; i < n; i++) {
      e.emit(asm.ldx(1, R1, R10, off + i), asm.jneImm(R1, i < bytes.length ? bytes[i]! : 0, ne));
    }
  } else {
    const oa = g.value(a);
    const ob = g.value(b);
    const n = Math.min(sizeOf(ta), sizeOf(tb));
    compareBytes(e, oa, ob, n, ne, end);
  }
  e.place(end);
  g.flag(1, ne, 0);
}

/**
 * r0 = 1 when two arrays of the same type hold the same bytes, else 0. Compared in the
 * widest words both copies' alignment allows: the verifier refuses misaligned stack loads.
 */
function arrayEquals(g: GenContext, a: A.Expr, b: A.Expr): void {
  const { e } = g;
  const n = sizeOf(g.type(a));
  const oa = g.value(a);
  const ob = g.value(b);
  const ne = e.label("ane");
  for (let i = 0; i < n; ) {
    const w = ([8, 4, 2, 1] as const).find((k) => k <= n - i && (oa + i) % k === 0 && (ob + i) % k === 0)!;
    e.emit(asm.ldx(w, R1, R10, oa + i), asm.ldx(w, R2, R10, ob + i), asm.jne(R1, R2, ne));
    i += w;
  }
  g.flag(1, ne, 0);
}
