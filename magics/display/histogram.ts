// hist() and lhist() maps: a bar chart over the printed buckets (one panel per key), the
// same buckets bpftrace's ASCII histogram shows.

import type { HistValue, LhistValue, MapSnapshot } from "../../bpf/types/snapshot.ts";
import { bucketRows, formatMap, orderEntries } from "../../bpf/output/index.ts";
import { entryLabel, skewedScale } from "./map-values.ts";
import { num, spec, type OutputKind } from "./vega-lite.ts";

const isHist = (v: { kind: string }): v is HistValue | LhistValue => v.kind === "hist" || v.kind === "lhist";

export const histogram: OutputKind = {
  name: "histogram",
  matches: (snap) => snap.valueKind === "hist" || snap.valueKind === "lhist",
  render(snap: MapSnapshot) {
    const text = formatMap(snap);
    const entries = orderEntries(snap).filter((e) => isHist(e.value));
    const values = entries.flatMap((e) => {
      if (!isHist(e.value)) return [];
      const key = entryLabel(snap, e);
      return bucketRows(e.value).map((r, order) => ({
        key,
        bucket: r.label,
        order,
        count: num(r.count),
        low: r.low !== undefined ? num(r.low) : null,
        high: r.high !== undefined ? num(r.high) : null,
      }));
    });
    if (values.length === 0) return { text };
    const buckets = snap.valueKind === "hist" ? "log2 buckets" : "linear buckets";
    const unit = snap.unit !== undefined ? `${snap.unit}, ${buckets}` : buckets;
    // skewed counts (a few huge buckets) on a log axis, so a bucket of 31 stays visible
    const skew = skewedScale(values.map((v) => v.count).filter((c) => c > 0));
    const y = {
      field: "count",
      type: "quantitative",
      title: skew ? "count, log scale" : "count",
      ...(skew && { scale: skew.scale }),
      axis: { format: "~s", ...skew?.axis },
    };
    const bars = {
      encoding: {
        x: {
          field: "bucket",
          type: "ordinal",
          sort: { field: "order", op: "min", order: "ascending" },
          title: unit,
          axis: { labelAngle: -45 },
        },
        y,
      },
      layer: [
        {
          mark: { type: "bar", tooltip: true, color: "#4c78a8" },
          encoding: {
            tooltip: [
              { field: "bucket", type: "nominal" },
              { field: "count", type: "quantitative" },
              { field: "low", type: "quantitative", title: "min" },
              { field: "high", type: "quantitative", title: "max" },
            ],
          },
        },
        {
          // each non-empty bucket's count above its bar: a bucket of 1 next to one of 10^5 stays readable
          // (a condition, not a filter: a filtered layer is another data source to a facet)
          mark: { type: "text", baseline: "bottom", dy: -2, fontSize: 9, color: "#333" },
          encoding: { text: { condition: { test: "datum.count > 0", field: "count", type: "quantitative", format: ".2~s" }, value: "" } },
        },
      ],
    };
    if (!snap.keyed) {
      return { text, vegaLite: spec({ title: snap.name, data: { values }, width: { step: 22 }, height: 220, ...bars }) };
    }
    const keys = [...new Set(values.map((v) => v.key))].reverse(); // largest total first
    return {
      text,
      vegaLite: spec({
        title: snap.name,
        data: { values },
        facet: { row: { field: "key", type: "nominal", sort: keys, title: null, header: { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top" } } },
        // one layer: vega-lite 5.6 cannot union a layered facet's independent scales cleanly
        spec: { width: { step: 22 }, height: 140, mark: bars.layer[0]!.mark, encoding: { ...bars.encoding, ...bars.layer[0]!.encoding } },
        resolve: { scale: { x: "independent", y: "independent" } },
      }),
    };
  },
};
