// Server-side SVG of a Vega-Lite spec: vega-lite compile → vega View (renderer "none") →
// toSVG(). vega and vega-lite load lazily, once, on the first render (about 0.5 s); a render
// then takes tens of milliseconds.

import type { VegaLiteSpec } from "./vega-lite.ts";

interface Renderer {
  svg(spec: VegaLiteSpec): Promise<string>;
}

let loading: Promise<Renderer> | undefined;

async function load(): Promise<Renderer> {
  const [vl, vega] = await Promise.all([import("vega-lite"), import("vega")]);
  return {
    async svg(spec) {
      // vega tags data objects it ingests (Symbol(vega_id)); it must not touch the bundle's spec.
      const copy = structuredClone(spec) as unknown as Parameters<typeof vl.compile>[0];
      const compiled = vl.compile(copy).spec;
      const view = new vega.View(vega.parse(compiled), { renderer: "none" });
      try {
        return withTitles(await view.toSVG());
      } finally {
        view.finalize();
      }
    },
  };
}

/** The chart as an SVG document (starts with "<svg"). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  loading ??= load().catch((e: unknown) => {
    loading = undefined; // a failed import is retried on the next render
    throw e;
  });
  return (await loading).svg(spec);
}

/**
 * Every mark item's description (vega's aria-label) also as its <title>, so hovering a bar
 * or a flame-graph frame in the SVG shows its name and value, as the Vega-Lite tooltip does.
 */
export function withTitles(svg: string): string {
  return svg.replace(/<(path|rect|text|line|circle)\b([^>]*?)\saria-label="([^"]*)"([^>]*?)\/>/g, (_m, tag: string, a: string, label: string, b: string) =>
    `<${tag}${a} aria-label="${label}"${b}><title>${label}</title></${tag}>`,
  );
}
