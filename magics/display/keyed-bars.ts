// Keyed count/sum/avg/min/max (and integer-valued) maps: the top N entries as horizontal
// bars, largest first, and every entry in a sortable table.

import type { MapSnapshot } from "../../bpf/types/snapshot.ts";
import { formatMap, orderEntries } from "../../bpf/output/index.ts";
import { htmlTable } from "./html.ts";
import { entryLabel, keyCell, keyColumns, keyParts, plotValue, skewedScale, valueTitle } from "./map-values.ts";
import { num, spec, type OutputKind } from "./vega-lite.ts";

/** How many bars the chart shows; the table has every entry. */
export const TOP_N = 20;

const PLOTTED = new Set(["count", "sum", "avg", "min", "max", "value"]);

export const keyedBars: OutputKind = {
  name: "keyed-bars",
  matches: (snap) =>
    snap.keyed && PLOTTED.has(snap.valueKind) && snap.entries.every((e) => plotValue(e.value) !== undefined),
  render(snap: MapSnapshot) {
    const text = formatMap(snap);
    const largestFirst = orderEntries(snap).reverse();
    if (largestFirst.length === 0) return { text };
    const title = valueTitle(snap);
    const columns = keyColumns(snap, largestFirst);
    const html = htmlTable({
      caption: snap.name,
      columns: [...columns, title],
      numeric: [...columns.map(() => false), true],
      rows: largestFirst.map((e) => {
        const cells = keyParts(e).map(keyCell);
        while (cells.length < columns.length) cells.push("");
        return [...cells, String(plotValue(e.value) ?? "")];
      }),
    });
    const shown = largestFirst.slice(0, TOP_N);
    const values = shown.map((e, rank) => ({ key: entryLabel(snap, e), rank, value: num(plotValue(e.value) ?? 0n) }));
    const more = largestFirst.length - shown.length;
    const skew = skewedScale(values.map((v) => v.value));
    const axisTitle = skew ? `${title}, log scale` : title;
    const scale = skew && { scale: skew.scale };
    const y = { field: "key", type: "nominal", sort: { field: "rank", op: "min", order: "ascending" }, title: columns.length === 1 && columns[0] !== "key" ? columns[0] : null, axis: { labelLimit: 260 } };
    const vegaLite = spec({
      title: more > 0 ? { text: `${snap.name}: top ${TOP_N} of ${largestFirst.length}`, subtitle: `${more} more in the table` } : snap.name,
      data: { values },
      width: 420,
      height: { step: 18 },
      encoding: { y },
      layer: [
        {
          mark: { type: "bar", tooltip: true, color: "#4c78a8" },
          encoding: {
            x: { field: "value", type: "quantitative", title: axisTitle, ...scale, stack: null, axis: { format: "~s", ...skew?.axis } },
            tooltip: [
              { field: "key", type: "nominal", title: columns.join(", ") },
              { field: "value", type: "quantitative", title, format: "," },
            ],
          },
        },
        {
          // the value at the end of each bar: small bars stay readable
          mark: { type: "text", align: "left", dx: 3, fontSize: 10, color: "#333" },
          encoding: {
            x: { field: "value", type: "quantitative", ...scale, stack: null },
            text: { field: "value", type: "quantitative", format: ".3~s" },
          },
        },
      ],
    });
    return { text, html, vegaLite };
  },
};
