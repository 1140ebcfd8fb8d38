// Keyed count/sum/avg/min/max (and integer-valued) maps: the top N entries as horizontal
// bars, largest first, and every entry in a sortable table.

import type { MapSnapshot } from "../../bpf/maps/snapshot.ts";
import { formatMap, orderEntries } from "../../bpf/output/index.ts";
import { htmlTable } from "./html.ts";
import { entryLabel, keyCell, keyColumns, keyParts, plotValue, valueTitle } from "./map-values.ts";
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
    const title = valueTitle(snap.valueKind);
    const columns = keyColumns(largestFirst);
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
    const heading = largestFirst.length > TOP_N ? `${snap.name} (top ${TOP_N} of ${largestFirst.length})` : snap.name;
    const vegaLite = spec({
      title: heading,
      data: { values },
      mark: { type: "bar", tooltip: true, color: "#4c78a8" },
      width: 420,
      height: { step: 18 },
      encoding: {
        y: { field: "key", type: "nominal", sort: { field: "rank", op: "min", order: "ascending" }, title: null, axis: { labelLimit: 260 } },
        x: { field: "value", type: "quantitative", title },
        tooltip: [
          { field: "key", type: "nominal" },
          { field: "value", type: "quantitative", title },
        ],
      },
    });
    return { text, html, vegaLite };
  },
};
