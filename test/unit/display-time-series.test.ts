// A map sampled over time (interval + print): a line per key, and the prints' text.

import { compile } from "vega-lite";
import { describe, expect, it } from "vitest";
import { formatMap } from "../../bpf/output/index.ts";
import { mapDisplay, outputKind, timeSeriesBundle, timeSeriesDisplay, VEGA_LITE_MIME, VEGA_LITE_SCHEMA } from "../../magics/display/index.ts";
import type { Aggregate } from "../../bpf/types/snapshot.ts";
import { count, hist, scalar, snap, str } from "./golden/output/fixtures.ts";

const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const samples = [1, 2, 3].map((i) => ({
  t: t0 + i * 1000,
  snap: snap("@opens", "count", [
    { key: [str("cat")], value: count(i) },
    { key: [str("bash")], value: count(10 * i) },
  ]),
}));

describe("timeSeriesBundle", () => {
  it("plots one line per key over time", async () => {
    const { data: b } = await timeSeriesDisplay(samples);
    expect(Object.keys(b)).toEqual([VEGA_LITE_MIME, "image/svg+xml", "image/png", "text/html", "text/plain"]);
    const spec = b[VEGA_LITE_MIME] as { $schema: string; data: { values: { t: number; key: string; value: number }[] } };
    expect(spec.$schema).toBe(VEGA_LITE_SCHEMA);
    expect(() => compile(spec as unknown as Parameters<typeof compile>[0])).not.toThrow();
    expect(spec.data.values).toContainEqual({ t: t0 + 3000, key: "bash", value: 30 });
    expect(spec.data.values).toHaveLength(6);
    expect(b["image/svg+xml"]).toMatch(/^<svg/);
  });

  it("prints what bpftrace prints for each print(@m)", () => {
    expect(timeSeriesBundle(samples)["text/plain"]).toBe(samples.map((s) => formatMap(s.snap)).join(""));
    expect(timeSeriesBundle(samples)["text/plain"]).toBe(
      "@opens[cat]: 1\n@opens[bash]: 10\n@opens[cat]: 2\n@opens[bash]: 20\n@opens[cat]: 3\n@opens[bash]: 30\n",
    );
  });

  it("plots a scalar", () => {
    const s = timeSeriesBundle([
      { t: t0, snap: scalar("@n", count(1)) },
      { t: t0 + 1000, snap: scalar("@n", count(4)) },
    ]);
    expect((s[VEGA_LITE_MIME] as { data: { values: unknown[] } }).data.values).toEqual([
      { t: t0, key: "@n", value: 1 },
      { t: t0 + 1000, key: "@n", value: 4 },
    ]);
  });

  it("gives text only when there is nothing to plot", () => {
    expect(Object.keys(timeSeriesBundle([]))).toEqual(["text/plain"]);
  });
});

describe("histograms over time", () => {
  const prints = [1, 2, 3].map((i) => ({
    t: t0 + i * 1000,
    snap: snap("@us", "hist", [
      { key: [str("dd")], value: hist([...Array(i * 10).fill(100), 5000]) },
      { key: [str("cp")], value: hist(Array(i).fill(100)) },
    ]),
  }));

  it("are a heatmap: a column per print, a row per bucket, keys summed, largest buckets on top", async () => {
    const { data } = await timeSeriesDisplay(prints);
    const spec = data[VEGA_LITE_MIME] as { mark: { type: string }; data: { values: { t: number; bucket: string; count: number }[] }; encoding: { y: { sort: string[] } } };
    expect(spec.mark.type).toBe("rect");
    const at = (t: number, bucket: string) => spec.data.values.find((v) => v.t === t && v.bucket === bucket)?.count;
    expect(at(t0 + 2000, "[64, 128)")).toBe(22); // dd's 20 and cp's 2
    expect(at(t0 + 3000, "[4K, 8K)")).toBe(1);
    expect(spec.encoding.y.sort[0]).toBe("[4K, 8K)");
    expect(spec.encoding.y.sort.at(-1)).toBe("[64, 128)");
    expect(() => compile(spec as unknown as Parameters<typeof compile>[0])).not.toThrow();
    expect(data["image/png"]).toBeDefined();
    expect(data["text/plain"]).toBe(prints.map((p) => formatMap(p.snap)).join(""));
  });

  it("gives prints less than a second apart columns of their own (interval:ms:250)", async () => {
    const quick = [0, 250, 500, 750].map((ms, i) => ({ t: t0 + ms, snap: snap("@us", "hist", [{ key: [], value: hist(Array(i + 1).fill(100)) }]) }));
    const { data } = await timeSeriesDisplay(quick);
    const svg = String(data["image/svg+xml"]);
    // one rect mark per print, each in a column of its own
    const xs = new Set([...svg.matchAll(/aria-roledescription="rect mark" d="M([\d.]+),/g)].map((m) => m[1]));
    const marks = [...svg.matchAll(/aria-roledescription="rect mark"/g)].length;
    expect(marks).toBe(4);
    expect(xs.size).toBe(4);
  });
});

describe("a tseries() map", () => {
  // 100ms intervals from 12:00:00.500 UTC: @lat[a] at 5, 6, 8 (no value at 7), @lat[b] at 9
  const base = BigInt(t0) * 1_000_000n / 100_000_000n;
  const ts = (points: [number, number][]): Aggregate => ({ kind: "tseries", intervalNs: 100_000_000n, numIntervals: 5n, signed: true, points: points.map(([e, v]) => ({ epoch: base + BigInt(e), value: BigInt(v) })) });
  const lat = snap("@lat", "tseries", [
    { key: [str("b")], value: ts([[9, 2]]) },
    { key: [str("a")], value: ts([[5, 9], [6, -3], [8, 4]]) },
  ]);

  it("is a line per key over its intervals, gaps left out, with bpftrace's graph as text", async () => {
    expect(outputKind(lat).name).toBe("tseries");
    const { data: b } = await mapDisplay(lat);
    const spec = b[VEGA_LITE_MIME] as { data: { values: { t: number; key: string; value: number }[] } };
    expect(() => compile(spec as unknown as Parameters<typeof compile>[0])).not.toThrow();
    expect(spec.data.values).toEqual([
      { t: t0 + 500, key: "a", value: 9 },
      { t: t0 + 600, key: "a", value: -3 },
      { t: t0 + 800, key: "a", value: 4 },
      { t: t0 + 900, key: "b", value: 2 },
    ]);
    expect(b["image/svg+xml"]).toMatch(/^<svg/);
    expect(b["text/plain"]).toBe(formatMap(lat));
  });

  it("is its text alone when no interval has a value", () => {
    expect(outputKind(snap("@e", "tseries", [])).render(snap("@e", "tseries", []))).toEqual({ text: "\n" });
  });
});
