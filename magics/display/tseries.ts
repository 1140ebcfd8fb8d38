// tseries() maps: a line per key over the map's own intervals (the kernel keeps them, so one
// print is already a series), and bpftrace's text graph. Intervals with no value are gaps.

import type { MapSnapshot } from "../../bpf/types/snapshot.ts";
import { entryLabel } from "./map-values.ts";
import { formatMap } from "../../bpf/output/index.ts";
import { timeSeries } from "../../bpf/output/tseries.ts";
import { num, type OutputKind } from "./vega-lite.ts";
import { lineChart } from "./time-series.ts";

/** At most this many lines (the most recently updated keys); the text has them all. */
const MAX_LINES = 12;

export const tseries: OutputKind = {
  name: "tseries",
  matches: (snap) => snap.valueKind === "tseries",
  render(snap: MapSnapshot) {
    const text = formatMap(snap);
    // timeSeries orders keys from least to most recently updated
    const series = timeSeries(snap).slice(-MAX_LINES);
    const points = series.flatMap((s) =>
      s.intervals.flatMap((i) => (i.value === undefined ? [] : [{ t: num(i.startNs / 1_000_000n), key: entryLabel(snap, s.entry), value: num(i.value) }])),
    );
    if (points.length === 0) return { text };
    const keys = [...new Set(points.map((p) => p.key))];
    const vegaLite = lineChart(`${snap.name} by interval`, points, keys, "interval start", "value");
    return { text, vegaLite };
  },
};
