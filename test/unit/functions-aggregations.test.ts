// The aggregation rows (bpf/functions/aggregations.ts) in user space: how one key's per-CPU
// copies combine into the value bpftrace prints, the buckets of hist/lhist, and the lhist
// range two cells must agree on. (The kernel side runs in test/system/engine-aggregations.)
import { describe, expect, it } from "vitest";
import { aggregations } from "../../bpf/functions/index.ts";
import type { MapInfo, MapValueKind } from "../../bpf/types/map-info.ts";
import { decodeMap } from "../../bpf/maps/codec.ts";

/** `copies` per-CPU values of `fields` u64s each, as the kernel hands them over. */
function percpu(copies: bigint[][]): (cpu: number, field: number) => bigint {
  return (cpu, field) => copies[cpu]![field]!;
}

const agg = (kind: MapValueKind) => aggregations.get(kind)!;
/** The map a value belongs to: only tseries' decode reads it. */
const INFO: MapInfo = { name: "@m", valueKind: "count", keyTypes: [], valueType: { k: "int", bits: 64, signed: true }, maxEntries: 16, origin: "cell[1]" };

describe("per-CPU copies in user space", () => {
  it("count and sum add the copies; count is unsigned", () => {
    expect(agg("count").decode(percpu([[3n], [4n]]), 2, INFO)).toEqual({ kind: "count", value: 7n });
    expect(agg("count").decode(percpu([[-1n], [0n]]), 2, INFO)).toEqual({ kind: "count", value: 2n ** 64n - 1n });
    expect(agg("sum").decode(percpu([[-5n], [2n]]), 2, INFO)).toEqual({ kind: "sum", value: -3n });
  });

  it("min and max take the extreme of the copies that were set", () => {
    const copies = percpu([[9n, 1n], [0n, 0n], [-2n, 1n]]);
    expect(agg("min").decode(copies, 3, INFO)).toEqual({ kind: "min", value: -2n });
    expect(agg("max").decode(copies, 3, INFO)).toEqual({ kind: "max", value: 9n });
    expect(agg("min").decode(percpu([[0n, 0n]]), 1, INFO)).toEqual({ kind: "min", value: 0n });
  });

  it("avg and stats keep the totals and counts", () => {
    const copies = percpu([[10n, 2n], [5n, 1n]]);
    expect(agg("avg").decode(copies, 2, INFO)).toEqual({ kind: "avg", count: 3n, total: 15n });
    expect(agg("stats").decode(copies, 2, INFO)).toEqual({ kind: "stats", count: 3n, total: 15n });
  });

  it("hist and lhist entries are their buckets' counts, grouped by key", () => {
    const info: MapInfo = { name: "@h", valueKind: "lhist", keyTypes: [], valueType: { k: "int", bits: 64, signed: true }, maxEntries: 16, origin: "cell[1]", lhist: { min: 0n, max: 10n, step: 5n } };
    const u64 = (v: bigint) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, v, true);
      return b;
    };
    // key: the bucket alone (a scalar lhist map); value: one u64 per CPU
    const entries = [{ key: u64(2n), value: new Uint8Array([...u64(3n), ...u64(1n)]) }, { key: u64(0n), value: new Uint8Array([...u64(1n), ...u64(0n)]) }];
    expect(decodeMap(info, entries, 2).entries).toEqual([{ key: [], value: { kind: "lhist", min: 0n, max: 10n, step: 5n, buckets: [1n, 0n, 4n] } }]);
    expect(agg("hist").buckets!(new Map([[1, { kind: "count", value: 1n }]]), { ...info, valueKind: "hist", histK: 2 })).toEqual({ kind: "hist", buckets: [0n, 1n], bits: 2 });
  });
});

describe("maps of one name across cells", () => {
  it("an lhist map keeps its range; only the lhist row knows that", () => {
    const base: MapInfo = { name: "@l", valueKind: "lhist", keyTypes: [], valueType: { k: "int", bits: 64, signed: true }, maxEntries: 16, origin: "cell[1]", lhist: { min: 0n, max: 100n, step: 10n } };
    expect(agg("lhist").conflict!(base, { ...base, origin: "cell[2]", lhist: { min: 0n, max: 100n, step: 5n } })).toBe("@l is lhist(0, 100, 10) (defined in cell[1])");
    expect(agg("lhist").conflict!(base, { ...base, origin: "cell[2]" })).toBeNull();
    expect(agg("hist").conflict).toBeUndefined();
  });

  it("only count, sum, min, max and avg are read back as numbers in the kernel", () => {
    const readable = [...aggregations.values()].filter((a) => a.readAs).map((a) => a.kind);
    expect(readable.sort()).toEqual(["avg", "count", "max", "min", "sum"]);
    for (const a of aggregations.values()) expect(Boolean(a.readCpu), a.kind).toBe(Boolean(a.readAs));
  });
});
