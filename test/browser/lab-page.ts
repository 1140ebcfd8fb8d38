/// <reference lib="dom" />
// The page behind the "JupyterLab" view of test/system/notebook-browser.test.ts, bundled
// by esbuild for the browser. It renders an executed notebook's outputs the way
// JupyterLab 4's output area does, with JupyterLab's own code: each output becomes an
// OutputModel (trusted: the person ran these cells), the registry picks
// preferredMimeType(data, trusted ? "any" : "ensure"), and that MIME type's renderer
// renders the model into a div of its own, marked data-cell (the cell's index in the
// notebook), data-output (the output's index in the cell) and data-mime (the choice).
// When every renderer has finished (Vega renders asynchronously), <body> gets
// data-rendered="done", or "failed" with the error in #render-error.

import type * as nbformat from "@jupyterlab/nbformat";
import { OutputModel, RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";
import vega5, { rendererFactory as vegaFactory } from "@jupyterlab/vega5-extension";
import { Widget } from "@lumino/widgets";

interface Notebook {
  readonly cells: { readonly cell_type: string; readonly outputs?: nbformat.IOutput[] }[];
}

function registry(): RenderMimeRegistry {
  const r = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
  // JupyterLab registers a mime extension's factory with the extension's rank (57 for
  // Vega); the factory object itself carries none and would otherwise rank last (100).
  const ext = (Array.isArray(vega5) ? vega5[0] : vega5) as { rank?: number };
  r.addFactory(vegaFactory, ext.rank ?? 57);
  return r;
}

async function renderNotebook(nb: Notebook, root: HTMLElement): Promise<void> {
  const rendermime = registry();
  const pending: Promise<void>[] = [];
  nb.cells.forEach((cell, c) => {
    if (cell.cell_type !== "code") return;
    const cellDiv = document.createElement("section");
    cellDiv.className = "cell";
    cellDiv.dataset.cell = String(c);
    root.appendChild(cellDiv);
    (cell.outputs ?? []).forEach((output, o) => {
      const div = document.createElement("div");
      div.className = "output";
      div.dataset.cell = String(c);
      div.dataset.output = String(o);
      cellDiv.appendChild(div);
      const model = new OutputModel({ value: output, trusted: true });
      const mime = rendermime.preferredMimeType(model.data, model.trusted ? "any" : "ensure");
      div.dataset.mime = mime ?? "";
      if (mime === undefined) {
        // What JupyterLab's output area shows when nothing can render a bundle.
        div.textContent = `No renderer could be found for output. It has the following MIME types: ${Object.keys(model.data).join(", ")}`;
        return;
      }
      const renderer = rendermime.createRenderer(mime);
      Widget.attach(renderer, div);
      pending.push(renderer.renderModel(model));
    });
  });
  await Promise.all(pending);
}

async function main(): Promise<void> {
  const name = new URLSearchParams(location.search).get("nb") ?? "";
  const nb = (await (await fetch(`/nb/${encodeURIComponent(name)}.ipynb`)).json()) as Notebook;
  await renderNotebook(nb, document.getElementById("notebook") ?? document.body);
}

main().then(
  () => {
    document.body.dataset.rendered = "done";
  },
  (e: unknown) => {
    const pre = document.createElement("pre");
    pre.id = "render-error";
    pre.textContent = e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e);
    document.body.appendChild(pre);
    document.body.dataset.rendered = "failed";
  },
);
