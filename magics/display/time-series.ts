// A map sampled over time (`interval:s:1 { print(@m); }`, or the live display's refreshes):
// one line per key, and the text bpftrace prints for the same prints, one after another.

import type { MapSnapshot } from "../../bpf/maps/snapshot.ts";
import { formatMap } from "../../bpf/output/index.ts";
import { entryLabel, plotValue, valueTitle } from "./map-values.ts";
import { num, spec, type Rendering } from "./vega-lite.ts";

export interface Sample {
  /** When the map was read, in milliseconds since the epoch. */
  readonly t: number;
  readonly snap: MapSnapshot;
}

/** At most this many lines (the keys with the largest last value); the text has them all. */
export const MAX_SERIES = 12;

export function timeSeries(samples: readonly Sample[]): Rendering {
  const text = samples.map((s) => formatMap(s.snap)).join("");
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
  const vegaLite = spec({
    title,
    data: { values: points.filter((p) => shown.has(p.key)) },
    width: 600,
    height: 240,
    mark: { type: "line", point: true, tooltip: true },
    encoding: {
      x: { field: "t", type: "temporal", title: "time" },
      y: { field: "value", type: "quantitative", title: first ? valueTitle(first) : "value" },
      color: { field: "key", type: "nominal", sort: keys, title: "key", legend: keys.length > 1 ? {} : null },
      tooltip: [
        { field: "t", type: "temporal", format: "%H:%M:%S.%L", title: "time" },
        { field: "key", type: "nominal" },
        { field: "value", type: "quantitative" },
      ],
    },
  });
  return { text, vegaLite };
}
