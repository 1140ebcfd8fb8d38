// Kernel structs through BTF in the generator (checked in bpf/check/kernel-access.ts): the
// address a struct expression evaluates to, members read through probe_read_kernel or
// _user by the pointer's address space, bitfields shifted and masked.
import { asm, H, R0, R1, R2, R3, R6, R10 } from "../asm/index.ts";
import { ProgType } from "../types/abi.ts";
import type * as A from "../lang/ast.ts";
import type { BtfField } from "../btf/btf-types.ts";
import { CodegenError } from "../types/errors.ts";
import { type Type, isScalar, sizeOf, typeName } from "../types/types.ts";
import { constInt } from "../lang/const-fold.ts";
import type { GenContext } from "./emit-context.ts";
import { runtimeWarning } from "../functions/output.ts";
import { helperErrorCheck } from "../functions/helper-errors.ts";

/** r0 = address of the kernel struct `x` evaluates to; returns whether it is in user memory. */
export function recordAddress(g: GenContext, x: A.Expr): boolean {
  const t = g.type(x);
  const user = t.k === "record" ? (t.user ?? false) : false;
  const member = x.kind === "FieldExpr" ? g.cp.fields.get(x) : undefined;
  if (x.kind === "FieldExpr" && member) return memberAddress(g, x, member);
  if (x.kind === "UnaryExpr" && x.op === "*") {
    g.scalar(x.operand);
    return user;
  }
  // an element of a member array of structs (`$c->w[2].a`): the array's address plus i elements
  const arr = x.kind === "IndexExpr" && x.object.kind === "FieldExpr" ? g.cp.fields.get(x.object) : undefined;
  if (x.kind === "IndexExpr" && x.object.kind === "FieldExpr" && arr?.type.k === "array") {
    const tmp = g.frame.alloc(8);
    g.scalar(x.index);
    g.e.emit(asm.mulImm(R0, sizeOf(arr.type.element)), asm.stx(8, R10, tmp, R0));
    const inUser = memberAddress(g, x.object, arr);
    g.e.emit(asm.ldx(8, R1, R10, tmp), asm.add(R0, R1));
    return inUser;
  }
  // an element of an array of structs held in a slot (`$w[2].a` after `$w = $c->w`, a map
  // value): the slot's address plus i elements, read through probe_read_kernel like any
  // kernel address; an index past the end gives NULL, whose reads are zero
  const held = x.kind === "IndexExpr" ? g.type(x.object) : undefined;
  if (x.kind === "IndexExpr" && held?.k === "array") return heldElementAddress(g, x, held);
  throw new CodegenError(`a ${typeName(t)} value can only be used through its fields here`, x.span);
}

function heldElementAddress(g: GenContext, x: A.IndexExpr, t: Extract<Type, { k: "array" }>): false {
  const { e } = g;
  const off = g.value(x.object);
  const es = sizeOf(t.element);
  const i = constInt(x.index, g.shared.positional);
  if (i !== undefined) {
    if (i < 0n || i >= BigInt(t.length)) e.emit(asm.movImm(R0, 0));
    else e.stackAddr(R0, off + Number(i) * es);
    return false;
  }
  const out = e.label("hoob");
  const end = e.label("hend");
  g.scalar(x.index);
  e.emit(asm.jgeImm(R0, t.length, out), asm.mulImm(R0, es), asm.mov(R1, R10), asm.addImm(R1, off), asm.add(R0, R1), asm.ja(end));
  e.place(out);
  e.emit(asm.movImm(R0, 0));
  e.place(end);
  g.placeNop();
  return false;
}

/** r0 = address of the member `x` reads; returns whether it is in user memory. */
function memberAddress(g: GenContext, x: A.FieldExpr, f: BtfField): boolean {
  const ot = g.type(x.object);
  let user: boolean;
  if (ot.k === "ptr") {
    g.scalar(x.object);
    user = ot.user;
  } else user = recordAddress(g, x.object);
  if (f.offset) g.e.emit(asm.addImm(R0, f.offset));
  return user;
}

