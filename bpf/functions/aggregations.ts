// The aggregation family: count, sum, min, max, avg, stats, hist, lhist — the functions a
// map is assigned (`@m[k] = count()`). Their maps are per-CPU; each row says how a value
// is folded into a CPU's copy (hit) or starts one (miss), how the kernel combines the
// copies when the map is read in an expression, and how user space combines them.
// (The generic part, evaluating the argument and finding the key, is codegen/map-ops.ts.)
//
//   count, sum          u64 per CPU
//   min, max            { s64 value; u64 set } per CPU (an unset copy does not count)
//   avg, stats          { s64 total; u64 count } per CPU
//   hist, lhist         u64 count per CPU under the key plus a u64 bucket
import { asm, R0, R1, R2, R3, R10 } from "../asm/index.ts";
import type { MapInfo, MapValueKind } from "../types/map-info.ts";
import type { Aggregate } from "../types/snapshot.ts";
import { type Type, none, s64, u64 } from "../types/types.ts";
import type { EmitContext } from "./emit-context.ts";
import { log2BucketK } from "./hist-bucket.ts";
import { type Aggregation, type CallCheck, type FunctionRow, arity, intArg } from "./row.ts";

/** A u64 field of one CPU's copy of a value. */
type CopyField = (cpu: number, field: number) => bigint;

function sumOf(at: CopyField, copies: number, field: number): bigint {
  let total = 0n;
  for (let c = 0; c < copies; c++) total += at(c, field);
  return total;
}

/** Integer arguments, min..max of them. */
function intArgs(c: CallCheck, min: number, max = min): string | null {
  const a = arity(c, min, max);
  if (a) return a;
  for (let i = 0; i < c.argTypes.length; i++) {
    const e = intArg(c, i);
    if (e) return e;
  }
  return null;
}

function aggregation(name: MapValueKind, signature: string, doc: string, check: (c: CallCheck) => Type | string, agg: Omit<Aggregation, "kind">): FunctionRow {
  return { name, signature, doc, check, aggregation: { kind: name, ...agg } };
}

/** count, hist, lhist: one more. */
const increment = (g: EmitContext): void => g.e.emit(asm.ldx(8, R1, R0, 0), asm.addImm(R1, 1), asm.stx(8, R0, 0, R1));
const one = (g: EmitContext, init: number): void => g.e.emit(asm.st(8, R10, init, 1));
/** min, max, avg, stats: { v, 1 }. */
const valueAndOne = (g: EmitContext, init: number): void => g.e.emit(asm.stx(8, R10, init, R2), asm.st(8, R10, init + 8, 1));
/** count, sum (read in the kernel): the copies' sum. */
const addCopy = (g: EmitContext, acc: number): void => g.e.emit(asm.add(R2, R1), asm.stx(8, R10, acc, R2));
/** hist, lhist: a bucket's count, summed over the copies; the buckets make the value. */
const bucketCount = (at: CopyField, copies: number): Aggregate => ({ kind: "count", value: sumOf(at, copies, 0) });

/** hist, lhist: the buckets' counts by index, 0 where a bucket has no entry. */
function counts(parts: ReadonlyMap<number, Aggregate>): bigint[] {
  const out: bigint[] = [];
  for (const [i, a] of parts) {
    while (out.length <= i) out.push(0n);
    out[i] = a.kind === "count" ? a.value : 0n;
  }
  return out;
}

