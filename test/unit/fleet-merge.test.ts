// %%fleet's merge (magics/fleet/merge.ts): hosts' map snapshots, as the JSON their outputs
// carry, folded into one map — counts and sums added, min/max kept, avg/stats from count and
// total (exact), hist/lhist bucket by bucket, keys matched by value — and the by-host view
// with zeros for hosts that ran and saw nothing. Printed with bpftrace's text formatter.
import { describe, expect, it } from "vitest";
import type { Aggregate, MapSnapshot, Value } from "../../bpf/types/snapshot.ts";
import { snapshotToJson } from "../../bpf/maps/snapshot-json.ts";
import { formatMap } from "../../bpf/output/index.ts";
import { BY_HOST_MAX, combine, FleetMerge } from "../../magics/fleet/merge.ts";

const str = (value: string): Value => ({ kind: "str", value });
const int = (value: bigint): Value => ({ kind: "int", value, signed: false });
const count = (value: bigint): Aggregate => ({ kind: "count", value });

function snap(name: string, valueKind: Aggregate["kind"], entries: [Value[], Aggregate][], extra: Partial<MapSnapshot> = {}): unknown {
  return snapshotToJson({ name, valueKind, keyed: entries.some(([k]) => k.length > 0), entries: entries.map(([key, value]) => ({ key, value })), ...extra });
}

