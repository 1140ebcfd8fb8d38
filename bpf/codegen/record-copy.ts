// Codegen of struct values (bpf/check/record-value.ts): the bytes of a struct copied whole
// into a stack or scratch slot, for print(), a map value or an event record.
//
//   args (tracepoint)      the trace record from the context, bpf_probe_read_kernel(ctx);
//                          each __data_loc string then read into its trailing slot
//   args (raw u64 args)    the argument array from the context (rawtracepoint, tp_btf)
//   *p, p->member, ...     the struct's address (recordAddress), then bpf_probe_read_kernel
//                          or _user, by the address space of the pointer
//
// Values that already live in slots (variables, map values, blocks) are copied by the
// generator's own cases; this returns false for them.
import { asm, R0, R1, R2, R3, R6, H } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { type Type, inMemory } from "../types/types.ts";
import type { GenContext } from "./emit-context.ts";

type RecordType = Extract<Type, { k: "record" }>;

/** Store struct value `x` at r10+off, laid out as `t`; false when `x` is not a struct source. */
export function storeRecord(g: GenContext, x: A.Expr, off: number, t: RecordType): boolean {
  const { e } = g;
  if (x.kind === "IdentExpr" && x.name === "args") {
    const ctx = g.cp.concrete.context;
    if (ctx !== "tracepoint" && ctx !== "raw_args") return false;
    e.zero(off, t.size);
    const own = g.cp.concrete.args;
    const fixed = Math.min(t.size, own?.k === "record" ? own.size : t.size);
    if (fixed > 0) {
      e.stackAddr(R1, off);
      e.emit(asm.movImm(R2, fixed), asm.mov(R3, R6), asm.call(H.probe_read_kernel));
    }
    if (ctx === "tracepoint") dataLocStrings(g, off, t);
    return true;
  }
  const src = g.cp.rewrites.get(x) ?? x;
  // a variable's own type (the checker types a printed variable as the struct it holds)
  const st = src.kind === "VarExpr" ? (g.vars.get(src.name)?.type ?? g.type(src)) : g.type(src);
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
  e.emit(asm.movImm(R2, t.size), asm.call(user ? H.probe_read_user : H.probe_read_kernel));
  return true;
}

/** Each __data_loc field: u32 (len << 16 | offset from the record start), read as a string into its trailing slot. */
function dataLocStrings(g: GenContext, off: number, t: RecordType): void {
  const { e } = g;
  const args = g.cp.concrete.args;
  for (const loc of args?.k === "record" ? (args.fields ?? []) : []) {
    if (!loc.dataLoc) continue;
    const f = t.fields?.find((x) => x.name === loc.name);
    if (!f || f.type.k !== "string") continue;
    e.emit(asm.ldx(4, R3, R6, loc.offset), asm.andImm(R3, 0xffff), asm.add(R3, R6));
    e.stackAddr(R1, off + f.offset);
    e.emit(asm.movImm(R2, f.type.size), asm.call(H.probe_read_kernel_str));
  }
}
