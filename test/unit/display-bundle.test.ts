// MIME bundles per output kind: which MIME types, valid Vega-Lite (compiled by vega-lite
// itself), SVG rendered server-side, escaped HTML, and text/plain exactly as formatMap.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "vega-lite";
import { describe, expect, it } from "vitest";
import type { MapSnapshot } from "../../bpf/types/snapshot.ts";
import { formatMap } from "../../bpf/output/index.ts";
import { snapshotFromJson } from "../../bpf/maps/snapshot-json.ts";
import { mapBundle, mapDisplay, outputKind, provenanceLine, VEGA_LITE_MIME, VEGA_LITE_SCHEMA, type Provenance } from "../../magics/display/index.ts";
import { CASES } from "./golden/output/cases.ts";
import { count, hist, int, scalar, snap, stack, stats, str } from "./golden/output/fixtures.ts";
import { golden } from "../helpers/golden.ts";

const SVG = "image/svg+xml";
const PNG = "image/png";
const HTML = "text/html";
const PLAIN = "text/plain";
const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), "golden", "display");

function compiles(spec: unknown): void {
  expect((spec as { $schema: string }).$schema).toBe(VEGA_LITE_SCHEMA);
  expect(() => compile(spec as Parameters<typeof compile>[0])).not.toThrow();
  // Bundles travel as JSON: no bigint, nothing lost in a round trip.
  expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
}

const EXPECTED: [string, MapSnapshot, string, string[]][] = [
  ["hist", CASES["hist-conformance"]!.snap, "histogram", [VEGA_LITE_MIME, SVG, PNG, HTML, PLAIN]],
  ["keyed hist", CASES["hist-keyed"]!.snap, "histogram", [VEGA_LITE_MIME, SVG, PNG, HTML, PLAIN]],
  ["lhist", CASES.lhist!.snap, "histogram", [VEGA_LITE_MIME, SVG, PNG, HTML, PLAIN]],
  ["keyed count", CASES["keyed-count"]!.snap, "keyed-bars", [VEGA_LITE_MIME, SVG, PNG, HTML, PLAIN]],
  ["keyed sum", CASES["sum-signed"]!.snap, "keyed-bars", [VEGA_LITE_MIME, SVG, PNG, HTML, PLAIN]],
  ["keyed avg", CASES["avg-top-div"]!.snap, "keyed-bars", [VEGA_LITE_MIME, SVG, PNG, HTML, PLAIN]],
  ["keyed min", CASES["min-max"]!.snap, "keyed-bars", [VEGA_LITE_MIME, SVG, PNG, HTML, PLAIN]],
  ["multi-key ints", CASES["multi-key"]!.snap, "keyed-bars", [VEGA_LITE_MIME, SVG, PNG, HTML, PLAIN]],
  ["stats", CASES.stats!.snap, "stats", [VEGA_LITE_MIME, SVG, PNG, HTML, PLAIN]],
  ["keyed stats", CASES["stats-keyed-top"]!.snap, "stats", [VEGA_LITE_MIME, SVG, PNG, HTML, PLAIN]],
  ["scalar count", CASES["scalar-count"]!.snap, "scalar", [HTML, PLAIN]],
  ["scalar avg", CASES.avg!.snap, "scalar", [HTML, PLAIN]],
  ["tuple value", CASES["tuple-value"]!.snap, "scalar", [HTML, PLAIN]],
  ["string values", CASES["string-values"]!.snap, "table", [HTML, PLAIN]],
  ["stack keys", CASES["stack-keys"]!.snap, "flame-graph", [VEGA_LITE_MIME, SVG, PNG, HTML, PLAIN]],
  ["empty", CASES["empty-count"]!.snap, "keyed-bars", [PLAIN]],
  ["empty hist", CASES["hist-empty"]!.snap, "histogram", [PLAIN]],
];

