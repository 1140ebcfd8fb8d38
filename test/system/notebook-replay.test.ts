// A notebook is a record: hello.ipynb executed as root with nbconvert, saved, then
// executed again by an ordinary user (uid 65534, no capabilities) in the same directory.
// There the kernel cannot trace, so every cell that traced shows its recording — the same
// map text and printf lines, marked "replayed from <host>" — the %%ts cell computes over
// the recorded maps, and nothing errs.
import { execFile } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { JUPYTER } from "../helpers/jupyter-server.ts";
import { type Cell, execute, fileReader, HELLO, jupyterEnv, nbconvertUnavailableReason, text } from "../helpers/notebook-exec.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

const unavailable = nbconvertUnavailableReason();
const NOBODY = 65534;

function chmodTree(dir: string): void {
  chmodSync(dir, 0o777);
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) chmodTree(p);
    else chmodSync(p, 0o666);
  }
}

/** What a person reads of a cell: its streams and the text of its map outputs (not progress lines). */
function shown(c: Cell): { streams: string; maps: string[] } {
  const outs = c.outputs ?? [];
  return {
    streams: outs.filter((o) => o.output_type === "stream").map((o) => text(o.text)).join(""),
    maps: outs
      .filter((o) => o.output_type === "display_data" && (o.metadata?.tracebook as { snapshot?: unknown } | undefined)?.snapshot !== undefined)
      .map((o) => text(o.data?.["text/plain"])),
  };
}

describe.skipIf(unavailable !== null || skipWithoutBpf())(`replay${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("hello.ipynb executed as root, then by an unprivileged user: the same maps and lines, replayed, no errors", async () => {
    const recorded = await execute(HELLO, fileReader);
    const prefix = recorded.prefix;
    chmodTree(prefix);
    await promisify(execFile)(
      "setpriv",
      [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--inh-caps=-all", JUPYTER,
        "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=60",
        "--output-dir", prefix, "--output", "replayed", recorded.path],
      { env: { ...jupyterEnv(prefix), HOME: prefix }, timeout: 120_000 },
    );
    const replayed = JSON.parse(readFileSync(join(prefix, "replayed.ipynb"), "utf8")) as { cells: Cell[] };
    const code = (nb: { cells: Cell[] }) => nb.cells.filter((c) => c.cell_type === "code");
    const before = code(recorded);
    const after = code(replayed);
    expect(after).toHaveLength(before.length);
    expect(after.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "error"))).toEqual([]);
    let maps = 0;
    for (let i = 0; i < before.length; i++) {
      const src = text(before[i]!.source);
      if (src.startsWith("%%ts")) continue; // computed again below
      expect(shown(after[i]!), src).toEqual(shown(before[i]!));
      maps += shown(before[i]!).maps.length;
      const marks = (after[i]!.outputs ?? []).map((o) => text(o.data?.["text/plain"])).filter((t) => t.startsWith("replayed"));
      expect(marks, src).toHaveLength(1);
      expect(marks[0]).toContain("nothing attached: this kernel cannot trace");
      // where the recording has provenance (map outputs), the mark names its host and time
      if (shown(before[i]!).maps.length > 0) expect(marks[0]).toMatch(new RegExp(`^replayed from ${hostname()}, \\d{4}-\\d\\d-\\d\\d `));
    }
    expect(maps).toBeGreaterThanOrEqual(2); // @bytes and @opens
    // the %%ts cell read @opens from the recording: the same result
    const ts = (nb: Cell[]) => text(nb.find((c) => text(c.source).startsWith("%%ts"))?.outputs?.find((o) => o.output_type === "execute_result")?.data?.["text/plain"]);
    expect(ts(after)).not.toBe("");
    expect(ts(after)).toBe(ts(before));
  }, 240_000);
});
