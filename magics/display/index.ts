// magics/display owns turning map snapshots into Jupyter MIME bundles, richest first:
// Vega-Lite v5 chart, the same chart as server-side SVG and PNG, HTML that shows the chart
// (front ends pick text/html first) above its table, and bpftrace's text (bpf/output).
// One file per output kind (DESIGN.md "What a cell returns"); this file picks the kind.
// It takes snapshots as plain data: it must not import native/, the session or zeromq,
// and it loads vega, vega-lite and resvg lazily, only to draw pictures.

import type { MapSnapshot } from "../../bpf/types/snapshot.ts";
import { snapshotToJson } from "../../bpf/maps/snapshot-json.ts";
import { diff } from "./diff.ts";
import { flameGraph } from "./flame-graph.ts";
import { histogram } from "./histogram.ts";
import { keyedBars } from "./keyed-bars.ts";
import { scalar } from "./scalar.ts";
import { stats } from "./stats.ts";
import { renderSvg } from "./svg.ts";
import { table } from "./table.ts";
import { timeSeries, type Sample } from "./time-series.ts";
import { tseries } from "./tseries.ts";
import { VEGA_LITE_MIME, type OutputKind, type Rendering, type VegaLiteSpec } from "./vega-lite.ts";
import { renderPng, type Png } from "./png.ts";
import { escapeHtml } from "./html.ts";
import { provenanceHtml, type Provenance } from "./provenance.ts";
import type { MimeBundle } from "../../kernel/interpreter.ts";

export { renderSvg } from "./svg.ts";
export { escapeHtml } from "./html.ts";
export { renderPng, PNG_SCALE, type Png } from "./png.ts";
export { provenanceLine, type Provenance } from "./provenance.ts";
export type { MimeBundle } from "../../kernel/interpreter.ts";
export { foldedStacks } from "./flame-graph.ts";
export { diffIncompatibility } from "./diff.ts";
export type { Sample } from "./time-series.ts";
export { VEGA_LITE_MIME, VEGA_LITE_SCHEMA, type OutputKind, type Rendering, type VegaLiteSpec } from "./vega-lite.ts";

/** What a display carries: the MIME bundle and its metadata (image sizes, provenance). */
export interface Display {
  readonly data: MimeBundle;
  readonly metadata: Record<string, unknown>;
}

/** First match wins: stacks before histograms before stats before bars; table catches all. */
const KINDS: readonly OutputKind[] = [flameGraph, histogram, tseries, stats, keyedBars, scalar, table];

/** The output kind that displays `snap`. */
export function outputKind(snap: MapSnapshot): OutputKind {
  return KINDS.find((k) => k.matches(snap)) ?? table;
}

/** A chart drawn on the server: SVG, and the PNG for front ends that show no SVG. */
interface Picture {
  readonly svg: string;
  readonly png: Png;
}

async function picture(spec: VegaLiteSpec): Promise<Picture> {
  const svg = await renderSvg(spec);
  return { svg, png: await renderPng(svg) };
}

/** The chart as an <img>: every front end ranks text/html first, so the HTML shows it. */
function figureHtml(pic: Picture, alt: string): string {
  const { base64, width, height } = pic.png;
  return `<img class="tracebook-chart" src="data:image/png;base64,${base64}" width="${width}" height="${height}" alt="${escapeHtml(alt)}" style="max-width:100%;height:auto">`;
}

function bundle(r: Rendering, pic?: Picture, prov?: Provenance): Display {
  const data: MimeBundle = {};
  const metadata: Record<string, unknown> = {};
  if (r.vegaLite) data[VEGA_LITE_MIME] = r.vegaLite;
  if (pic) {
    data["image/svg+xml"] = pic.svg;
    data["image/png"] = pic.png.base64;
    metadata["image/png"] = { width: pic.png.width, height: pic.png.height };
  }
  if (pic || r.html !== undefined) {
    const title = typeof r.vegaLite?.title === "string" ? r.vegaLite.title : "chart";
    const parts = [pic ? figureHtml(pic, title) : "", r.html ?? "", prov ? provenanceHtml(prov) : ""];
    data["text/html"] = `<div class="tracebook-output">${parts.join("")}</div>`;
  }
  data["text/plain"] = r.text;
  if (prov) metadata.tracebook = prov;
  return { data, metadata };
}

async function withPicture(r: Rendering, prov?: Provenance): Promise<Display> {
  return bundle(r, r.vegaLite ? await picture(r.vegaLite) : undefined, prov);
}

/** The bundle without pictures (synchronous: what a refresh can afford when vega is busy). */
export function mapBundle(snap: MapSnapshot): MimeBundle {
  return bundle(outputKind(snap).render(snap)).data;
}

/**
 * A map as a person sees it: the chart as Vega-Lite, SVG and PNG, HTML with the chart
 * above the table, bpftrace's text; `prov` goes into metadata.tracebook and under the
 * chart. The first call loads vega and resvg (about half a second); later renders take
 * tens of milliseconds.
 */
export async function mapDisplay(snap: MapSnapshot, prov?: Provenance): Promise<Display> {
  return recorded(await withPicture(outputKind(snap).render(snap), prov), snap, prov);
}

/** The record: what was displayed, as data (a notebook can be read, diffed and replayed from it). */
function recorded(d: Display, snap: MapSnapshot, prov: Provenance | undefined): Display {
  if (prov) d.metadata.tracebook = { ...prov, snapshot: snapshotToJson(snap) };
  return d;
}

/** A map sampled over time as a line chart, with its pictures. */
export async function timeSeriesDisplay(samples: readonly Sample[], prov?: Provenance): Promise<Display> {
  return withPicture(timeSeries(samples), prov);
}

/** A map sampled over time as a line chart (no pictures). */
export function timeSeriesBundle(samples: readonly Sample[]): MimeBundle {
  return bundle(timeSeries(samples)).data;
}

/** A chart a %%ts cell built itself, with its pictures. */
export async function chartDisplay(vegaLite: VegaLiteSpec, text: string): Promise<Display> {
  return withPicture({ vegaLite, text });
}

/** One map at two moments (%diff): the change per key as diverging bars over a table, with pictures. */
export async function diffDisplay(before: MapSnapshot, after: MapSnapshot, labels: readonly [string, string]): Promise<Display> {
  return withPicture(diff(before, after, labels));
}
