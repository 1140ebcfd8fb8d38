// Map operations of the generator: keys, lookups and updates, reads of plain and per-CPU
// values (combined in the kernel), assignments and compound assignments, ++/--, and
// assignments of aggregations (whose rows, bpf/functions/aggregations.ts, say how a value
// is folded in and how CPUs' copies are combined).
import { asm, type Reg, R0, R1, R2, R3, R4, R10, H } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { type MapInfo, keyLayout, isPerCpu, valueSize } from "../types/map-info.ts";
import { type Type, sizeOf, alignOf, pointerStep } from "../types/types.ts";
import { BPF_ANY } from "../types/abi.ts";
import { aggregations } from "../functions/index.ts";
import { countMapFull } from "./map-full.ts";
import { helperErrorRecord } from "../functions/helper-errors.ts";
import { CodegenError } from "../types/errors.ts";
import type { GenContext } from "./emit-context.ts";

export function mapInfo(g: GenContext, name: string, span: A.Span): MapInfo {
  const m = g.shared.maps.get(name);
  if (!m) throw new CodegenError(`unknown map ${name}`, span);
  return m;
}

/** Build the kernel key of `@m[keys]` (plus a bucket when given) in a stack slot. */
export function buildKey(g: GenContext, x: A.MapExpr, info: MapInfo): { off: number; bucketOff: number | undefined } {
  const layout = keyLayout(info);
  const off = g.frame.alloc(layout.size);
  g.e.zero(off, layout.size);
  if (info.keyTypes.length === 0) return { off, bucketOff: layout.bucketOffset !== undefined ? off + layout.bucketOffset : undefined };
  if (x.keys.length === 1 && info.keyTypes.length > 1) {
    // @m[$tuple]: one tuple-typed expression for a multi-key map
    g.storeInto(x.keys[0]!, off, { k: "tuple", elements: info.keyTypes });
  } else {
    x.keys.forEach((k, i) => g.storeInto(k, off + layout.offsets[i]!, info.keyTypes[i]!));
  }
  return { off, bucketOff: layout.bucketOffset !== undefined ? off + layout.bucketOffset : undefined };
}

/** The kernel key of `info` from one expression (`delete(@m, k)`, `has_key(@m, k)`). */
export function keyFromExpr(g: GenContext, info: MapInfo, k: A.Expr): number {
  const layout = keyLayout(info);
  const off = g.frame.alloc(layout.size);
  g.e.zero(off, layout.size);
  const t: Type = info.keyTypes.length === 1 ? info.keyTypes[0]! : { k: "tuple", elements: info.keyTypes };
  g.storeInto(k, off, t);
  return off;
}

/** r0 = lookup(@m, key at off): pointer or 0. */
export function lookup(g: GenContext, name: string, keyOff: number): void {
  g.e.emit(asm.ldMapFd(R1, name));
  g.e.stackAddr(R2, keyOff);
  g.e.emit(asm.call(H.map_lookup_elem));
}

/** update(@m, key at keyOff, value at valOff, BPF_ANY) */
export function updateElem(g: GenContext, name: string, keyOff: number, valOff: number): void {
  const { e } = g;
  e.emit(asm.ldMapFd(R1, name));
  e.stackAddr(R2, keyOff);
  e.stackAddr(R3, valOff);
  e.emit(asm.movImm(R4, BPF_ANY), asm.call(H.map_update_elem));
  countMapFull(g, name);
}

export function readMapScalar(g: GenContext, x: A.MapExpr): void {
  const { e } = g;
  const info = mapInfo(g, x.name, x.span);
  const { off } = buildKey(g, x, info);
  if (isPerCpu(info)) return readPerCpu(g, info, off);
  lookup(g, x.name, off);
  const miss = e.label("miss");
  const done = e.label("got");
  e.emit(asm.jeqImm(R0, 0, miss));
  g.loadScalar(R0, R0, 0, info.valueType);
  e.emit(asm.ja(done));
  e.place(miss);
  if (g.shared.helperChecks) {
    // bpftrace reports a lookup that found nothing with return code 0
    e.emit(asm.movImm(R1, 0));
    helperErrorRecord(g, H.map_lookup_elem, x.span);
  }
  e.emit(asm.movImm(R0, 0));
  e.place(done);
  g.placeNop();
}

