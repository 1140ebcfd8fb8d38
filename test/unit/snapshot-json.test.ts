// The JSON form of map snapshots (bpf/maps/snapshot-json.ts) round-trips every Value and
// Aggregate kind, through JSON.stringify, and rejects what it did not write.
import { describe, expect, it } from "vitest";
import { snapshotFromJson, snapshotToJson } from "../../bpf/maps/snapshot-json.ts";
import type { MapSnapshot, Value } from "../../bpf/types/snapshot.ts";
import { CASES } from "./golden/output/cases.ts";
import { count, hist, int, lhist, scalar, snap, stack, stats, str, tuple } from "./golden/output/fixtures.ts";

const trip = (s: MapSnapshot) => snapshotFromJson(JSON.parse(JSON.stringify(snapshotToJson(s))));

const values: Value[] = [
  int(0), int(-1n, true), int(2n ** 64n - 1n), str(""), str("héllo\n"),
  stack("vfs_read+5", "ksys_read+10"),
  { kind: "stack", frames: ["main+1"], user: true, mode: "perf" },
  tuple(int(1), str("a"), tuple(int(2, true))),
  { kind: "record", fields: [{ name: "a", value: int(1) }, { name: "b", value: str("x") }] },
  { kind: "array", elements: [int(1), int(2)] },
  { kind: "buf", bytes: new Uint8Array([0, 1, 255, 65]) },
  { kind: "text", text: "vfs_read", origin: "ksym" },
  { kind: "text", text: "plain" },
];

describe("snapshot json", () => {
  it.each(Object.entries(CASES))("round-trips golden case %s", (_, c) => {
    expect(trip(c.snap)).toEqual(c.snap);
  });

  it.each(values.map((v) => [v.kind, v] as const))("round-trips a %s key and value", (_, v) => {
    const s = snap("@m", "value", [{ key: [v], value: { kind: "value", value: v } }]);
    expect(trip(s)).toEqual(s);
  });

  it("round-trips every aggregate, keyNames and unit", () => {
    const aggs = [count(3), { kind: "sum", value: -5n } as const, { kind: "min", value: 1n } as const, { kind: "max", value: 9n } as const,
      stats([1, 2, 3]), stats([4], "avg"), hist([0, 1, 5, -1]), hist([3, 100], 2), lhist([1, 5, 50], 0, 10, 2)];
    for (const a of aggs) {
      const s: MapSnapshot = { ...scalar("@x", a), keyNames: ["comm"], unit: "ns" };
      expect(trip(s)).toEqual(s);
    }
    const keyed = snap("@k", "count", [{ key: [str("a"), int(1)], value: count(1) }]);
    expect(trip(keyed)).toEqual(keyed);
  });

  it("is compact: a count map stores tagged arrays", () => {
    expect(JSON.stringify(snapshotToJson(snap("@c", "count", [{ key: [str("sh")], value: count(2) }]))))
      .toBe('{"v":1,"name":"@c","valueKind":"count","keyed":true,"entries":[[["sh"],["count","2"]]]}');
  });

  it("rejects data it did not write", () => {
    expect(() => snapshotFromJson({ v: 2 })).toThrow(/bad snapshot/);
    expect(() => snapshotFromJson({ v: 1, name: "@x", valueKind: "count", keyed: false, entries: [[[], ["count", "1.5"]]] })).toThrow(/bad integer/);
    expect(() => snapshotFromJson({ v: 1, name: "@x", valueKind: "count", keyed: false, entries: [[[["?"]], ["count", "1"]]] })).toThrow(/bad value/);
  });
});
