// Aggregations with values the test knows: constants in BEGIN, and read(2) sizes of our
// own workload (reads from /dev/zero return exactly what was asked). Each expected value
// is computed here from the same numbers the workload uses.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startC } from "../helpers/workload.ts";
import { mapOf, newSession, traceWorkload } from "../helpers/engine.ts";
import { formatMap } from "../../bpf/output/index.ts";
import type { Aggregate } from "../../bpf/types/snapshot.ts";

/** bpftrace's log2 bucket index: 0 for < 0, 1 for 0, i ≥ 2 for [2^(i-2), 2^(i-1)). */
function histIndex(v: number): number {
  if (v < 0) return 0;
  if (v === 0) return 1;
  return Math.floor(Math.log2(v)) + 2;
}
function histOf(values: number[]): bigint[] {
  const b: bigint[] = [];
  for (const v of values) {
    const i = histIndex(v);
    while (b.length <= i) b.push(0n);
    b[i]! += 1n;
  }
  return b;
}
/** Buckets with trailing zeros dropped, to compare with snapshots that may omit them. */
const trim = (b: readonly bigint[]) => {
  const out = [...b];
  while (out.length && out[out.length - 1] === 0n) out.pop();
  return out;
};
const keyNum = (k: unknown) => Number((k as { value: bigint }[])[0]!.value);
const value = (maps: Parameters<typeof mapOf>[0], name: string): Aggregate => mapOf(maps, name).entries[0]!.value;

// read sizes and repetitions of the workload
const READS: [number, number][] = [
  [1000, 5],
  [10, 3],
  [4096, 2],
  [1, 4],
];
const sizes = READS.flatMap(([k, m]) => Array.from({ length: m }, () => k));
const total = sizes.reduce((a, b) => a + b, 0);

