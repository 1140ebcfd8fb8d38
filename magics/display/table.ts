// Keyed maps whose values are not numbers (strings, tuples, symbols, buffers): a table,
// in bpftrace's order, and bpftrace's lines. Also the fallback for any other map.

import type { MapSnapshot } from "../../bpf/types/snapshot.ts";
import { formatMap, orderEntries, valueText } from "../../bpf/output/index.ts";
import { htmlTable } from "./html.ts";
import { keyCell, keyColumns, keyParts, plotValue, valueTitle } from "./map-values.ts";
import type { OutputKind } from "./vega-lite.ts";

export const table: OutputKind = {
  name: "table",
  matches: () => true,
  render(snap: MapSnapshot) {
    const text = formatMap(snap);
    const entries = orderEntries(snap);
    if (entries.length === 0) return { text };
    const columns = keyColumns(snap, entries);
    const html = htmlTable({
      caption: snap.name,
      columns: [...columns, valueTitle(snap)],
      numeric: [...columns.map(() => false), false],
      rows: entries.map((e) => {
        const cells = keyParts(e).map(keyCell);
        while (cells.length < columns.length) cells.push("");
        const v = e.value;
        const shown = v.kind === "value" ? valueText(v.value).trim() : String(plotValue(v) ?? "");
        return [...cells, shown];
      }),
    });
    return { text, html };
  },
};