/** Sum (count, sum, avg) or combine (min, max) the per-CPU copies of one key into r0. */
export function readPerCpu(g: GenContext, info: MapInfo, keyOff: number): void {
  const { e } = g;
  const agg = aggregations.get(info.valueKind);
  if (!agg?.readCpu) throw new Error(`cannot read ${info.valueKind} in the kernel`);
  const acc = g.frame.alloc(16); // value, count (avg) / set (min, max)
  e.emit(asm.st(8, R10, acc, 0), asm.st(8, R10, acc + 8, 0));
  for (let cpu = 0; cpu < g.shared.cpus; cpu++) {
    const skip = e.label("cpu");
    e.emit(asm.ldMapFd(R1, info.name));
    e.stackAddr(R2, keyOff);
    e.emit(asm.movImm(R3, cpu), asm.call(H.map_lookup_percpu_elem), asm.jeqImm(R0, 0, skip));
    e.emit(asm.ldx(8, R1, R0, 0), asm.ldx(8, R2, R10, acc));
    agg.readCpu(g, acc, skip);
    e.place(skip);
    g.placeNop();
  }
  e.emit(asm.ldx(8, R0, R10, acc));
  agg.readDone?.(g, acc);
}

export function readMapValue(g: GenContext, x: A.MapExpr, off: number, t: Type): void {
  const { e } = g;
  const info = mapInfo(g, x.name, x.span);
  const size = sizeOf(t);
  e.zero(off, size);
  const k = buildKey(g, x, info);
  lookup(g, x.name, k.off);
  const miss = e.label("vmiss");
  e.emit(asm.jeqImm(R0, 0, miss));
  e.copy(R10, off, R0, 0, Math.min(size, sizeOf(info.valueType)), R1);
  e.place(miss);
  g.placeNop();
}

export function assign(g: GenContext, st: A.AssignStmt): void {
  const { e } = g;
  const target = st.target;
  if (target.kind === "VarExpr") {
    const v = g.variable(target, target.name);
    if (st.op === "=") return g.storeInto(st.value, v.off, v.type);
    g.scalar(st.value);
    scaleForPointer(g, st.op, v.type);
    e.emit(asm.mov(R2, R0));
    g.loadScalar(R1, R10, v.off, v.type);
    compound(g, st.op, R1, R2, v.type);
    e.emit(asm.stx(Math.min(8, sizeOf(v.type)) as 8, R10, v.off, R1));
    return;
  }
  const info = mapInfo(g, target.name, target.span);
  if (info.valueKind !== "value") return aggregate(g, target, info, st.value as A.CallExpr);
  const k = buildKey(g, target, info);
  const vsize = sizeOf(info.valueType);
  const val = g.frame.alloc(Math.max(8, vsize), alignOf(info.valueType));
  if (st.op === "=") {
    g.storeInto(st.value, val, info.valueType);
  } else {
    g.scalar(st.value);
    scaleForPointer(g, st.op, info.valueType);
    const tmp = g.frame.alloc(8);
    e.emit(asm.stx(8, R10, tmp, R0));
    lookup(g, target.name, k.off);
    const miss = e.label("cmiss");
    const got = e.label("cgot");
    e.emit(asm.movImm(R1, 0), asm.jeqImm(R0, 0, miss), asm.ldx(8, R1, R0, 0), asm.ja(got));
    e.place(miss);
    e.place(got);
    e.emit(asm.ldx(8, R2, R10, tmp));
    compound(g, st.op, R1, R2, info.valueType);
    e.emit(asm.stx(8, R10, val, R1));
  }
  updateElem(g, target.name, k.off, val);
}

/** `p += n` on a pointer moves it by n elements (C's arithmetic): r0 = n * element size. */
function scaleForPointer(g: GenContext, op: string, t: Type): void {
  const step = pointerStep(t);
  if ((op === "+=" || op === "-=") && step !== 1) g.e.emit(asm.mulImm(R0, step));
}

