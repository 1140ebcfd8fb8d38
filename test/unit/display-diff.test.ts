// %diff's computation and rendering: keys added, removed and changed; histogram buckets;
// stack keys; the spec as JupyterLab's vega-lite (5.6.1) compiles it.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { diff, diffIncompatibility, diffRows, DECREASE_COLOUR, INCREASE_COLOUR } from "../../magics/display/diff.ts";
import { cellNumber, MapHistory } from "../../magics/map-history.ts";
import { count, hist, scalar, snap, stack, str } from "./golden/output/fixtures.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const vl5 = createRequire(join(ROOT, "node_modules/@jupyterlab/vega5-extension/package.json"))("vega-lite") as {
  compile(spec: unknown, opts: unknown): unknown;
};
function compile5(spec: unknown): string[] {
  const said: string[] = [];
  const logger = {
    level: (l?: number) => (l === undefined ? 2 : logger),
    warn: (...a: unknown[]) => (said.push(`warn: ${a.join(" ")}`), logger),
    error: (...a: unknown[]) => (said.push(`error: ${a.join(" ")}`), logger),
    info: () => logger,
    debug: () => logger,
  };
  try {
    vl5.compile(JSON.parse(JSON.stringify(spec)), { logger });
  } catch (e) {
    said.push(`throws: ${(e as Error).message}`);
  }
  return said;
}

const A = snap("@c", "count", [{ key: [str("a")], value: count(1) }, { key: [str("b")], value: count(1) }, { key: [str("gone")], value: count(4) }]);
const B = snap("@c", "count", [{ key: [str("a")], value: count(2) }, { key: [str("b")], value: count(1) }, { key: [str("c")], value: count(2) }]);

describe("%diff", () => {
  it("has a row for every key on either side, largest change first", () => {
    expect(diffRows(A, B)).toEqual([
      { key: "gone", before: 4n, after: 0n, change: -4n, percent: -100 },
      { key: "c", before: 0n, after: 2n, change: 2n, percent: undefined },
      { key: "a", before: 1n, after: 2n, change: 1n, percent: 100 },
      { key: "b", before: 1n, after: 1n, change: 0n, percent: 0 },
    ]);
  });

  it("renders text, a table and diverging bars in two colours", () => {
    const r = diff(A, B, ["cell[1]", "now"]);
    expect(r.text).toBe("@c: cell[1] -> now\ngone  4 -> 0  (-4, -100%)\nc     0 -> 2  (+2, new)\na     1 -> 2  (+1, +100%)\nb     1 -> 1  (0, 0%)\n");
    expect(r.html).toContain("<th data-num=\"1\" style=\"text-align:right\">change %</th>");
    expect(r.html).toContain("<td style=\"text-align:left\">c</td><td style=\"text-align:right\">0</td><td style=\"text-align:right\">2</td><td style=\"text-align:right\">+2</td>");
    const spec = r.vegaLite as unknown as { data: { values: { key: string; direction: string }[] }; encoding: { color: { scale: { range: string[] } } } };
    expect(spec.data.values.map((v) => [v.key, v.direction])).toEqual([["gone", "decrease"], ["c", "increase"], ["a", "increase"], ["b", "unchanged"]]);
    expect(spec.encoding.color.scale.range.slice(0, 2)).toEqual([INCREASE_COLOUR, DECREASE_COLOUR]);
    expect(compile5(r.vegaLite)).toEqual([]);
  });

  it("compares histograms bucket by bucket, in bucket order", () => {
    const rows = diffRows(scalar("@h", hist([1, 2])), scalar("@h", hist([1, 1, 2, 5])));
    expect(rows.map((r) => [r.key, r.before, r.after])).toEqual([["[1]", 1n, 2n], ["[2, 4)", 1n, 1n], ["[4, 8)", 0n, 1n]]);
    expect(compile5(diff(scalar("@h", hist([1])), scalar("@h", hist([1, 9])), ["cell[1]", "cell[2]"]).vegaLite)).toEqual([]);
  });

  it("compares stack keys by their printed stack", () => {
    const k = (n: number) => snap("@", "count", [{ key: [stack("vfs_read+5", "ksys_read+1")], value: count(n) }]);
    expect(diffRows(k(3), k(5)).map((r) => r.change)).toEqual([2n]);
  });

  it("draws a map keyed by stacks as a differential flame graph: widths now, colour the change", async () => {
    const at = (read: number, write: number, open: number) =>
      snap("@s", "count", [
        { key: [stack("vfs_read+5", "main+1")], value: count(read) },
        { key: [stack("vfs_write+9", "main+1")], value: count(write) },
        ...(open ? [{ key: [stack("do_open+2", "main+1")], value: count(open) }] : []),
      ]);
    const r = diff(at(3, 2, 0), at(6, 1, 2), ["cell[1]", "now"]);
    expect(r.text).toBe("@s: cell[1] -> now\nmain+1;vfs_read+5   3 -> 6  (+3, +100%)\nmain+1;do_open+2    0 -> 2  (+2, new)\nmain+1;vfs_write+9  2 -> 1  (-1, -50%)\n");
    const spec = r.vegaLite as unknown as { layer: { mark: { type: string } }[]; data: { values: { name: string; before: number; after: number; ratio: number }[] } };
    expect(spec.layer[0]!.mark.type).toBe("rect");
    const box = (name: string) => spec.data.values.find((v) => v.name === name);
    expect(box("vfs_read")).toMatchObject({ before: 3, after: 6, ratio: 1 });
    expect(box("vfs_write")).toMatchObject({ before: 2, after: 1, ratio: -0.5 });
    expect(box("do_open")).toMatchObject({ before: 0, after: 2, ratio: 1 });
    expect(box("main")).toMatchObject({ before: 5, after: 9, ratio: 0.8 });
    expect(compile5(r.vegaLite)).toEqual([]);
    const { diffDisplay } = await import("../../magics/display/index.ts");
    const d = await diffDisplay(at(3, 2, 0), at(6, 1, 2), ["cell[1]", "now"]);
    expect(String(d.data["image/svg+xml"])).toContain("vfs_read: 3 -&gt; 6 (+3, +100%)");
    expect(d.data["image/png"]).toBeDefined();
  });

  it("refuses a histogram against a count map", () => {
    expect(diffIncompatibility(scalar("@h", hist([1])), scalar("@h", count(1)))).toMatch(/was a hist map and is a count map now/);
  });

  it("keeps each cell's snapshots and finds the latest", () => {
    const h = new MapHistory();
    h.record("cell[1]", A);
    h.record("cell[3]", B);
    expect(h.latest("@c")?.cell).toBe(3);
    expect(h.latest("@c", 3)?.cell).toBe(1);
    expect(h.at(2, "@c")).toBeUndefined();
    expect(h.cellsWith("@c")).toEqual([1, 3]);
    expect([cellNumber("cell[7]"), cellNumber("7"), cellNumber("x")]).toEqual([7, 7, undefined]);
  });

  it("keeps each map's last `keep` snapshots and knows which it let go", () => {
    const h = new MapHistory(3);
    for (const cell of [1, 2, 4, 5, 7]) h.record(`cell[${cell}]`, A);
    h.record("cell[2]", B);
    expect(h.cellsWith("@c")).toEqual([4, 5, 7]);
    expect([1, 2, 3, 4].map((c) => h.letGo(c, "@c"))).toEqual([true, true, false, false]); // cell 3 never had one
    expect(h.at(2, "@c")).toBeUndefined();
    expect(h.latest("@c", 5)?.cell).toBe(4);
    expect(h.letGo(9, "@c")).toBe(false);
  });
});
