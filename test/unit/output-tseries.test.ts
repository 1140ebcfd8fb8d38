// tseries() maps as bpftrace prints them (text and JSON), pinned by goldens
// (golden/output/tseries-*.txt, *.ndjson.txt; UPDATE_GOLDEN=1 rewrites), and the reduction
// of one interval bucket's per-CPU copies (util/tseries.cpp). The times print as local wall
// clock: the file runs in UTC so the goldens do not depend on the machine's zone.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMap, formatMapJson } from "../../bpf/output/index.ts";
import { timeSeries, tseriesText } from "../../bpf/output/tseries.ts";
import { aggregations } from "../../bpf/functions/index.ts";
import type { MapInfo, TSeriesAgg } from "../../bpf/types/map-info.ts";
import type { Aggregate, MapSnapshot } from "../../bpf/types/snapshot.ts";
import { int, snap, str } from "./golden/output/fixtures.ts";
import { golden } from "../helpers/golden.ts";
import { snapshotFromJson, snapshotToJson } from "../../bpf/maps/snapshot-json.ts";

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), "golden", "output");
const MS = 1_000_000n;

function ts(points: [number, number][], intervalNs = 100n * MS, numIntervals = 5n, signed = true): Aggregate {
  return { kind: "tseries", intervalNs, numIntervals, signed, points: points.map(([e, v]) => ({ epoch: BigInt(e), value: BigInt(v) })) };
}

const CASES: Record<string, MapSnapshot> = {
  // key a: a gap at epoch 7 and no value at 9; key b: only the newest interval; a prints first (older)
  "tseries-keyed": snap("@lat", "tseries", [
    { key: [str("b")], value: ts([[9, 2]]) },
    { key: [str("a")], value: ts([[3, 50], [5, 9], [6, -3], [8, 4]]) },
  ]),
  // a flat uint64 line at 0: the bounds cannot go below 0 (bpftrace's try_dec)
  "tseries-flat-unsigned": snap("@z", "tseries", [{ key: [], value: ts([[10, 0], [11, 0], [12, 0]], 1_000_000_000n, 3n, false) }], false),
  // epochs smaller than the interval count: the range wraps around in uint64 and is empty
  "tseries-no-data": snap("@n", "tseries", [{ key: [int(1)], value: ts([[1, 7]], 1000n, 5n) }]),
  "tseries-empty": snap("@e", "tseries", []),
};

describe("tseries goldens", () => {
  let zone: string | undefined;
  beforeAll(() => {
    zone = process.env.TZ;
    process.env.TZ = "UTC";
  });
  afterAll(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  for (const [name, s] of Object.entries(CASES)) {
    it(name, () => {
      golden(join(GOLDEN, `${name}.txt`), formatMap(s));
      golden(join(GOLDEN, `${name}.ndjson.txt`), formatMapJson(s));
    });
  }

  it("round-trips through the snapshot's JSON form (notebook outputs, fleet hosts)", () => {
    for (const s of Object.values(CASES)) expect(snapshotFromJson(JSON.parse(JSON.stringify(snapshotToJson(s))))).toEqual(s);
  });

  it("lays keys out against the newest interval of any key, each from its own first one", () => {
    const series = timeSeries(CASES["tseries-keyed"]!);
    expect(series.map((x) => x.entry.key)).toEqual([[str("a")], [str("b")]]);
    // range 5..9: epoch 3 is out of it
    expect(series[0]!.intervals.map((i) => [i.startNs / MS, i.value])).toEqual([[500n, 9n], [600n, -3n], [700n, undefined], [800n, 4n], [900n, undefined]]);
    expect(series[1]!.intervals.map((i) => [i.startNs / MS, i.value])).toEqual([[900n, 2n]]);
  });

  it("marks zero between negative and positive values and scales points on float32", () => {
    const text = tseriesText([{ startNs: 0n, value: -10n }, { startNs: 1_000_000_000n, value: 30n }]);
    const lines = text.split("\n");
    // zero at 53 * 10 / 40 = 13.25 → column 13 of the graph; -10 at column 0, 30 at 52
    expect(lines[2]).toBe(`00:00:00 *${" ".repeat(12)}.${" ".repeat(38)}| -10`);
    expect(lines[3]).toBe(`00:00:01 |${" ".repeat(12)}.${" ".repeat(38)}* 30`);
  });
});

describe("tseries buckets in user space", () => {
  const info = (agg: TSeriesAgg, signed = true): MapInfo => ({
    name: "@t",
    valueKind: "tseries",
    keyTypes: [],
    valueType: { k: "int", bits: 64, signed },
    tseries: { intervalNs: 100n * MS, numIntervals: 5n, agg },
    maxEntries: 16,
    origin: "cell[1]",
  });
  /** Copies of { value, meta, epoch } per CPU. */
  const at = (copies: bigint[][]) => (cpu: number, field: number) => BigInt.asIntN(64, copies[cpu]![field]!);
  const decode = (agg: TSeriesAgg, copies: bigint[][], signed = true) => aggregations.get("tseries")!.decode(at(copies), copies.length, info(agg, signed));
  const point = (a: Aggregate) => (a.kind === "tseries" ? a.points.map((p) => [p.epoch, p.value]) : a);

  it("keeps the newest epoch of the copies and combines that epoch's copies", () => {
    // the last value set wins by its time (meta), older epochs are dropped
    expect(point(decode("none", [[5n, 100n, 7n], [6n, 90n, 7n], [1n, 500n, 6n]]))).toEqual([[7n, 5n]]);
    expect(point(decode("sum", [[5n, 0n, 7n], [6n, 0n, 7n], [100n, 0n, 6n]]))).toEqual([[7n, 11n]]);
    expect(point(decode("avg", [[10n, 2n, 7n], [5n, 1n, 7n]]))).toEqual([[7n, 5n]]);
    expect(point(decode("min", [[-4n, 1n, 7n], [3n, 1n, 7n], [-9n, 1n, 6n]]))).toEqual([[7n, -4n]]);
    expect(point(decode("max", [[-4n, 1n, 7n], [3n, 1n, 7n], [9n, 1n, 6n]]))).toEqual([[7n, 3n]]);
  });

  it("reads uint64 values as unsigned, and a bucket never written as epoch 0", () => {
    expect(point(decode("max", [[-1n, 1n, 3n], [1n, 1n, 3n]], false))).toEqual([[3n, 2n ** 64n - 1n]]);
    expect(point(decode("sum", [[0n, 0n, 0n], [0n, 0n, 0n]]))).toEqual([[0n, 0n]]);
  });

  it("merges a key's buckets by epoch, oldest first", () => {
    const parts = new Map<number, Aggregate>([
      [2, ts([[12, 4]])],
      [0, ts([[10, 1]])],
      [1, ts([[0, 0]])],
    ]);
    expect(point(aggregations.get("tseries")!.buckets!(parts, info("none")))).toEqual([[0n, 0n], [10n, 1n], [12n, 4n]]);
  });
});
