// A map sampled over time (`interval:s:1 { print(@m); }`, or the live display's refreshes):
// one line per key, and the text bpftrace prints for the same prints, one after another.

import type { MapSnapshot } from "../../bpf/types/snapshot.ts";
import { bucketRows, formatMap } from "../../bpf/output/index.ts";
import { entryLabel, plotValue, valueTitle } from "./map-values.ts";
import { num, spec, type Rendering, type VegaLiteSpec } from "./vega-lite.ts";

export interface Sample {
  /** When the map was read, in milliseconds since the epoch. */
  readonly t: number;
  readonly snap: MapSnapshot;
}

/** At most this many lines (the keys with the largest last value); the text has them all. */
export const MAX_SERIES = 12;

export function timeSeries(samples: readonly Sample[]): Rendering {
  const text = samples.map((s) => formatMap(s.snap)).join("");
  const kind = samples[0]?.snap.valueKind;
  if (kind === "hist" || kind === "lhist") return heatmap(samples, text);
  const points = samples.flatMap((s) =>
    s.snap.entries.flatMap((e) => {
      const v = plotValue(e.value);
      return v !== undefined ? [{ t: s.t, key: entryLabel(s.snap, e), value: num(v) }] : [];
    }),
  );
  if (points.length === 0) return { text };
  const last = new Map<string, number>();
  for (const p of points) last.set(p.key, p.value);
  const keys = [...last.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_SERIES).map(([k]) => k);
  const shown = new Set(keys);
  const first = samples[0]?.snap;
  const title = first ? `${first.name} over time` : "over time";
  const vegaLite = lineChart(title, points.filter((p) => shown.has(p.key)), keys, "time", first ? valueTitle(first) : "value");
  return { text, vegaLite };
}

/** Lines of { t (ms since the epoch), key, value }, one colour per key in `keys`' order. */
export function lineChart(title: string, values: readonly { t: number; key: string; value: number }[], keys: readonly string[], xTitle: string, yTitle: string): VegaLiteSpec {
  return spec({
    title,
    data: { values },
    width: 600,
    height: 240,
    mark: { type: "line", point: true, tooltip: true },
    encoding: {
      x: { field: "t", type: "temporal", title: xTitle },
      y: { field: "value", type: "quantitative", title: yTitle },
      color: { field: "key", type: "nominal", sort: keys, title: "key", legend: keys.length > 1 ? {} : null },
      tooltip: [
        { field: "t", type: "temporal", format: "%H:%M:%S.%L", title: xTitle },
        { field: "key", type: "nominal" },
        { field: "value", type: "quantitative" },
      ],
    },
  });
}

/** A sample's local wall-clock time to the millisecond: "14:03:27.215". */
function clock(t: number): string {
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

/**
 * Histograms over time (`interval:s:1 { print(@h); clear(@h); }`): a heatmap, one column
 * per print, one row per bucket, the count as colour (the keys of a keyed map summed).
 */
function heatmap(samples: readonly Sample[], text: string): Rendering {
  const cells = new Map<string, { t: number; time: string; bucket: string; low: number; count: number }>();
  for (const s of samples) {
    for (const e of s.snap.entries) {
      const v = e.value;
      if (v.kind !== "hist" && v.kind !== "lhist") continue;
      for (const r of bucketRows(v)) {
        const low = r.low !== undefined ? num(r.low) : Number.NEGATIVE_INFINITY;
        const id = `${s.t}\u0000${r.label}`;
        const c = cells.get(id);
        if (c) c.count += num(r.count);
        else cells.set(id, { t: s.t, time: clock(s.t), bucket: r.label, low, count: num(r.count) });
      }
    }
  }
  if (cells.size === 0) return { text };
  const all = [...cells.values()];
  const order = [...new Map(all.map((c) => [c.bucket, c.low])).entries()].sort((a, b) => b[1] - a[1]).map(([b]) => b);
  // empty buckets stay blank (their rows remain, from the domain)
  const values = all.filter((c) => c.count > 0);
  const first = samples[0]!.snap;
  const buckets = first.valueKind === "hist" ? "log2 buckets" : "linear buckets";
  const columns = new Set(values.map((c) => c.t)).size;
  const vegaLite = spec({
    title: `${first.name} over time`,
    data: { values: values.map(({ low: _low, ...c }) => c) },
    width: Math.min(720, Math.max(240, columns * 14)),
    height: { step: 14 },
    mark: { type: "rect", tooltip: true },
    encoding: {
      // one column per print, labelled with its wall-clock time: prints less than a second
      // apart (interval:ms:250) must not share a column, which a temporal scale at whole
      // seconds (and vega-lite's timeUnit) would do
      x: { field: "time", type: "ordinal", sort: { field: "t" }, title: "time", axis: { labelAngle: -45, labelOverlap: true } },
      y: { field: "bucket", type: "ordinal", sort: order, scale: { domain: order }, title: first.unit !== undefined ? `${first.unit}, ${buckets}` : buckets },
      color: { field: "count", type: "quantitative", scale: { scheme: "blues", type: "symlog" }, title: "count" },
      tooltip: [
        { field: "time", type: "ordinal", title: "time" },
        { field: "bucket", type: "ordinal" },
        { field: "count", type: "quantitative" },
      ],
    },
  });
  return { text, vegaLite };
}
