// Every chart spec compiles with vega-lite 5.6.1, the version JupyterLab 4 renders with
// (its yarn.lock; PLATFORM.md), without errors or warnings. The project's own vega-lite is
// 6.x; 5.6.1 is the copy nested under @jupyterlab/vega5-extension (package.json overrides).
// A spec that uses a 6.x-only feature fails here, or draws wrongly with a warning.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { MapSnapshot } from "../../bpf/types/snapshot.ts";
import { mapBundle, outputKind, timeSeriesBundle, VEGA_LITE_MIME, type MimeBundle } from "../../magics/display/index.ts";
import { count, hist, int, lhist, scalar, snap, stack, stats, str, tuple } from "./golden/output/fixtures.ts";

type VegaLite5 = typeof import("../../node_modules/@jupyterlab/vega5-extension/node_modules/vega-lite/build/src/index.js");

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
// Resolved from the extension's own directory, so it is the nested 5.6.1, not the top-level 6.x.
const vl5 = createRequire(join(ROOT, "node_modules/@jupyterlab/vega5-extension/package.json"))("vega-lite") as VegaLite5;

/** Compiles `spec` with vega-lite 5; what its logger said at warn level and above. */
function compile5(spec: unknown): string[] {
  const said: string[] = [];
  const record = (level: string) => (...args: readonly unknown[]) => {
    said.push(`${level}: ${args.map(String).join(" ")}`);
    return logger;
  };
  const logger = {
    level(_?: number) {
      return _ === undefined ? 2 : logger; // vega-util's Warn
    },
    warn: record("warn"),
    error: record("error"),
    info: (..._args: readonly unknown[]) => logger,
    debug: (..._args: readonly unknown[]) => logger,
  };
  try {
    // vega-lite tags data it ingests; compile a copy, as the front end gets JSON.
    vl5.compile(JSON.parse(JSON.stringify(spec)) as Parameters<VegaLite5["compile"]>[0], { logger: logger as never });
  } catch (e) {
    said.push(`throws: ${(e as Error).message}`);
  }
  return said;
}

const t0 = Date.UTC(2026, 11, 2, 12, 0, 0);
const syscalls = (i: number): MapSnapshot =>
  snap("@calls", "count", [
    { key: [str("read")], value: count(1200 * i) },
    { key: [str("write")], value: count(1100 * i) },
    { key: [str("openat")], value: count(3 * i) },
  ]);

/** [what, snapshot, the output kind that shows it, whether it draws a chart] */
const CASES: [string, MapSnapshot, string, boolean][] = [
  ["hist", scalar("@read_bytes", hist([0, 1, 7, 512, 700, 1000, 4096])), "histogram", true],
  ["keyed hist", snap("@us", "hist", [
    { key: [str("dd")], value: hist([3, 9, 600]) },
    { key: [str("bash")], value: hist([1, 2]) },
  ]), "histogram", true],
  ["lhist", scalar("@l", lhist([5, 200, -1, 42], 0, 100, 10)), "histogram", true],
  ["keyed lhist", snap("@l", "lhist", [
    { key: [int(1)], value: lhist([5, 50], 0, 100, 10) },
    { key: [int(2)], value: lhist([95], 0, 100, 10) },
  ]), "histogram", true],
  ["keyed count", syscalls(1), "keyed-bars", true],
  ["multi-key sum", snap("@launched_by", "sum", [
    { key: [tuple(int(4242), str("bash"))], value: { kind: "sum", value: 3n } },
    { key: [tuple(int(1), str("systemd"))], value: { kind: "sum", value: 1n } },
  ]), "keyed-bars", true],
  ["keyed avg", snap("@lat", "avg", [
    { key: [str("read")], value: stats([10, 20], "avg") },
    { key: [str("write")], value: stats([5], "avg") },
  ]), "keyed-bars", true],
  ["more keys than bars", snap("@pid", "count", Array.from({ length: 30 }, (_, i) => ({ key: [int(1000 + i)], value: count(i + 1) }))), "keyed-bars", true],
  ["stats", scalar("@s", stats([2, 8, 90])), "stats", true],
  ["keyed stats", snap("@sizes", "stats", [
    { key: [str("read")], value: stats([512, 512, 100]) },
    { key: [str("write")], value: stats([512]) },
  ]), "stats", true],
  ["scalar count", scalar("@c", count(3)), "scalar", false],
  ["table of strings", snap("@last", "value", [
    { key: [int(1)], value: { kind: "value", value: str("cat") } },
    { key: [int(2)], value: { kind: "value", value: str("bash") } },
  ]), "table", false],
  ["flame graph", snap("@stacks", "count", [
    { key: [stack("vfs_read+5", "ksys_read+112", "do_syscall_64+91", "entry_SYSCALL_64+118")], value: count(600) },
    { key: [stack("vfs_write+1", "ksys_write+9", "do_syscall_64+91", "entry_SYSCALL_64+118")], value: count(300) },
    { key: [stack("do_syscall_64+91", "entry_SYSCALL_64+118")], value: count(10) },
  ]), "flame-graph", true],
];

const SERIES: [string, MimeBundle][] = [
  ["keyed counts over time", timeSeriesBundle([1, 2, 3].map((i) => ({ t: t0 + i * 1000, snap: syscalls(i) })))],
  ["a scalar over time", timeSeriesBundle([1, 2].map((i) => ({ t: t0 + i * 1000, snap: scalar("@n", count(i)) })))],
  ["a histogram over time (heatmap)", timeSeriesBundle([1, 2].map((i) => ({ t: t0 + i * 1000, snap: scalar("@h", hist(Array.from({ length: i }, () => 64))) })))],
];

describe("Vega-Lite specs under vega-lite 5.6.1 (JupyterLab 4)", () => {
  it("is the nested 5.6.1", () => {
    expect(vl5.version).toBe("5.6.1");
  });

  it("reports warnings through the logger (the check can fail)", () => {
    // An unknown mark type throws; a field encoded with an invalid type warns.
    expect(compile5({ mark: "nonsense", data: { values: [] } }).join()).toMatch(/throws/);
    expect(compile5({ mark: "bar", data: { values: [] }, encoding: { x: { field: "a", type: "quantitative", aggregate: "nonsense" } } })).not.toEqual([]);
  });

  it("covers every output kind", () => {
    expect(new Set(CASES.map(([, , kind]) => kind))).toEqual(new Set(["histogram", "keyed-bars", "stats", "scalar", "table", "flame-graph"]));
  });

  for (const [name, s, kind, charted] of CASES) {
    it(`${name} (${kind}): ${charted ? "compiles without warnings" : "has no chart"}`, () => {
      expect(outputKind(s).name).toBe(kind);
      const b = mapBundle(s);
      expect(b[VEGA_LITE_MIME] !== undefined).toBe(charted);
      if (charted) expect(compile5(b[VEGA_LITE_MIME])).toEqual([]);
    });
  }

  for (const [name, b] of SERIES) {
    it(`time series, ${name}: compiles without warnings`, () => {
      expect(b[VEGA_LITE_MIME]).toBeDefined();
      expect(compile5(b[VEGA_LITE_MIME])).toEqual([]);
    });
  }
});
