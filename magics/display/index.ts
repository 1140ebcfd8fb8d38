// magics/display owns turning map snapshots into Jupyter MIME bundles, richest first:
// Vega-Lite v5 chart, the same chart as server-side SVG, an HTML table, and bpftrace's
// text (bpf/output). One file per output kind (DESIGN.md "What a cell returns"); this
// file picks the kind. It takes snapshots as plain data: it must not import native/, the
// session or zeromq, and it loads vega/vega-lite lazily, only to render SVG.

import type { MapSnapshot } from "../../bpf/maps/snapshot.ts";
import { flameGraph } from "./flame-graph.ts";
import { histogram } from "./histogram.ts";
import { keyedBars } from "./keyed-bars.ts";
import { scalar } from "./scalar.ts";
import { stats } from "./stats.ts";
import { renderSvg } from "./svg.ts";
import { table } from "./table.ts";
import { timeSeries, type Sample } from "./time-series.ts";
import { VEGA_LITE_MIME, type OutputKind, type Rendering } from "./vega-lite.ts";

export { renderSvg } from "./svg.ts";
export { escapeHtml } from "./html.ts";
export { foldedStacks } from "./flame-graph.ts";
export type { Sample } from "./time-series.ts";
export { VEGA_LITE_MIME, VEGA_LITE_SCHEMA, type OutputKind, type Rendering, type VegaLiteSpec } from "./vega-lite.ts";

export type MimeBundle = Record<string, unknown>;

/** First match wins: stacks before histograms before stats before bars; table catches all. */
const KINDS: readonly OutputKind[] = [flameGraph, histogram, stats, keyedBars, scalar, table];

/** The output kind that displays `snap`. */
export function outputKind(snap: MapSnapshot): OutputKind {
  return KINDS.find((k) => k.matches(snap)) ?? table;
}

function bundle(r: Rendering, svg?: string): MimeBundle {
  const b: MimeBundle = {};
  if (r.vegaLite) b[VEGA_LITE_MIME] = r.vegaLite;
  if (svg !== undefined) b["image/svg+xml"] = svg;
  if (r.html !== undefined) b["text/html"] = r.html;
  b["text/plain"] = r.text;
  return b;
}

async function withSvg(r: Rendering): Promise<MimeBundle> {
  return bundle(r, r.vegaLite ? await renderSvg(r.vegaLite) : undefined);
}

/** The bundle without SVG (synchronous; what a live display refresh can afford). */
export function mapBundle(snap: MapSnapshot): MimeBundle {
  return bundle(outputKind(snap).render(snap));
}

/**
 * The full bundle, with the chart rendered to SVG for front ends without a Vega-Lite
 * renderer. The first call loads vega (about half a second); later renders take tens of
 * milliseconds.
 */
export async function mapBundleWithSvg(snap: MapSnapshot): Promise<MimeBundle> {
  return withSvg(outputKind(snap).render(snap));
}

/** A map sampled over time as a line chart (no SVG). */
export function timeSeriesBundle(samples: readonly Sample[]): MimeBundle {
  return bundle(timeSeries(samples));
}

/** A map sampled over time as a line chart, with its SVG. */
export async function timeSeriesBundleWithSvg(samples: readonly Sample[]): Promise<MimeBundle> {
  return withSvg(timeSeries(samples));
}