/** r1 = r1 OP r2 */
export function compound(g: GenContext, op: string, a: Reg, b: Reg, t: Type): void {
  const signed = t.k === "int" && t.signed;
  const e = g.e;
  switch (op) {
    case "+=": e.emit(asm.add(a, b)); return;
    case "-=": e.emit(asm.sub(a, b)); return;
    case "*=": e.emit(asm.mul(a, b)); return;
    case "/=":
    case "%=": {
      const z = e.label("cdz");
      const end = e.label("cde");
      e.emit(asm.jeqImm(b, 0, z), signed ? (op === "/=" ? asm.sdiv(a, b) : asm.smod(a, b)) : op === "/=" ? asm.div(a, b) : asm.mod(a, b), asm.ja(end));
      e.place(z);
      e.emit(asm.movImm(a, 0));
      e.place(end);
      g.placeNop();
      return;
    }
    case "&=": e.emit(asm.and(a, b)); return;
    case "|=": e.emit(asm.or(a, b)); return;
    case "^=": e.emit(asm.xor(a, b)); return;
    case "<<=": e.emit(asm.lsh(a, b)); return;
    case ">>=": e.emit(signed ? asm.arsh(a, b) : asm.rsh(a, b)); return;
  }
}

export function update(g: GenContext, x: A.UpdateExpr): void {
  const { e } = g;
  const sign = x.op === "++" ? 1 : -1;
  if (x.target.kind === "VarExpr") {
    const v = g.variable(x.target, x.target.name);
    const delta = sign * pointerStep(v.type);
    g.loadScalar(R0, R10, v.off, v.type);
    e.emit(asm.mov(R1, R0), asm.addImm(R1, delta), asm.stx(Math.min(8, sizeOf(v.type)) as 8, R10, v.off, R1));
    if (x.prefix) e.emit(asm.mov(R0, R1));
    return;
  }
  const info = mapInfo(g, x.target.name, x.target.span);
  const delta = sign * pointerStep(info.valueType);
  const k = buildKey(g, x.target, info);
  const val = g.frame.alloc(8);
  const old = g.frame.alloc(8);
  lookup(g, x.target.name, k.off);
  const miss = e.label("umiss");
  e.emit(asm.movImm(R1, 0), asm.jeqImm(R0, 0, miss), asm.ldx(8, R1, R0, 0));
  e.place(miss);
  e.emit(asm.stx(8, R10, old, R1), asm.addImm(R1, delta), asm.stx(8, R10, val, R1));
  updateElem(g, x.target.name, k.off, val);
  e.emit(asm.ldx(8, R0, R10, x.prefix ? val : old));
}

/**
 * `@m[k] = count() / sum(v) / ... / lhist(v, ...)` on a per-CPU map: the value and the key
 * (with its bucket), then the aggregation's row folds the value in (bpf/functions/
 * aggregations.ts).
 */
export function aggregate(g: GenContext, target: A.MapExpr, info: MapInfo, call: A.CallExpr): void {
  const { e } = g;
  const agg = aggregations.get(info.valueKind);
  if (!agg) throw new CodegenError(`unknown aggregation ${info.valueKind}`, call.span);
  const vSlot = g.frame.alloc(8);
  if (call.args[0]) {
    g.scalar(call.args[0]);
    e.emit(asm.stx(8, R10, vSlot, R0));
  } else e.emit(asm.st(8, R10, vSlot, 1));
  const k = buildKey(g, target, info);
  const aux = g.frame.alloc(16);
  if (agg.bucket) {
    e.emit(asm.ldx(8, R1, R10, vSlot));
    agg.bucket(g, info, aux);
    e.emit(asm.stx(8, R10, k.bucketOff!, R0));
  }
  lookup(g, target.name, k.off);
  const miss = e.label("amiss");
  const done = e.label("adone");
  e.emit(asm.jeqImm(R0, 0, miss), asm.ldx(8, R2, R10, vSlot));
  // hit: r0 = value pointer, r2 = v
  agg.update(g, done, info, aux);
  e.emit(asm.ja(done));
  // miss: insert the first value
  e.place(miss);
  const init = g.frame.alloc(Math.max(16, valueSize(info)));
  e.emit(asm.ldx(8, R2, R10, vSlot));
  agg.first(g, init, info, aux);
  updateElem(g, target.name, k.off, init);
  e.place(done);
  g.placeNop();
}
