// PNG of a chart, rasterised on the server from its SVG with @resvg/resvg-js (no browser),
// for the front ends that show no inline SVG: GitHub's notebook view and Debian's
// nbconvert 6.5 (PLATFORM.md). resvg loads lazily, once, with the system's fonts.

/** Pixels per SVG unit: charts are drawn at twice their size and shown at their size. */
export const PNG_SCALE = 2;

export interface Png {
  /** base64, as Jupyter carries image/png. */
  readonly base64: string;
  /** The chart's size in CSS pixels (the image is PNG_SCALE times larger). */
  readonly width: number;
  readonly height: number;
}

import { existsSync } from "node:fs";

type ResvgModule = typeof import("@resvg/resvg-js");
let loading: Promise<ResvgModule> | undefined;

const DEJAVU = "/usr/share/fonts/truetype/dejavu";
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf"].map((f) => `${DEJAVU}/${f}`);
let fonts: { loadSystemFonts: boolean; fontFiles?: string[] } | undefined;

/** The DejaVu files charts use when present, else the system's fonts. */
function fontSource(): { loadSystemFonts: boolean; fontFiles?: string[] } {
  fonts ??= FONT_FILES.every((f) => existsSync(f)) ? { loadSystemFonts: false, fontFiles: FONT_FILES } : { loadSystemFonts: true };
  return fonts;
}

/** The SVG document rasterised on a white background. */
export async function renderPng(svg: string): Promise<Png> {
  loading ??= import("@resvg/resvg-js").catch((e: unknown) => {
    loading = undefined; // a failed import is retried on the next render
    throw e;
  });
  const { Resvg } = await loading;
  const r = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: PNG_SCALE },
    // vega names "sans-serif"; resvg maps generic families to these (Debian: fonts-dejavu-core).
    // Scanning every system font costs ~15 ms a render: load just these when they are there.
    font: { ...fontSource(), defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans", monospaceFamily: "DejaVu Sans Mono" },
  });
  const image = r.render();
  return {
    base64: image.asPng().toString("base64"),
    width: Math.round(image.width / PNG_SCALE),
    height: Math.round(image.height / PNG_SCALE),
  };
}
