// What every chart spec shares: the schema, the JSON-safe number conversion, the common
// config, and the shape of what each output kind builds.

import type { MapSnapshot } from "../../bpf/types/snapshot.ts";

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** A Vega-Lite spec as plain JSON (no bigint, no functions). */
export type VegaLiteSpec = { readonly $schema: string } & Record<string, unknown>;

/** Counts are uint64 in the kernel; charts take them as doubles (exact up to 2^53). */
export const num = (v: bigint): number => Number(v);

/** A spec with the schema first and the config every Tracebook chart uses. */
export function spec(body: Record<string, unknown>): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...body,
    config: { view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 11 }, font: "sans-serif" },
  };
}

/** What an output kind makes of a snapshot; index.ts turns it into a MIME bundle. */
export interface Rendering {
  readonly vegaLite?: VegaLiteSpec;
  readonly html?: string;
  readonly text: string;
}

/** One output kind (one file each): which snapshots it takes and what it makes of them. */
export interface OutputKind {
  readonly name: string;
  matches(snap: MapSnapshot): boolean;
  render(snap: MapSnapshot): Rendering;
}