describe.skipIf(skipWithoutBpf())("engine: aggregations", () => {
  // a fresh session per test: maps are session-global by name
  let session = newSession();
  beforeEach(() => {
    session = newSession();
  });
  afterEach(() => session.close());

  it("BEGIN with constants: count, sum, min, max, avg, stats, hist, lhist", async () => {
    const prog = `BEGIN {
  @c = count(); @c = count(); @c = count();
  @s = sum(5); @s = sum(7); @s = sum(-2);
  @mn = min(9); @mn = min(-7); @mn = min(3);
  @mx = max(-4); @mx = max(12); @mx = max(2);
  @a = avg(10); @a = avg(15); @a = avg(21);
  @st = stats(4); @st = stats(8); @st = stats(9);
  @h = hist(0); @h = hist(1); @h = hist(1024); @h = hist(1500); @h = hist(-1);
  @l = lhist(25, 0, 100, 10); @l = lhist(-5, 0, 100, 10); @l = lhist(100, 0, 100, 10); @l = lhist(29, 0, 100, 10);
  @k[1] = sum(2); @k[1] = sum(3); @k[2] = sum(10);
  @d = sum(1000 / 7); @d = sum((3 + 4) * 2 - 1);
  exit();
}`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[1]" });
    expect(r.reason).toBe("exit");
    expect(r.attachedCount).toBeUndefined();
    expect(value(r.maps, "@c")).toEqual({ kind: "count", value: 3n });
    expect(value(r.maps, "@s")).toEqual({ kind: "sum", value: 10n });
    expect(value(r.maps, "@mn")).toEqual({ kind: "min", value: -7n });
    expect(value(r.maps, "@mx")).toEqual({ kind: "max", value: 12n });
    expect(value(r.maps, "@a")).toEqual({ kind: "avg", count: 3n, total: 46n });
    expect(value(r.maps, "@st")).toEqual({ kind: "stats", count: 3n, total: 21n });
    expect(value(r.maps, "@d")).toEqual({ kind: "sum", value: 142n + 13n });
    const h = value(r.maps, "@h");
    expect(h.kind).toBe("hist");
    expect(trim((h as Extract<Aggregate, { kind: "hist" }>).buckets)).toEqual(trim(histOf([0, 1, 1024, 1500, -1])));
    const l = value(r.maps, "@l") as Extract<Aggregate, { kind: "lhist" }>;
    expect(l.kind).toBe("lhist");
    expect([l.min, l.max, l.step]).toEqual([0n, 100n, 10n]);
    // index 0: < 0; 1..10: [0,10) .. [90,100); 11: >= 100
    const expected = Array.from({ length: 12 }, () => 0n);
    expected[0] = 1n;
    expected[3] = 2n;
    expected[11] = 1n;
    expect(trim(l.buckets)).toEqual(trim(expected));
    expect(mapOf(r.maps, "@k").entries.map((e) => [e.key, e.value]).sort((x, y) => keyNum(x[0]) - keyNum(y[0]))).toEqual([
      [[{ kind: "int", value: 1n, signed: true }], { kind: "sum", value: 5n }],
      [[{ kind: "int", value: 2n, signed: true }], { kind: "sum", value: 10n }],
    ]);
    // bpftrace's text for the same maps
    expect(formatMap(mapOf(r.maps, "@a")).trimEnd()).toBe("@a: 15");
    expect(formatMap(mapOf(r.maps, "@st")).trimEnd()).toBe("@st: { .count = 3, .average = 7, .total = 21 }");
    expect(formatMap(mapOf(r.maps, "@mn")).trimEnd()).toBe("@mn: -7");
  });

  it("read sizes land in the right hist bucket, exactly", async () => {
    const w = await startC(["read", "/dev/zero", ...READS.flatMap(([k, m]) => [String(k), String(m)])]);
    const r = await traceWorkload(session, "tracepoint:syscalls:sys_exit_read /pid == $1/ { @h = hist(args->ret); }", w, { origin: "cell[2]" });
    expect(r.workloadExit).toBe(0);
    const h = value(r.maps, "@h") as { kind: string; buckets: bigint[] };
    expect(h.kind).toBe("hist");
    expect(trim(h.buckets)).toEqual(trim(histOf(sizes)));
    const text = formatMap(mapOf(r.maps, "@h"));
    expect(text).toContain("[1]");
    expect(text).toMatch(/^\[8, 16\)\s+3 \|/m);
    expect(text).toMatch(/^\[512, 1K\)\s+5 \|@+\s*\|$/m);
    expect(text).toMatch(/^\[4K, 8K\)\s+2 \|/m);
  });

  it("lhist, stats, avg, min, max, sum and count from tracepoint values", async () => {
    const w = await startC(["read", "/dev/zero", ...READS.flatMap(([k, m]) => [String(k), String(m)])]);
    const prog = `tracepoint:syscalls:sys_exit_read /pid == $1/ {
  @l = lhist(args->ret, 0, 5000, 1000);
  @st = stats(args->ret); @a = avg(args->ret); @mn = min(args->ret); @mx = max(args->ret);
  @s = sum(args->ret); @c = count();
  @by[args->ret] = count();
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[3]" });
    const n = BigInt(sizes.length);
    expect(value(r.maps, "@c")).toEqual({ kind: "count", value: n });
    expect(value(r.maps, "@s")).toEqual({ kind: "sum", value: BigInt(total) });
    expect(value(r.maps, "@mn")).toEqual({ kind: "min", value: BigInt(Math.min(...sizes)) });
    expect(value(r.maps, "@mx")).toEqual({ kind: "max", value: BigInt(Math.max(...sizes)) });
    expect(value(r.maps, "@a")).toEqual({ kind: "avg", count: n, total: BigInt(total) });
    expect(value(r.maps, "@st")).toEqual({ kind: "stats", count: n, total: BigInt(total) });
    expect(formatMap(mapOf(r.maps, "@st")).trimEnd()).toBe(`@st: { .count = ${n}, .average = ${Math.floor(total / sizes.length)}, .total = ${total} }`);
    const l = value(r.maps, "@l") as Extract<Aggregate, { kind: "lhist" }>;
    const expected = Array.from({ length: 7 }, () => 0n);
    for (const v of sizes) expected[v < 0 ? 0 : v >= 5000 ? 6 : 1 + Math.floor(v / 1000)]! += 1n;
    expect(trim(l.buckets)).toEqual(trim(expected));
    const by = mapOf(r.maps, "@by").entries.map((e): [bigint, bigint] => [(e.key[0] as { value: bigint }).value, (e.value as { value: bigint }).value]);
    expect(new Map(by)).toEqual(new Map(READS.map(([k, m]) => [BigInt(k), BigInt(m)])));
    // bpftrace prints keyed counts sorted by value
    expect(formatMap(mapOf(r.maps, "@by")).trimEnd()).toBe(
      [...READS].sort((x, y) => x[1] - y[1] || x[0] - y[0]).map(([k, m]) => `@by[${k}]: ${m}`).join("\n"),
    );
  });
});