function extreme(name: "min" | "max"): FunctionRow {
  return aggregation(name, `${name}(int n)`, name === "min" ? "Minimum of the values." : "Maximum of the values.", (c) => intArgs(c, 1) ?? none, {
    readAs: s64,
    update(g, done) {
      const { e } = g;
      const store = e.label("mstore");
      e.emit(asm.ldx(8, R1, R0, 8), asm.jeqImm(R1, 0, store), asm.ldx(8, R1, R0, 0));
      e.emit(name === "min" ? asm.jsge(R2, R1, done) : asm.jsle(R2, R1, done));
      e.place(store);
      e.emit(asm.stx(8, R0, 0, R2), asm.st(8, R0, 8, 1));
    },
    first: valueAndOne,
    readCpu(g, acc, skip) {
      const { e } = g;
      const take = e.label("take");
      e.emit(asm.ldx(8, R3, R0, 8), asm.jeqImm(R3, 0, skip)); // unset on this CPU
      e.emit(asm.ldx(8, R3, R10, acc + 8), asm.jeqImm(R3, 0, take));
      e.emit(name === "min" ? asm.jsge(R1, R2, skip) : asm.jsle(R1, R2, skip));
      e.place(take);
      e.emit(asm.stx(8, R10, acc, R1), asm.st(8, R10, acc + 8, 1));
    },
    decode(at, copies) {
      let best: bigint | undefined;
      for (let c = 0; c < copies; c++) {
        if (at(c, 1) === 0n) continue;
        const v = at(c, 0);
        if (best === undefined || (name === "min" ? v < best : v > best)) best = v;
      }
      return { kind: name, value: best ?? 0n };
    },
  });
}

function average(name: "avg" | "stats", doc: string): FunctionRow {
  return aggregation(name, `${name}(int n)`, doc, (c) => intArgs(c, 1) ?? none, {
    ...(name === "avg" && {
      readAs: s64,
      readCpu(g: EmitContext, acc: number) {
        g.e.emit(asm.add(R2, R1), asm.stx(8, R10, acc, R2), asm.ldx(8, R1, R0, 8), asm.ldx(8, R2, R10, acc + 8), asm.add(R2, R1), asm.stx(8, R10, acc + 8, R2));
      },
      readDone(g: EmitContext, acc: number) {
        const z = g.e.label("avgz");
        g.e.emit(asm.ldx(8, R1, R10, acc + 8), asm.jeqImm(R1, 0, z), asm.sdiv(R0, R1));
        g.e.place(z);
        g.placeNop();
      },
    }),
    update: (g) => g.e.emit(asm.ldx(8, R1, R0, 0), asm.add(R1, R2), asm.stx(8, R0, 0, R1), asm.ldx(8, R1, R0, 8), asm.addImm(R1, 1), asm.stx(8, R0, 8, R1)),
    first: valueAndOne,
    decode: (at, copies) => ({ kind: name, count: sumOf(at, copies, 1), total: sumOf(at, copies, 0) }),
  });
}

