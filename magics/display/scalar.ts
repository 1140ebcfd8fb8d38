// Scalar maps (`@c = count()`, `@x = 5`): bpftrace's line, and a one-row table.

import type { MapSnapshot } from "../../bpf/types/snapshot.ts";
import { formatMap, valueText } from "../../bpf/output/index.ts";
import { htmlTable } from "./html.ts";
import { plotValue, valueTitle } from "./map-values.ts";
import type { OutputKind } from "./vega-lite.ts";

export const scalar: OutputKind = {
  name: "scalar",
  matches: (snap) => !snap.keyed && snap.valueKind !== "hist" && snap.valueKind !== "lhist" && snap.valueKind !== "stats",
  render(snap: MapSnapshot) {
    const text = formatMap(snap);
    const e = snap.entries[0];
    if (!e) return { text };
    const n = plotValue(e.value);
    const shown = n !== undefined ? String(n) : e.value.kind === "value" ? valueText(e.value.value) : "";
    const html = htmlTable({ columns: ["map", valueTitle(snap)], numeric: [false, n !== undefined], rows: [[snap.name, shown]] });
    return { text, html };
  },
};