describe("mapDisplay", () => {
  for (const [name, s, kind, mimes] of EXPECTED) {
    it(`${name}: ${kind} with ${mimes.join(", ")}`, async () => {
      expect(outputKind(s).name).toBe(kind);
      const { data: b } = await mapDisplay(s);
      expect(Object.keys(b)).toEqual(mimes); // richest first
      if (b[VEGA_LITE_MIME]) compiles(b[VEGA_LITE_MIME]);
      if (b[SVG]) expect(b[SVG]).toMatch(/^<svg[\s>]/);
      if (kind !== "flame-graph") expect(b[PLAIN]).toBe(formatMap(s));
      const sync = mapBundle(s);
      // without pictures, HTML is there only for the kinds that have a table
      const tables = new Set(["keyed-bars", "stats", "scalar", "table"]);
      expect(Object.keys(sync)).toEqual(mimes.filter((m) => m !== SVG && m !== PNG && (m !== HTML || tables.has(kind))));
    });
  }

  it("carries the conformance samples' text", async () => {
    const h = (await mapDisplay(CASES["hist-conformance"]!.snap)).data;
    expect(h[PLAIN]).toContain("@h:\n[4, 8)                 1 |");
    const c = (await mapDisplay(CASES["keyed-count"]!.snap)).data;
    expect(c[PLAIN]).toContain("@calls[open]: 1\n@calls[read]: 2");
    expect(mapBundle(CASES["scalar-count"]!.snap)[PLAIN]).toContain("@c: 3");
  });

  it("pins the histogram chart spec", () => {
    const spec = JSON.stringify(mapBundle(CASES["hist-conformance"]!.snap)[VEGA_LITE_MIME], null, 2) + "\n";
    golden(join(GOLDEN, "hist-conformance.vl.json"), spec);
  });

  it("draws the hist buckets bpftrace prints, in order", () => {
    const spec = mapBundle(CASES["hist-conformance"]!.snap)[VEGA_LITE_MIME] as { data: { values: { bucket: string; count: number }[] } };
    expect(spec.data.values.map((v) => [v.bucket, v.count])).toEqual([
      ["[4, 8)", 1], ["[8, 16)", 0], ["[16, 32)", 0], ["[32, 64)", 0], ["[64, 128)", 1],
    ]);
  });
});

describe("HTML tables", () => {
  const evil = snap("@x", "count", [
    { key: [str("<script>alert(1)</script>")], value: count(2) },
    { key: [str(`a"b'&c`)], value: count(1) },
  ]);

  it("escape keys", () => {
    const html = mapBundle(evil)[HTML] as string;
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
    expect(html).toContain("a&#34;b&#39;&#38;c");
    // The only <script> is the table's own sorter.
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html.indexOf("<script>alert")).toBe(-1);
  });

  it("list every entry, largest first, and the chart shows the top 20", () => {
    const many = snap("@n", "count", Array.from({ length: 30 }, (_, i) => ({ key: [str(`k${i}`)], value: count(i + 1) })));
    const b = mapBundle(many);
    const rows = (b[HTML] as string).match(/<tr>/g) ?? [];
    expect(rows).toHaveLength(31); // header + 30
    expect((b[HTML] as string).indexOf("k29")).toBeLessThan((b[HTML] as string).indexOf("k0<"));
    const spec = b[VEGA_LITE_MIME] as { title: unknown; data: { values: { key: string }[] } };
    expect(spec.data.values).toHaveLength(20);
    expect(spec.data.values[0]?.key).toBe("k29");
    expect(spec.title).toEqual({ text: "@n: top 20 of 30", subtitle: "10 more in the table" });
  });

  it("give stats their three columns", () => {
    const html = mapBundle(snap("@s", "stats", [{ key: [str("zsh")], value: stats([10, 30]) }]))[HTML] as string;
    expect(html).toMatch(/<th[^>]*>count<\/th><th[^>]*>average<\/th><th[^>]*>total<\/th>/);
    expect(html).toContain(">2</td><td style=\"text-align:right\">20</td><td style=\"text-align:right\">40<");
  });
});