export const AGGREGATION_FUNCTIONS: readonly FunctionRow[] = [
  aggregation("count", "count()", "Count how many times it is called (per-CPU, summed on read).", (c) => intArgs(c, 0) ?? none, {
    unitless: true,
    readAs: u64,
    update: increment,
    first: one,
    readCpu: addCopy,
    decode: (at, copies) => ({ kind: "count", value: BigInt.asUintN(64, sumOf(at, copies, 0)) }),
  }),
  aggregation("sum", "sum(int n)", "Sum of the values.", (c) => intArgs(c, 1) ?? none, {
    readAs: s64,
    update: (g) => g.e.emit(asm.ldx(8, R1, R0, 0), asm.add(R1, R2), asm.stx(8, R0, 0, R1)),
    first: (g, init) => g.e.emit(asm.stx(8, R10, init, R2)),
    readCpu: addCopy,
    decode: (at, copies) => ({ kind: "sum", value: sumOf(at, copies, 0) }),
  }),
  extreme("min"),
  extreme("max"),
  average("avg", "Average of the values (integer)."),
  average("stats", "Count, average and total of the values."),
  aggregation("hist", "hist(int n[, int k])", "Power-of-2 histogram of the values.", (c) => {
    const bad = intArgs(c, 1, 2);
    if (bad) return bad;
    if (c.argTypes.length === 2) {
      const k = c.constInt(1);
      if (k === undefined || k < 0n || k > 5n) return "hist() second argument (k) must be a constant 0..5";
    }
    return none;
  }, {
    mapInfo: (arg) => ({ histK: Number(arg(1) ?? 0n) }),
    bucket: (g, info) => (info.histK ? log2BucketK(g.e, info.histK, () => g.placeNop()) : log2Bucket(g)),
    update: increment,
    first: one,
    decode: bucketCount,
    buckets: (parts, info) => ({ kind: "hist", buckets: counts(parts), ...(info.histK ? { bits: info.histK } : {}) }),
  }),
  aggregation("lhist", "lhist(int n, int min, int max, int step)", "Linear histogram: lhist(value, min, max, step).", (c) => {
    const bad = intArgs(c, 4);
    if (bad) return bad;
    for (const i of [1, 2, 3]) {
      if (c.constInt(i) === undefined) return `lhist() argument ${i + 1} (min, max, step) must be a constant integer`;
    }
    const [min, max, step] = [c.constInt(1)!, c.constInt(2)!, c.constInt(3)!];
    if (step <= 0n) return "lhist() step must be positive";
    if (max <= min) return "lhist() max must be greater than min";
    if ((max - min) / step > 1000n) return "lhist() has more than 1000 buckets";
    return none;
  }, {
    // a missing argument is reported by lhist()'s own check; these stay defined
    mapInfo: (arg) => ({ lhist: { min: arg(1) ?? 0n, max: arg(2) ?? 1n, step: arg(3) ?? 1n } }),
    conflict(prev, next) {
      const [a, b] = [prev.lhist, next.lhist];
      if (!a || !b || (a.min === b.min && a.max === b.max && a.step === b.step)) return null;
      return `${next.name} is lhist(${a.min}, ${a.max}, ${a.step}) (defined in ${prev.origin})`;
    },
    bucket: linearBucket,
    update: increment,
    first: one,
    decode: bucketCount,
    buckets: (parts, info) => {
      const { min, max, step } = info.lhist!;
      return { kind: "lhist", min, max, step, buckets: counts(parts) };
    },
  }),
];

/** r0 = bpftrace's log2 bucket of the signed value in r1 (0: < 0, 1: 0, i ≥ 2: [2^(i-2), 2^(i-1))). */
function log2Bucket(g: EmitContext): void {
  const { e } = g;
  const done = e.label("l2done");
  e.emit(asm.movImm(R0, 0), asm.jsltImm(R1, 0, done), asm.movImm(R0, 1), asm.jeqImm(R1, 0, done), asm.movImm(R0, 2));
  for (const s of [32, 16, 8, 4, 2, 1]) {
    const skip = e.label("l2");
    e.emit(asm.mov(R3, R1), asm.rshImm(R3, s), asm.jeqImm(R3, 0, skip), asm.mov(R1, R3), asm.addImm(R0, s));
    e.place(skip);
    g.placeNop();
  }
  e.place(done);
  g.placeNop();
}

/** r0 = lhist bucket of r1: 0 below min, n+1 at or above max, else (v - min) / step + 1. */
function linearBucket(g: EmitContext, info: MapInfo): void {
  const { e } = g;
  const { min, max, step } = info.lhist!;
  const n = (max - min) / step;
  const done = e.label("lhdone");
  e.emit(asm.movImm(R0, 0), asm.ldImm64(R2, BigInt.asUintN(64, min)), asm.jslt(R1, R2, done));
  e.emit(asm.ldImm64(R0, n + 1n), asm.ldImm64(R2, BigInt.asUintN(64, max)), asm.jsge(R1, R2, done));
  e.emit(asm.mov(R0, R1), asm.ldImm64(R2, BigInt.asUintN(64, min)), asm.sub(R0, R2), asm.ldImm64(R2, step), asm.div(R0, R2), asm.addImm(R0, 1));
  e.place(done);
  g.placeNop();
}
