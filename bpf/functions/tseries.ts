// tseries(n, interval, count[, agg]): a value over time, as bpftrace keeps it
// (codegen_llvm.cpp's tseries, util/tseries.cpp). The key gets a u64 bucket, the interval
// the clock is in modulo `count`, so the map holds the last `count` intervals; each bucket
// is per-CPU { value, meta, epoch }:
//
//   epoch = now / interval          (now: CLOCK_TAI as bpftrace's sw_tai makes it, boot
//                                     time plus TAI - BOOTTIME; or BPFTRACE_DUMMY_TS_MAP's map)
//   none   value = n, meta = now    (the last value set wins; meta orders the CPUs' copies)
//   avg    value += n, meta += 1    (reset when the bucket's epoch is an older one)
//   sum    value += n
//   min    value = min(value, n), meta = 1 once set; max alike
//
// User space keeps, per bucket, the newest epoch among the CPUs' copies and combines the
// copies of that epoch; bpf/output/tseries.ts lays the buckets out as intervals.
import { asm, H, R0, R1, R2, R3, R10 } from "../asm/index.ts";
import type { MapInfo, TSeriesAgg } from "../types/map-info.ts";
import type { Aggregate } from "../types/snapshot.ts";
import { int, none } from "../types/types.ts";
import type { EmitContext } from "./emit-context.ts";
import { type FunctionRow, arity, intArg } from "./row.ts";

const AGGS: readonly TSeriesAgg[] = ["avg", "max", "min", "sum"];

/** The most intervals bpftrace allows (pre_type_check.cpp). */
const MAX_INTERVALS = 1_000_000n;

export const TSERIES_FUNCTIONS: readonly FunctionRow[] = [
  {
    name: "tseries",
    signature: "tseries(int n, int interval_ns, int num_intervals[, string agg])",
    doc: 'A time series of n: the last num_intervals intervals of interval_ns each (durations: 100ms, 1s), each holding the last value set, or with agg "avg", "max", "min" or "sum" all of the interval\'s values so combined.',
    check(c) {
      const bad = arity(c, 3, 4) ?? intArg(c, 0);
      if (bad) return bad;
      const interval = c.constInt(1);
      const count = c.constInt(2);
      if (interval === undefined) return "tseries: invalid interval_ns value (must be non-negative literal)";
      if (count === undefined) return "tseries: invalid num_intervals value (must be non-negative literal)";
      if (interval <= 0n) return `tseries() interval_ns must be >= 1 (${interval} provided)`;
      if (count <= 0n) return `tseries() num_intervals must be >= 1 (${count} provided)`;
      if (count > MAX_INTERVALS) return `tseries() num_intervals must be < ${MAX_INTERVALS} (${count} provided)`;
      if (c.argTypes.length === 4) {
        const agg = c.constStr(3);
        if (agg === undefined) return "tseries() aggregation function must be a string literal";
        if (!(AGGS as readonly string[]).includes(agg)) return `tseries() expects one of the following aggregation functions: ${AGGS.join(", ")} ("${agg}" provided)`;
      }
      return none;
    },
    aggregation: {
      kind: "tseries",
      mapInfo(arg, argType, argStr) {
        const t = argType(0);
        const agg = argStr(3);
        return {
          tseries: { intervalNs: arg(1) ?? 1n, numIntervals: arg(2) ?? 1n, agg: agg && (AGGS as readonly string[]).includes(agg) ? (agg as TSeriesAgg) : "none" },
          valueType: int(64, t?.k === "int" && t.signed),
        };
      },
      conflict(prev, next) {
        const [a, b] = [prev.tseries, next.tseries];
        if (!a || !b || (a.intervalNs === b.intervalNs && a.numIntervals === b.numIntervals && a.agg === b.agg)) return null;
        const agg = a.agg === "none" ? "" : `, "${a.agg}"`;
        return `${next.name} is tseries(n, ${a.intervalNs}, ${a.numIntervals}${agg}) (defined in ${prev.origin}): different tseries bounds in a single map are unsupported`;
      },
      bucket(g, info, aux) {
        const { e } = g;
        const t = info.tseries!;
        now(g);
        e.emit(asm.stx(8, R10, aux + 8, R0), asm.ldImm64(R1, t.intervalNs), asm.div(R0, R1), asm.stx(8, R10, aux, R0));
        e.emit(asm.ldImm64(R1, t.numIntervals), asm.mod(R0, R1));
      },
      update: (g, _done, info, aux) => fold(g, info, aux),
      first(g, init, info, aux) {
        const { e } = g;
        e.emit(asm.st(8, R10, init, 0), asm.st(8, R10, init + 8, 0), asm.ldx(8, R1, R10, aux), asm.stx(8, R10, init + 16, R1));
        e.stackAddr(R0, init);
        fold(g, info, aux);
      },
      decode: reduce,
      buckets(parts, info) {
        const points = new Map<bigint, bigint>();
        for (const a of parts.values()) {
          if (a.kind !== "tseries") continue;
          // bpftrace's std::map::emplace: the first bucket of an epoch stays (only zeroed
          // buckets, all epoch 0 and value 0, share one)
          for (const p of a.points) if (!points.has(p.epoch)) points.set(p.epoch, p.value);
        }
        const sorted = [...points].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([epoch, value]) => ({ epoch, value }));
        return series(info, sorted);
      },
    },
  },
];

