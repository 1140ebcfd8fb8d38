// BTF and bpf_func_info for a program with subprograms. The verifier refuses a
// BPF_PSEUDO_FUNC reference without func_info ("missing btf func_info") and wants every
// callback to be a static function ("callback function not static"); one FUNC per
// subprogram, in instruction order, the first at offset 0, is all it checks.
import { labelSlots, type Instruction } from "../asm/index.ts";
import { BtfWriter } from "../btf/writer.ts";
import type { FuncInfo, ProgBtf } from "./spec.ts";

/** A subprogram appended after the main function; `label` is on its first instruction. */
export interface Subprog {
  readonly name: string;
  readonly label: string;
  /** Parameter names; every one is a `void *` (for_each_map_elem: map, key, value, ctx). */
  readonly params: readonly string[];
}

/**
 * The ProgBtf of `insns`: FUNC `main(void *ctx)` at slot 0, then each subprogram at the
 * slot of its label, all returning `long` with static linkage (a static main is not
 * checked against a BTF context type, which our programs do not have).
 */
export function progBtf(insns: readonly Instruction[], subprogs: readonly Subprog[]): ProgBtf {
  const labels = labelSlots(insns);
  const w = new BtfWriter();
  const long = w.int("long", 8, true);
  const voidPtr = w.ptr(0);
  const fn = (name: string, params: readonly string[]): number =>
    w.func(name, w.funcProto(long, params.map((p) => ({ name: p, type: voidPtr }))), "static");
  const funcs: FuncInfo[] = [{ insnOff: 0, typeId: fn("main", ["ctx"]) }];
  for (const s of subprogs) {
    const at = labels.get(s.label);
    if (at === undefined) throw new Error(`internal: subprogram ${s.name} has no label ${s.label}`);
    funcs.push({ insnOff: at, typeId: fn(s.name, s.params) });
  }
  funcs.sort((a, b) => a.insnOff - b.insnOff);
  return { blob: w.encode(), funcInfo: funcs };
}
