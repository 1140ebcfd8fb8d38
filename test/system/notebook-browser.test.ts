// What a person sees of the executed notebooks (notebooks/hello.ipynb and
// investigation.ipynb, run once each by nbconvert with their workloads), in a real browser
// (Debian's Chromium, headless), through three front ends' choices of MIME type:
//   lab       JupyterLab 4's own renderers (@jupyterlab/rendermime + vega5-extension),
//             bundled from test/browser/lab-page.ts and served from 127.0.0.1
//   nbconvert Debian's `jupyter nbconvert --to html` (6.5), opened from file://
//   png-only  what GitHub's notebook view shows: image/png if present, else text/plain
// For every map output (a display or result whose bundle has Vega-Lite, or whose text
// starts with '@'): it is a picture (an img, svg or canvas with at least MIN_DRAWN drawn
// pixels), the page logs no errors, and no cell shows the same map twice. A screenshot of
// each view goes to test-artifacts/<view>-<notebook>.png.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Resvg } from "@resvg/resvg-js";
import { build } from "esbuild";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, browserUnavailableReason, drawnPixels, launchBrowser, screenshot } from "../helpers/browser.ts";
import { ROOT } from "../helpers/jupyter-kernel-process.ts";
import { JUPYTER } from "../helpers/jupyter-server.ts";
import {
  type Cell, execute, type ExecutedNotebook, fileReader, HELLO, INVESTIGATION, jupyterEnv, nbconvertUnavailableReason, type Output, slowCopy, text,
} from "../helpers/notebook-exec.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

const VEGA_LITE = "application/vnd.vegalite.v5+json";
/** Drawn (non-white) pixels below which a picture counts as blank: a chart has tens of thousands. */
const MIN_DRAWN = 2000;

const NOTEBOOKS = [
  { name: "hello", file: HELLO, workload: fileReader },
  { name: "investigation", file: INVESTIGATION, workload: slowCopy },
] as const;
type Name = (typeof NOTEBOOKS)[number]["name"];

interface MapOutput {
  readonly cell: number;
  readonly output: number;
  /** The map's name, "@calls"; from the text, or the chart's title when the text has none. */
  readonly map: string;
}

/** The outputs that show a map: a display or result with a chart, or text starting with '@'. */
function mapOutputs(cells: readonly Cell[]): MapOutput[] {
  return cells.flatMap((cell, c) =>
    (cell.cell_type === "code" ? cell.outputs ?? [] : []).flatMap((o, i) => {
      if (o.output_type !== "display_data" && o.output_type !== "execute_result") return [];
      const plain = text(o.data?.["text/plain"]);
      if (o.data?.[VEGA_LITE] === undefined && !plain.startsWith("@")) return [];
      const title = (o.data?.[VEGA_LITE] as { title?: string | { text?: string } } | undefined)?.title;
      const map = /^@\w*/.exec(plain)?.[0] ?? (typeof title === "string" ? title : title?.text) ?? "(unnamed)";
      return [{ cell: c, output: i, map: /^@\w*/.exec(map)?.[0] ?? map }];
    }),
  );
}

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (ch) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot" }[ch]};`);

/** GitHub's view of an output: its PNG, else its text (streams and errors as text). */
function pngOnlyOutput(o: Output, c: number, i: number): string {
  const png = o.data?.["image/png"];
  const body = png !== undefined
    ? `<img alt="" src="data:image/png;base64,${text(png).replace(/\s/g, "")}">`
    : `<pre>${escapeHtml(o.output_type === "error" ? `${o.ename}: ${o.evalue}` : text(o.data?.["text/plain"] ?? o.text))}</pre>`;
  return `<div class="output" data-cell="${c}" data-output="${i}" data-mime="${png !== undefined ? "image/png" : "text/plain"}">${body}</div>`;
}

function pngOnlyPage(cells: readonly Cell[]): string {
  const sections = cells.map((cell, c) =>
    cell.cell_type !== "code" ? "" : `<section class="cell" data-cell="${c}"><pre class="source">${escapeHtml(text(cell.source))}</pre>${(cell.outputs ?? []).map((o, i) => pngOnlyOutput(o, c, i)).join("")}</section>`,
  );
  return `<!doctype html><html><head><meta charset="utf-8"><title>png-only</title><style>body{font-family:sans-serif;background:#fff}.source{color:#555;border-left:3px solid #ccc;padding-left:6px}</style></head><body>${sections.join("")}</body></html>`;
}

