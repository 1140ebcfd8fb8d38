// Prints an executed notebook as text: each code cell, then its outputs (text/plain of
// streams, displays and results; ename/evalue of errors; the MIME types of rich outputs).
import { readFileSync } from "node:fs";

const nb = JSON.parse(readFileSync(process.argv[2], "utf8"));
const text = (t) => (Array.isArray(t) ? t.join("") : (t ?? ""));
for (const cell of nb.cells) {
  if (cell.cell_type !== "code") continue;
  console.log(`\n─── In [${cell.execution_count ?? " "}]:\n${text(cell.source)}`);
  for (const o of cell.outputs ?? []) {
    if (o.output_type === "stream") process.stdout.write(text(o.text));
    else if (o.output_type === "error") console.log(`${o.ename}: ${o.evalue}`);
    else {
      const mimes = Object.keys(o.data ?? {});
      console.log(`[${o.output_type}: ${mimes.join(", ")}]`);
      if (o.data?.["text/plain"]) console.log(text(o.data["text/plain"]));
    }
  }
}