describe("SVG rendering", () => {
  it("is fast once vega is loaded", async () => {
    const s = scalar("@lat", hist(Array.from({ length: 2000 }, (_, i) => i * 997)));
    await mapDisplay(s); // load vega
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await mapDisplay(s);
      times.push(performance.now() - t);
    }
    const stack20 = snap("@", "count", Array.from({ length: 200 }, (_, i) => ({ key: [stack(`f${i % 7}+1`, `g${i % 13}+2`, `main+${i}`)], value: count(i + 1) })));
    const t = performance.now();
    const b = (await mapDisplay(stack20)).data;
    const flame = performance.now() - t;
    expect(b[SVG]).toMatch(/^<svg/);
    console.log(`svg render: hist ${times.map((x) => x.toFixed(1)).join(", ")} ms; flame graph (200 stacks) ${flame.toFixed(1)} ms`);
    expect(Math.min(...times)).toBeLessThan(500);
  });
});

/** The PNG's size from its IHDR chunk. */
function pngSize(base64: string): { width: number; height: number } {
  const b = Buffer.from(base64, "base64");
  expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(b.toString("latin1", 12, 16)).toBe("IHDR");
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe("pictures for every front end", () => {
  // Every front end shows text/html first (PLATFORM.md): its HTML must show the chart, and
  // GitHub and nbconvert 6.5 show no SVG, so the chart is a PNG.
  for (const [name, s] of [
    ["keyed count", CASES["keyed-count"]!.snap],
    ["hist", CASES["hist-conformance"]!.snap],
    ["stack keys", CASES["stack-keys"]!.snap],
    ["stats", CASES.stats!.snap],
  ] as const) {
    it(`${name}: image/png, drawn at twice the size its metadata gives, and the same PNG in the HTML above the table`, async () => {
      const { data, metadata } = await mapDisplay(s);
      const png = data[PNG] as string;
      const size = pngSize(png);
      const meta = metadata[PNG] as { width: number; height: number };
      expect(size.width).toBe(meta.width * 2);
      expect(Math.abs(size.height - meta.height * 2)).toBeLessThanOrEqual(1);
      expect(meta.width).toBeGreaterThan(100);
      const html = data[HTML] as string;
      const img = html.indexOf(`<img class="tracebook-chart" src="data:image/png;base64,${png}"`);
      expect(img).toBeGreaterThan(-1);
      expect(html).toContain(`width="${meta.width}" height="${meta.height}"`);
      const table = html.indexOf("<table");
      if (table >= 0) expect(img).toBeLessThan(table); // the chart above its table
    });
  }

  it("draws text with real glyphs (fonts found): a chart with labels has many distinct rows of ink", async () => {
    const { data } = await mapDisplay(CASES["keyed-count"]!.snap);
    // a PNG without fonts is bars only and compresses to almost nothing
    expect(Buffer.from(data[PNG] as string, "base64").length).toBeGreaterThan(4000);
  });

  it("maps without a chart have no picture", async () => {
    const { data, metadata } = await mapDisplay(CASES["scalar-count"]!.snap);
    expect(data[PNG]).toBeUndefined();
    expect(metadata[PNG]).toBeUndefined();
    expect(data[HTML]).toContain("<table");
  });
});

describe("provenance", () => {
  const prov: Provenance = {
    tracebook: "0.1.0",
    kernel: "6.18.0-test",
    host: "box<1>",
    origin: "cell[3]",
    probes: ["tracepoint:syscalls:sys_enter_read", "BEGIN"],
    started: "2026-12-02T18:40:01.250Z",
    durationMs: 4012,
    ended: "timeout",
    eventsLost: 2,
    mapFullDrops: { "@calls": 7 },
  };

  it("travels in metadata.tracebook and is shown, escaped, under the chart", async () => {
    const { data, metadata } = await mapDisplay(CASES["keyed-count"]!.snap, prov);
    const { snapshot, ...rest } = metadata.tracebook as Provenance & { snapshot: unknown };
    expect(rest).toEqual(prov);
    // the map itself, as data: it reads back to the snapshot that was displayed
    expect(snapshotFromJson(JSON.parse(JSON.stringify(snapshot)))).toEqual(CASES["keyed-count"]!.snap);
    expect(JSON.parse(JSON.stringify(metadata))).toEqual(metadata);
    const html = data[HTML] as string;
    expect(html).toContain("box&#60;1&#62;");
    expect(html.indexOf("tracebook-provenance")).toBeGreaterThan(html.indexOf("<table"));
    expect(data[PLAIN]).toBe(formatMap(CASES["keyed-count"]!.snap)); // bpftrace's text stays bpftrace's
  });

  it("reads as one line", () => {
    expect(provenanceLine(prov)).toBe(
      "Linux 6.18.0-test on box<1> · 2 probes · 2026-12-02 18:40:01 UTC for 4.0 s (timeout) · 2 events lost · map full: @calls dropped 7 · Tracebook 0.1.0",
    );
  });
});

describe("charts that read at a glance", () => {
  type Enc = { field?: string; title?: unknown; scale?: { type: string } };
  type Layered = { layer: { mark: { type: string }; encoding: { x: Enc } }[]; encoding: { y: Enc } };

  it("names tuple-key columns after the key expressions", () => {
    const s = { ...snap("@", "count", [{ key: [int(1), str("bash")], value: count(3) }, { key: [int(2), str("sh")], value: count(1) }]), keyNames: ["ppid", "comm"] };
    const html = mapBundle(s)[HTML] as string;
    expect(html).toMatch(/<th[^>]*>ppid<\/th><th[^>]*>comm<\/th><th[^>]*>count<\/th>/);
    // without names (a map read back from an older notebook): numbered
    expect(mapBundle({ ...s, keyNames: undefined })[HTML]).toMatch(/>key 1<\/th><th[^>]*>key 2</);
  });

  it("puts the unit in the axis and column titles", () => {
    const s = { ...snap("@bytes", "sum", [{ key: [str("cat")], value: { kind: "sum", value: 4096n } }]), unit: "bytes", keyNames: ["comm"] };
    const b = mapBundle(s);
    expect(b[HTML]).toContain(">sum (bytes)</th>");
    expect((b[VEGA_LITE_MIME] as Layered).layer[0]!.encoding.x.title).toBe("sum (bytes)");
    const h = mapBundle({ ...scalar("@us", hist([3, 40, 700])), unit: "µs" })[VEGA_LITE_MIME] as { encoding: { x: Enc } };
    expect(h.encoding.x.title).toBe("µs, log2 buckets");
  });

  it("uses a log scale, and says so, when values span more than two decades; labels every bar", () => {
    const skewed = snap("@calls", "count", [
      { key: [str("read")], value: count(90_000) },
      { key: [str("write")], value: count(40_000) },
      { key: [str("openat")], value: count(31) },
    ]);
    const v = mapBundle(skewed)[VEGA_LITE_MIME] as Layered;
    expect(v.layer[0]!.encoding.x.scale).toEqual({ type: "symlog" });
    expect(v.layer[0]!.encoding.x.title).toBe("count, log scale");
    expect(v.layer.map((l) => l.mark.type)).toEqual(["bar", "text"]);
    compiles(v);
    const even = snap("@calls", "count", [{ key: [str("a")], value: count(50) }, { key: [str("b")], value: count(40) }]);
    expect((mapBundle(even)[VEGA_LITE_MIME] as Layered).layer[0]!.encoding.x.scale).toBeUndefined();
  });

  it("gives skewed histograms a symlog count axis (empty buckets stay zero)", () => {
    const h = mapBundle(scalar("@lat", hist([...Array(5000).fill(100), ...Array(31).fill(100_000)])))[VEGA_LITE_MIME] as { encoding: { y: Enc } };
    expect(h.encoding.y.scale).toEqual({ type: "symlog" });
    compiles(h);
  });
});