function series(info: MapInfo, points: { epoch: bigint; value: bigint }[]): Aggregate {
  const t = info.tseries!;
  const signed = info.valueType.k === "int" && info.valueType.signed;
  return { kind: "tseries", intervalNs: t.intervalNs, numIntervals: t.numIntervals, signed, points };
}

/** r0 = the time tseries() buckets by. */
function now(g: EmitContext): void {
  const { e } = g;
  const dummy = g.shared.dummyTsMap;
  if (dummy) {
    // BPFTRACE_DUMMY_TS_MAP=@ts: the time is what the program keeps in @ts (bpftrace's test
    // hook, irbuilderbpf.cpp CreateGetNs), so a test can step the clock itself
    const key = g.frame.alloc(8);
    const miss = e.label("tsclock");
    e.emit(asm.st(8, R10, key, 0));
    g.mapLookup(dummy, key);
    e.emit(asm.jeqImm(R0, 0, miss), asm.ldx(8, R0, R0, 0));
    e.place(miss);
    g.placeNop();
    return;
  }
  e.emit(asm.call(H.ktime_get_boot_ns), asm.ldImm64(R1, g.shared.taiOffsetNs ?? 0n), asm.add(R0, R1));
}

/** r0 points to a bucket's copy, r2 = n, r10+aux = { epoch, now }: fold n in. */
function fold(g: EmitContext, info: MapInfo, aux: number): void {
  const { e } = g;
  const agg = info.tseries!.agg;
  const signed = info.valueType.k === "int" && info.valueType.signed;
  if (agg !== "none") {
    // a bucket last written in an older epoch starts over
    const same = e.label("tsame");
    e.emit(asm.ldx(8, R1, R0, 16), asm.ldx(8, R3, R10, aux), asm.jeq(R1, R3, same), asm.st(8, R0, 0, 0), asm.st(8, R0, 8, 0));
    e.place(same);
  }
  switch (agg) {
    case "none":
      e.emit(asm.stx(8, R0, 0, R2), asm.ldx(8, R1, R10, aux + 8), asm.stx(8, R0, 8, R1));
      break;
    case "avg":
    case "sum":
      if (agg === "avg") e.emit(asm.ldx(8, R1, R0, 8), asm.addImm(R1, 1), asm.stx(8, R0, 8, R1));
      e.emit(asm.ldx(8, R1, R0, 0), asm.add(R1, R2), asm.stx(8, R0, 0, R1));
      break;
    case "min":
    case "max": {
      const store = e.label("tstore");
      const kept = e.label("tkept");
      e.emit(asm.ldx(8, R1, R0, 8), asm.jeqImm(R1, 0, store), asm.ldx(8, R1, R0, 0));
      // the old value stays when it is already at most (min) or at least (max) n
      if (agg === "min") e.emit(signed ? asm.jsle(R1, R2, kept) : asm.jle(R1, R2, kept));
      else e.emit(signed ? asm.jsge(R1, R2, kept) : asm.jge(R1, R2, kept));
      e.place(store);
      e.emit(asm.stx(8, R0, 0, R2), asm.st(8, R0, 8, 1));
      e.place(kept);
      break;
    }
  }
  e.emit(asm.ldx(8, R1, R10, aux), asm.stx(8, R0, 16, R1));
}

/** One bucket's per-CPU copies → its newest epoch and that epoch's value (util/tseries.cpp). */
function reduce(at: (cpu: number, field: number) => bigint, copies: number, info: MapInfo): Aggregate {
  const agg = info.tseries!.agg;
  const signed = info.valueType.k === "int" && info.valueType.signed;
  const asT = (v: bigint) => (signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v));
  const byEpoch = new Map<bigint, { val: bigint; meta: bigint }>();
  let latest = 0n;
  for (let c = 0; c < copies; c++) {
    const epoch = BigInt.asUintN(64, at(c, 2));
    if (epoch === 0n) continue; // never written
    const val = asT(at(c, 0));
    const meta = asT(at(c, 1));
    if (epoch > latest) latest = epoch;
    const cur = byEpoch.get(epoch);
    if (!cur) {
      byEpoch.set(epoch, { val, meta });
      continue;
    }
    switch (agg) {
      case "none":
        if (meta > cur.meta) Object.assign(cur, { val, meta });
        break;
      case "avg":
        cur.val = asT(cur.val + val);
        cur.meta = asT(cur.meta + meta);
        break;
      case "sum":
        cur.val = asT(cur.val + val);
        break;
      case "min":
        if (val < cur.val) cur.val = val;
        break;
      case "max":
        if (val > cur.val) cur.val = val;
        break;
    }
  }
  const newest = byEpoch.get(latest);
  if (!newest) return series(info, [{ epoch: 0n, value: 0n }]);
  const value = agg === "avg" && newest.meta !== 0n ? newest.val / newest.meta : newest.val;
  return series(info, [{ epoch: latest, value }]);
}