describe("fleet merge", () => {
  it("adds counts by key; the by-host view gives zeros to hosts that ran and saw nothing", () => {
    const m = new FleetMerge();
    m.add("a", snap("@calls", "count", [[[str("bash")], count(3n)], [[str("fleet-work")], count(1000n)]], { keyNames: ["comm"] }));
    m.add("b", snap("@calls", "count", [[[str("bash")], count(2n)]], { keyNames: ["comm"] }));
    expect(formatMap(m.merged("@calls")!)).toBe("@calls[bash]: 5\n@calls[fleet-work]: 1000\n");
    const by = m.byHost("@calls", ["a", "b", "c"], ["a", "b", "c"])!.snap;
    expect(by.keyNames).toEqual(["host", "comm"]);
    expect(formatMap(by)).toBe([
      "@calls[b, fleet-work]: 0", "@calls[c, bash]: 0", "@calls[c, fleet-work]: 0", "@calls[b, bash]: 2", "@calls[a, bash]: 3", "@calls[a, fleet-work]: 1000", "",
    ].join("\n"));
    // a host that did not run to the end gets no zeros: its silence is no answer
    expect(formatMap(m.byHost("@calls", ["a", "b", "c"], ["a", "b"])!.snap)).not.toContain("@calls[c,");
    expect(m.hostsOf("@calls")).toEqual(["a", "b"]);
  });

  it("a scalar map becomes one keyed by host", () => {
    const m = new FleetMerge();
    m.add("a", snap("@n", "count", [[[], count(7n)]]));
    m.add("b", snap("@n", "count", [[[], count(5n)]]));
    expect(formatMap(m.merged("@n")!)).toBe("@n: 12\n");
    const by = m.byHost("@n", ["a", "b", "c"], ["a", "b", "c"])!.snap;
    expect(by.keyNames).toEqual(["host"]);
    expect(formatMap(by)).toBe("@n[c]: 0\n@n[b]: 5\n@n[a]: 7\n");
  });

  it("averages and stats merge from count and total, not as averages of averages", () => {
    const m = new FleetMerge();
    m.add("a", snap("@lat", "avg", [[[], { kind: "avg", count: 2n, total: 10n }]]));
    m.add("b", snap("@lat", "avg", [[[], { kind: "avg", count: 8n, total: 8n }]]));
    expect(m.merged("@lat")!.entries[0]!.value).toEqual({ kind: "avg", count: 10n, total: 18n });
    expect(formatMap(m.merged("@lat")!)).toBe("@lat: 1\n\n"); // (5 + 1) / 2 would say 3
    m.add("a", snap("@s", "stats", [[[], { kind: "stats", count: 3n, total: 30n }]]));
    m.add("b", snap("@s", "stats", [[[], { kind: "stats", count: 1n, total: 2n }]]));
    expect(formatMap(m.merged("@s")!)).toBe("@s: { .count = 4, .average = 8, .total = 32 }\n\n");
  });

  it("min and max keep the extreme; hist and lhist add buckets, of any length", () => {
    expect(combine({ kind: "min", value: 5n }, { kind: "min", value: -3n })).toEqual({ kind: "min", value: -3n });
    expect(combine({ kind: "max", value: 5n }, { kind: "max", value: -3n })).toEqual({ kind: "max", value: 5n });
    expect(combine({ kind: "hist", buckets: [0n, 1n, 2n] }, { kind: "hist", buckets: [1n, 1n, 1n, 4n] })).toEqual({ kind: "hist", buckets: [1n, 2n, 3n, 4n] });
    expect(combine({ kind: "hist", buckets: [1n], bits: 2 }, { kind: "hist", buckets: [1n], bits: 3 })).toBe("hist(x, 2) here, hist(x, 3) there");
    const l = (buckets: bigint[], max = 100n): Aggregate => ({ kind: "lhist", min: 0n, max, step: 10n, buckets });
    expect(combine(l([1n, 2n]), l([3n, 4n, 5n]))).toEqual(l([4n, 6n, 5n]));
    expect(combine(l([1n]), l([1n], 200n))).toBe("lhist(0, 100, 10) here, lhist(0, 200, 10) there");
    expect(combine(count(1n), { kind: "sum", value: 1n })).toBe("count here, sum there");
  });

  it("keys match by value across kinds of key (tuples, integers)", () => {
    const m = new FleetMerge();
    const key = (pid: bigint, comm: string): Value[] => [{ kind: "tuple", elements: [int(pid), str(comm)] }];
    m.add("a", snap("@t", "sum", [[key(1n, "x"), { kind: "sum", value: 10n }], [key(2n, "y"), { kind: "sum", value: 1n }]], { keyNames: ["pid", "comm"] }));
    m.add("b", snap("@t", "sum", [[key(1n, "x"), { kind: "sum", value: 5n }]], { keyNames: ["pid", "comm"] }));
    expect(formatMap(m.merged("@t")!)).toBe("@t[2, y]: 1\n@t[1, x]: 15\n");
    const by = m.byHost("@t", ["a", "b"])!.snap;
    expect(by.keyNames).toEqual(["host", "pid", "comm"]);
    expect(formatMap(by)).toBe("@t[a, 2, y]: 1\n@t[b, 1, x]: 5\n@t[a, 1, x]: 10\n");
  });

  it("plain values have no merge, only a by-host view; a map of another kind is left out and said", () => {
    const m = new FleetMerge();
    m.add("a", snap("@last", "value", [[[], { kind: "value", value: str("a") }]]));
    m.add("b", snap("@last", "value", [[[], { kind: "value", value: str("b") }]]));
    expect(m.merged("@last")).toBeUndefined();
    expect(formatMap(m.byHost("@last", ["a", "b"])!.snap)).toBe("@last[a]: a\n@last[b]: b\n");
    m.add("a", snap("@k", "count", [[[], count(1n)]]));
    m.add("b", snap("@k", "sum", [[[], { kind: "sum", value: 1n }]]));
    expect(m.conflicts).toEqual(["@k: count elsewhere, sum on b; b's is left out"]);
    expect(formatMap(m.merged("@k")!)).toBe("@k: 1\n");
  });

  it("a host that sends a map again replaces its earlier one", () => {
    const m = new FleetMerge();
    m.add("a", snap("@n", "count", [[[], count(1n)]]));
    m.add("b", snap("@n", "count", [[[], count(2n)]]));
    m.add("a", snap("@n", "count", [[[], count(10n)]]));
    expect(formatMap(m.merged("@n")!)).toBe("@n: 12\n");
  });

  it("refuses what is no snapshot", () => {
    expect(() => new FleetMerge().add("a", { v: 2, name: "@x" })).toThrow(/^snapshot json: bad snapshot/);
  });

  it("past BY_HOST_MAX rows the by-host view keeps the merged map's largest keys, for every host", () => {
    const m = new FleetMerge();
    const keys = 10_000;
    for (const h of ["a", "b", "c"]) m.add(h, snap("@big", "count", Array.from({ length: keys }, (_, i): [Value[], Aggregate] => [[int(BigInt(i))], count(BigInt(i))])));
    const by = m.byHost("@big", ["a", "b", "c"], ["a", "b", "c"])!;
    const per = Math.floor(BY_HOST_MAX / 3);
    expect(by.keysShown).toEqual({ shown: per, of: keys });
    expect(by.snap.entries).toHaveLength(3 * per);
    const smallest = by.snap.entries.reduce((min, e) => (e.value.kind === "count" && e.value.value < min ? e.value.value : min), BigInt(keys));
    expect(smallest).toBe(BigInt(keys - per));
    expect(m.byHost("@big", ["a"], ["a"])!.keysShown).toBeUndefined(); // 10,000 rows: all of them
  });
});