/** r0 = element x.index of the array member `obj`, read in place (the index known at run time). */
export function memberElement(g: GenContext, x: A.IndexExpr, obj: A.FieldExpr, f: BtfField): void {
  const t = g.type(x);
  const tmp = g.frame.alloc(8);
  g.scalar(x.index);
  g.e.emit(asm.stx(8, R10, tmp, R0));
  if (f.type.k === "array" && f.type.length > 0) {
    // bpftrace warns from the program (and reads the element anyway) when the index passes the end.
    const inside = g.e.label("inb");
    g.e.emit(asm.jleImm(R0, f.type.length - 1, inside));
    runtimeWarning(g, x.span, "Array access out of bounds. This can lead to unexpected results.");
    g.e.place(inside);
  }
  g.e.emit(asm.ldx(8, R0, R10, tmp), asm.mulImm(R0, sizeOf(t)), asm.stx(8, R10, tmp, R0));
  const user = memberAddress(g, obj, f);
  g.e.emit(asm.ldx(8, R1, R10, tmp), asm.add(R0, R1));
  g.readPointer(R0, 0, t, user, x.span);
}

/**
 * The offset of a member read straight from a perf_event program's `ctx` (`ctx->sample_period`,
 * `ctx->regs.ip`): the kernel rewrites those loads, since the context's memory is
 * struct bpf_perf_event_data_kern, not the struct bpf_perf_event_data BTF describes, so
 * a probe read there would see other fields. Undefined for anything else.
 */
function perfCtxOffset(g: GenContext, x: A.FieldExpr): number | undefined {
  if (g.probe.progType !== ProgType.PERF_EVENT) return undefined;
  let off = 0;
  for (let cur: A.Expr = x; ; ) {
    if (cur.kind !== "FieldExpr") return undefined;
    const f = g.cp.fields.get(cur);
    if (!f || f.bits) return undefined;
    off += f.offset;
    const obj: A.Expr = cur.object;
    if (g.type(obj).k === "ptr") return obj.kind === "IdentExpr" && obj.name === "ctx" && !g.cp.rewrites.has(obj) ? off : undefined;
    cur = obj;
  }
}

/** r0 = the value of a scalar member (bitfields shifted and masked); records give their address. */
export function kernelMember(g: GenContext, x: A.FieldExpr, f: BtfField): void {
  const { e } = g;
  const ctxOff = isScalar(f.type) ? perfCtxOffset(g, x) : undefined;
  if (ctxOff !== undefined) return g.loadScalar(R0, R6, ctxOff, f.type);
  const user = memberAddress(g, x, f);
  if (f.type.k === "record") return;
  if (!isScalar(f.type)) throw new CodegenError(`${typeName(f.type)} member '${x.field}' cannot be used as a number`, x.span);
  if (!f.bits) return g.readPointer(R0, 0, f.type, user, x.span);
  g.readPointer(R0, 0, { k: "int", bits: (f.bits.loadSize * 8) as 8 | 16 | 32 | 64, signed: false }, user, x.span);
  if (f.bits.shift) e.emit(asm.rshImm(R0, f.bits.shift));
  const drop = 64 - f.bits.width;
  e.emit(asm.lshImm(R0, drop), asm.rshImm(R0, drop));
}

/** Copy a string or array member into r10+off (at most `size` bytes, zero-filled). */
export function kernelMemberBytes(g: GenContext, x: A.FieldExpr, f: BtfField, off: number, size: number): void {
  const { e } = g;
  e.zero(off, size); // before the address: a large zero is a helper call
  const user = memberAddress(g, x, f);
  e.emit(asm.mov(R3, R0));
  e.stackAddr(R1, off);
  const helper = user ? H.probe_read_user : H.probe_read_kernel;
  e.emit(asm.movImm(R2, Math.min(size, sizeOf(f.type))), asm.call(helper));
  helperErrorCheck(g, helper, x.span);
}