const LAB_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>lab</title><style>body{font-family:sans-serif;background:#fff}.cell{margin:12px 0;border-top:1px solid #ddd}</style></head><body><main id="notebook"></main><script src="/lab-page.js"></script></body></html>`;

/**
 * Debian's nbconvert points its HTML at Debian's copies of require.js and MathJax
 * (packages libjs-requirejs, libjs-mathjax). Where they are not installed the page logs a
 * failed load for each: a fact of this machine, not of the notebook, and invisible (the
 * notebooks have no maths and no widgets). Only those two failures are forgiven, and only
 * while the file is missing.
 */
function forgiven(error: string): boolean {
  const m = /^console: Failed to load resource: net::ERR_FILE_NOT_FOUND \((file:\/\/\/usr\/share\/javascript\/(?:requirejs|mathjax)\/[^?)]+)/.exec(error);
  return m !== null && !existsSync(fileURLToPath(m[1]!));
}

/** A view: how to open a notebook's page, and where on it each output is. */
interface View {
  open(page: Page, nb: Name): Promise<void>;
  output(page: Page, cell: number, output: number): Locator;
}

/** The map outputs not shown as a picture, and the maps a cell shows twice. */
async function inspect(view: View, page: Page, maps: readonly MapOutput[]): Promise<{ blank: string[]; twice: string[] }> {
  const blank: string[] = [];
  const shownIn = new Map<number, string[]>();
  for (const m of maps) {
    const el = view.output(page, m.cell, m.output);
    if ((await el.count()) === 0) {
      blank.push(`cell ${m.cell} output ${m.output} ${m.map}: not on the page`);
      continue;
    }
    await el.scrollIntoViewIfNeeded();
    // The MIME type the front end chose: ours mark it data-mime, nbconvert data-mime-type.
    const mime = await el.evaluate((e) => (e as HTMLElement).dataset.mime ?? e.querySelector("[data-mime-type]")?.getAttribute("data-mime-type") ?? "?");
    const pictures = el.locator("img, svg, canvas");
    let drawn = 0;
    for (let k = 0; k < (await pictures.count()); k++) drawn = Math.max(drawn, await drawnPixels(pictures.nth(k)));
    if (drawn < MIN_DRAWN) blank.push(`cell ${m.cell} output ${m.output} ${m.map} shown as ${mime}: ${drawn} drawn pixels in its img/svg/canvas (want >= ${MIN_DRAWN})`);
    const box = await el.boundingBox();
    if (box && box.height > 0) shownIn.set(m.cell, [...(shownIn.get(m.cell) ?? []), m.map]);
  }
  const twice = [...shownIn].flatMap(([c, names]) => names.filter((n, i) => names.indexOf(n) !== i).map((n) => `cell ${c} shows ${n} twice`));
  return { blank, twice };
}

/** A notebook made to fail every check but the console's: a white PNG, a map shown twice as text. */
function syntheticCells(): Cell[] {
  const png = (fill: string) =>
    new Resvg(`<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100"><rect width="300" height="100" fill="#fff"/><rect x="10" y="10" width="100" height="50" fill="${fill}"/></svg>`).render().asPng().toString("base64");
  const display = (data: Record<string, unknown>): Output => ({ output_type: "display_data", data, metadata: {} });
  return [
    { cell_type: "markdown", source: "synthetic" },
    {
      cell_type: "code",
      source: "",
      outputs: [
        display({ "image/png": png("#fff"), "text/plain": "@blank: 1\n" }),
        display({ "text/plain": "@dup: 1\n" }),
        display({ "text/plain": "@dup: 2\n" }),
        display({ "image/png": png("#4c78a8"), "text/plain": "@drawn: 1\n" }),
      ],
    },
  ];
}

const gates = [nbconvertUnavailableReason(), browserUnavailableReason()].filter((r) => r !== null);
// CI installs nbconvert and Chromium (scripts/setup.sh): there a missing one is a failure, not a skip
if (gates.length > 0 && process.env.TRACEBOOK_REQUIRE_BPF === "1") throw new Error(`browser tests: ${gates.join("; ")}`);

describe.skipIf(gates.length > 0 || skipWithoutBpf())(`executed notebooks in a browser${gates.length ? ` (skipped: ${gates.join("; ")})` : ""}`, () => {
  const executed = new Map<Name, ExecutedNotebook>();
  const nbconvertHtml = new Map<Name, string>();
  let server: Server;
  let base = "";
  let browser: Browser;

  beforeAll(async () => {
    for (const nb of NOTEBOOKS) executed.set(nb.name, await execute(nb.file, nb.workload)); // one at a time: they share tracefs
    for (const [name, nb] of executed) {
      await promisify(execFile)(JUPYTER, ["nbconvert", "--to", "html", "--output-dir", nb.prefix, "--output", name, nb.path], { env: jupyterEnv(nb.prefix), timeout: 60_000 });
      nbconvertHtml.set(name, join(nb.prefix, `${name}.html`));
    }
    const bundle = await build({
      entryPoints: [join(ROOT, "test/browser/lab-page.ts")],
      bundle: true,
      format: "iife",
      platform: "browser",
      write: false,
      define: { "process.env.NODE_ENV": '"production"' },
      loader: { ".svg": "text" }, // @jupyterlab/ui-components imports its icons as strings
      logLevel: "silent",
    });
    const script = bundle.outputFiles[0]!.contents;
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const nb = /^\/(?:nb|png)\/(\w+)\.(?:ipynb|html)$/.exec(url.pathname)?.[1] as Name | undefined;
      const send = (type: string, body: string | Uint8Array) => res.writeHead(200, { "content-type": type }).end(body);
      if (url.pathname === "/lab.html") send("text/html; charset=utf-8", LAB_HTML);
      else if (url.pathname === "/lab-page.js") send("text/javascript; charset=utf-8", script);
      else if (url.pathname === "/favicon.ico") send("image/x-icon", new Uint8Array());
      else if (nb && executed.has(nb) && url.pathname.startsWith("/nb/")) send("application/json", readFileSync(executed.get(nb)!.path));
      else if (nb && executed.has(nb)) send("text/html; charset=utf-8", pngOnlyPage(executed.get(nb)!.cells));
      else if (url.pathname === "/png/synthetic.html") send("text/html; charset=utf-8", pngOnlyPage(syntheticCells()));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  const VIEWS: Record<string, View> = {
    lab: {
      async open(page, nb) {
        await page.goto(`${base}/lab.html?nb=${nb}`);
        await page.waitForSelector("body[data-rendered]", { timeout: 60_000 });
        const [state, error] = await page.evaluate(() => [document.body.dataset.rendered, document.getElementById("render-error")?.textContent ?? ""]);
        expect(state, error).toBe("done");
      },
      output: (page, c, o) => page.locator(`.output[data-cell="${c}"][data-output="${o}"]`),
    },
    nbconvert: {
      async open(page, nb) {
        await page.goto(pathToFileURL(nbconvertHtml.get(nb)!).href, { waitUntil: "load" });
      },
      // nbconvert writes every cell as a .jp-Cell, in order, and each output as a .jp-OutputArea-child.
      output: (page, c, o) => page.locator(".jp-Cell").nth(c).locator(".jp-OutputArea-child").nth(o),
    },
    "png-only": {
      async open(page, nb) {
        await page.goto(`${base}/png/${nb}.html`, { waitUntil: "load" });
      },
      output: (page, c, o) => page.locator(`.output[data-cell="${c}"][data-output="${o}"]`),
    },
  };

  it("the checks see a blank picture, a map as text, a map shown twice and a console error", async () => {
    const { page, errors } = await browser.newPage();
    try {
      await page.goto(`${base}/png/synthetic.html`, { waitUntil: "load" });
      await page.evaluate(() => console.error("synthetic error"));
      const { blank, twice } = await inspect(VIEWS["png-only"]!, page, mapOutputs(syntheticCells()));
      expect(blank).toEqual([
        expect.stringMatching(/^cell 1 output 0 @blank shown as image\/png: 0 drawn pixels/),
        expect.stringMatching(/^cell 1 output 1 @dup shown as text\/plain: 0 drawn pixels/),
        expect.stringMatching(/^cell 1 output 2 @dup shown as text\/plain: 0 drawn pixels/),
      ]); // @drawn's 100×50 rectangle is 5000 drawn pixels
      expect(twice).toEqual(["cell 1 shows @dup twice"]);
      expect(errors.filter((e) => !forgiven(e))).toEqual([expect.stringMatching(/^console: synthetic error/)]);
    } finally {
      await page.close();
    }
  });

  for (const [viewName, view] of Object.entries(VIEWS)) {
    describe(viewName, () => {
      for (const { name } of NOTEBOOKS) {
        it(`${name}.ipynb: every map is a picture, once per cell, and the page logs no errors`, async () => {
          const nb = executed.get(name)!;
          const { page, errors } = await browser.newPage();
          try {
            await view.open(page, name);
            const shot = await screenshot(page, `${viewName}-${name}`);
            const maps = mapOutputs(nb.cells);
            expect(maps.length).toBeGreaterThan(0);
            const { blank, twice } = await inspect(view, page, maps);

            expect.soft(blank, `maps not shown as a picture (screenshot: ${shot})`).toEqual([]);
            expect.soft(errors.filter((e) => !forgiven(e)), `console errors (screenshot: ${shot})`).toEqual([]);
            expect.soft(twice, `maps shown twice in a cell (screenshot: ${shot})`).toEqual([]);
          } finally {
            await page.close();
          }
        });
      }
    });
  }
});
