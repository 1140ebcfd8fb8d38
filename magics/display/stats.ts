// stats() maps: a table-like chart (count, average, total per key as text cells) and the
// same numbers as an HTML table.

import type { MapSnapshot } from "../../bpf/types/snapshot.ts";
import { average, formatMap, orderEntries } from "../../bpf/output/index.ts";
import { htmlTable } from "./html.ts";
import { entryLabel, keyCell, keyColumns, keyParts } from "./map-values.ts";
import { spec, type OutputKind } from "./vega-lite.ts";

const FIELDS = ["count", "average", "total"] as const;

export const stats: OutputKind = {
  name: "stats",
  matches: (snap) => snap.valueKind === "stats",
  render(snap: MapSnapshot) {
    const text = formatMap(snap);
    const rows = orderEntries(snap)
      .reverse()
      .flatMap((e) => (e.value.kind === "stats" ? [{ e, count: e.value.count, total: e.value.total }] : []))
      .map((r) => ({ ...r, average: average(r.count, r.total) }));
    if (rows.length === 0) return { text };
    const columns = snap.keyed ? keyColumns(snap, rows.map((r) => r.e)) : [];
    const html = htmlTable({
      caption: snap.name,
      columns: [...columns, ...FIELDS],
      numeric: [...columns.map(() => false), true, true, true],
      rows: rows.map((r) => {
        const cells = snap.keyed ? keyParts(r.e).map(keyCell) : [];
        while (cells.length < columns.length) cells.push("");
        return [...cells, String(r.count), String(r.average), String(r.total)];
      }),
    });
    // Numbers stay strings here: a table shows them exactly, even past 2^53.
    const values = rows.flatMap((r, rank) =>
      FIELDS.map((field) => ({ key: entryLabel(snap, r.e), rank, field, value: String(r[field]) })),
    );
    const vegaLite = spec({
      title: snap.name,
      data: { values },
      mark: { type: "text", align: "right", baseline: "middle", fontSize: 12 },
      width: { step: 110 },
      height: { step: 20 },
      encoding: {
        x: { field: "field", type: "nominal", sort: [...FIELDS], title: null, axis: { orient: "top", labelAngle: 0, domain: false, ticks: false } },
        y: { field: "key", type: "nominal", sort: { field: "rank", op: "min", order: "ascending" }, title: null, axis: { domain: false, ticks: false, labelLimit: 260 } },
        text: { field: "value", type: "nominal" },
      },
    });
    return { text, html, vegaLite };
  },
};
