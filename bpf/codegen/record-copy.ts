// Codegen of struct values (bpf/check/record-value.ts): the bytes of a struct copied whole
// into a stack or scratch slot, for print(), a map value or an event record.
//
//   args                   the probe's arguments, copied by its kind (bpf/probes/args.ts):
//                          the trace record and its __data_loc strings (tracepoint), the
//                          u64 argument array (rawtracepoint, fentry)
//   *p, p->member, ...     the struct's address (recordAddress), then bpf_probe_read_kernel
//                          or _user, by the address space of the pointer
//
// Values that already live in slots (variables, map values, blocks) are copied by the
// generator's own cases; this returns false for them.
import { asm, R0, R1, R2, R3, H } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { type Type, inMemory, sizeOf, tupleLayout } from "../types/types.ts";
import { CodegenError } from "../types/errors.ts";
import type { GenContext } from "./emit-context.ts";
import { kindOf } from "../probes/index.ts";
import { argCode } from "./arg-code.ts";
import { helperErrorCheck } from "../functions/helper-errors.ts";

type RecordType = Extract<Type, { k: "record" }>;

/** Store struct value `x` at r10+off, laid out as `t`; false when `x` is not a struct source. */
export function storeRecord(g: GenContext, x: A.Expr, off: number, t: RecordType): boolean {
  const { e } = g;
  if (x.kind === "IdentExpr" && x.name === "args") {
    // the probe's kind copies its own arguments (bpf/probes/args.ts)
    const fields = kindOf(g.cp.concrete).args.fields;
    if (!fields) return false;
    fields.record(g.cp.concrete, off, t, argCode(g, x.span));
    return true;
  }
  const src = g.cp.rewrites.get(x) ?? x;
  // a variable's own type (the checker types a printed variable as the struct it holds)
  const st = src.kind === "VarExpr" ? g.variable(src, src.name).type : g.type(src);
  // a variable holding a struct by its address (`$s = *$p`)
  const held = st.k === "ptr" && st.byValue === true;
  const fromMemory = held || inMemory(st) || (src.kind === "UnaryExpr" && src.op === "*") || (src.kind === "FieldExpr" && g.cp.fields.has(src));
  if (!fromMemory) return false;
  e.zero(off, t.size); // before the address: a large zero is a helper call
  let user: boolean;
  const ot = src.kind === "UnaryExpr" ? g.type(src.operand) : undefined;
  if (held) {
    g.scalar(src);
    user = st.user;
  } else if (src.kind === "UnaryExpr" && ot?.k === "ptr") {
    // `*p`: the pointer says which address space the struct is in
    g.scalar(src.operand);
    user = ot.user;
  } else user = g.recordAddress(src);
  e.emit(asm.mov(R3, R0));
  e.stackAddr(R1, off);
  const helper = user ? H.probe_read_user : H.probe_read_kernel;
  e.emit(asm.movImm(R2, t.size), asm.call(helper));
  helperErrorCheck(g, helper, x.span);
  return true;
}

/**
 * Record literals `(a = 1, b = "x")`: each element into the field of `t` with its name, in
 * the order written (a variable's record type may list the fields in another order).
 */
export function storeRecordLiteral(g: GenContext, x: A.TupleExpr, off: number, t: RecordType): void {
  g.e.zero(off, sizeOf(t));
  x.elements.forEach((el, i) => {
    const f = t.fields?.find((y) => y.name === x.names![i]);
    if (!f) throw new CodegenError(`the record has no field '${x.names![i]}'`, el.span);
    g.storeInto(el, off + f.offset, f.type);
  });
}

/** A record value held in a slot, as a tuple is (a record literal, not `args` or a struct in memory). */
export function heldRecord(object: A.Expr, t: Type): boolean {
  return t.k === "record" && t.btfId === undefined && t.layout === undefined && !(object.kind === "IdentExpr" && object.name === "args");
}

/** The offset of field `name` (a record's) or `.N` (a tuple's) in a value held in a slot. */
export function heldFieldOffset(t: Type, name: string): number {
  if (t.k === "record") return t.fields!.find((f) => f.name === name)!.offset;
  return tupleLayout((t as Extract<Type, { k: "tuple" }>).elements).offsets[Number(name)]!;
}
