// bpftrace's `-f json` lines. Expected values come from bpftrace v0.23's
// tests/runtime/json-output (exact lines) and tests/runtime/outputs/*.json (compared as
// parsed JSON, as bpftrace's own test runner does); every case of output-text.test.ts is
// also pinned as a golden NDJSON line (name.ndjson.txt, UPDATE_GOLDEN=1 rewrites).

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatHelperErrorJson, formatMapJson, formatOutputJson, formatPrintfJson } from "../../bpf/output/index.ts";
import { count, hist, int, lhist, scalar, snap, stats, str, tuple } from "./golden/output/fixtures.ts";
import { CASES } from "./golden/output/cases.ts";
import { golden } from "../helpers/golden.ts";
import { decodeValue } from "../../bpf/maps/codec.ts";
import { type Type, s32 } from "../../bpf/types/types.ts";

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), "golden", "output");

describe("formatMapJson goldens", () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      const line = formatMapJson(c.snap, c.opts);
      golden(join(GOLDEN, `${name}.ndjson.txt`), line);
      if (line) expect(() => JSON.parse(line)).not.toThrow();
    });
  }
});

describe("formatMapJson against bpftrace v0.23", () => {
  const parsed = (s: string) => JSON.parse(s) as unknown;

  it("prints scalars, keyed maps and multi-keys", () => {
    expect(formatMapJson(scalar("@scalar", { kind: "value", value: int(5) }))).toBe(
      '{"type": "map", "data": {"@scalar": 5}}\n',
    );
    expect(formatMapJson(scalar("@scalar_str", { kind: "value", value: str("a b \n d e") }))).toBe(
      '{"type": "map", "data": {"@scalar_str": "a b \\n d e"}}\n',
    );
    const map = snap("@map", "value", [
      { key: [str("key1")], value: { kind: "value", value: int(2) } },
      { key: [str("key2")], value: { kind: "value", value: int(3) } },
    ]);
    expect(parsed(formatMapJson(map))).toEqual({ type: "map", data: { "@map": { key1: 2, key2: 3 } } });
    const complex = snap("@complex", "value", [{ key: [str("bpftrace"), int(2)], value: { kind: "value", value: int(5) } }]);
    expect(parsed(formatMapJson(complex))).toEqual({ type: "map", data: { "@complex": { "bpftrace,2": 5 } } });
  });

  it("prints a stack as its text form in its mode: bpftrace indents by 8, perf by a tab, raw and build_id not at all", () => {
    const stack = (mode?: "perf" | "raw" | "build_id") => formatOutputJson("", "value", { kind: "stack", frames: ["f0", "f1"], user: true, ...(mode && { mode }) });
    expect(stack()).toBe('{"type": "value", "data": "\\n        f0\\n        f1\\n"}\n');
    expect(stack("perf")).toBe('{"type": "value", "data": "\\n\\tf0\\n\\tf1\\n"}\n');
    expect(stack("raw")).toBe('{"type": "value", "data": "\\nf0\\nf1\\n"}\n');
    expect(stack("build_id")).toBe('{"type": "value", "data": "\\nf0\\nf1\\n"}\n');
  });

  it("prints tuples as arrays without spaces", () => {
    const t = scalar("@", { kind: "value", value: tuple(int(1), int(2), str("string"), tuple(int(4), int(5))) });
    expect(formatMapJson(t)).toBe('{"type": "map", "data": {"@": [1,2,"string",[4,5]]}}\n');
    const q = scalar("@", { kind: "value", value: tuple(int(1), int(2), str('string with "quotes"')) });
    expect(formatMapJson(q)).toBe('{"type": "map", "data": {"@": [1,2,"string with \\"quotes\\""]}}\n');
  });

  it("prints histograms (outputs/hist.json, hist_zero.json, hist_multiple.json)", () => {
    expect(parsed(formatMapJson(scalar("@hist", hist([2, 1025]))))).toEqual({
      type: "hist",
      data: {
        "@hist": [
          { min: 2, max: 3, count: 1 }, { min: 4, max: 7, count: 0 }, { min: 8, max: 15, count: 0 },
          { min: 16, max: 31, count: 0 }, { min: 32, max: 63, count: 0 }, { min: 64, max: 127, count: 0 },
          { min: 128, max: 255, count: 0 }, { min: 256, max: 511, count: 0 }, { min: 512, max: 1023, count: 0 },
          { min: 1024, max: 2047, count: 1 },
        ],
      },
    });
    expect(formatMapJson(scalar("@hist", { kind: "hist", buckets: [0n, 0n, 0n, 0n] }))).toBe(
      '{"type": "hist", "data": {"@hist": []}}\n',
    );
    const multiple = snap("@", "hist", [
      { key: [str("curl")], value: hist([-1, 0, 511, 1024, 1025]) },
      { key: [str("bpftrace")], value: hist([2]) },
    ]);
    const zeros = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({ min: 2 ** (from + i), max: 2 ** (from + i + 1) - 1, count: 0 }));
    expect(parsed(formatMapJson(multiple))).toEqual({
      type: "hist",
      data: {
        "@": {
          bpftrace: [{ min: 2, max: 3, count: 1 }],
          curl: [
            { max: -1, count: 1 }, { min: 0, max: 0, count: 1 }, { min: 1, max: 1, count: 0 },
            ...zeros(1, 7), { min: 256, max: 511, count: 1 }, { min: 512, max: 1023, count: 0 },
            { min: 1024, max: 2047, count: 2 },
          ],
        },
      },
    });
    // bpftrace prints keys in ascending total order; JSON objects keep that order.
    expect(Object.keys((parsed(formatMapJson(multiple)) as { data: { "@": object } }).data["@"])).toEqual(["bpftrace", "curl"]);
  });

  it("prints hist(x, 3) buckets (outputs/hist_2args.json)", () => {
    const line = formatMapJson(scalar("@", hist(Array.from({ length: 1024 }, (_, i) => i), 3)));
    const expected: { min: number; max: number; count: number }[] = [];
    for (let v = 0; v < 16; v++) expected.push({ min: v, max: v, count: 1 });
    for (let p = 4; p < 10; p++) {
      const width = 2 ** (p - 3);
      for (let j = 0; j < 8; j++) {
        const min = 2 ** p + j * width;
        expected.push({ min, max: min + width - 1, count: width });
      }
    }
    expect(parsed(line)).toEqual({ type: "hist", data: { "@": expected } });
  });

  it("prints linear histograms (outputs/lhist.json, lhist_multiple.json)", () => {
    const tens = (from: number, to: number, hit: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({ min: (from + i) * 10, max: (from + i) * 10 + 9, count: from + i === hit ? 1 : 0 }));
    expect(parsed(formatMapJson(scalar("@h", lhist([2, 50, 1000], 0, 100, 10))))).toEqual({
      type: "hist",
      data: { "@h": [...tens(0, 9, -1).map((b, i) => ({ ...b, count: i === 0 || i === 5 ? 1 : 0 })), { min: 100, count: 1 }] },
    });
    expect(formatMapJson(CASES["lhist-keyed"]!.snap)).toBe(
      '{"type": "hist", "data": {"@stats": {"curl": [{"min": 50, "max": 59, "count": 1}], "bpftrace": [' +
        tens(0, 9, 0).map((b) => `{"min": ${b.min}, "max": ${b.max}, "count": ${b.count}}`).join(", ") +
        ', {"min": 100, "count": 1}]}}}\n',
    );
    expect(formatMapJson(scalar("@l", lhist([-5], 0, 10, 2)))).toBe('{"type": "hist", "data": {"@l": [{"max": -1, "count": 1}]}}\n');
  });

  it("prints stats and avg maps, with top and div", () => {
    expect(parsed(formatMapJson(scalar("@stats", stats([2, 10]))))).toEqual({
      type: "stats",
      data: { "@stats": { count: 2, average: 6, total: 12 } },
    });
    const multi = snap("@stats", "stats", [
      { key: [str("curl")], value: stats([2]) },
      { key: [str("zsh")], value: stats([10]) },
    ]);
    expect(formatMapJson(multi)).toBe(
      '{"type": "stats", "data": {"@stats": {"curl": {"count": 1, "average": 2, "total": 2}, "zsh": {"count": 1, "average": 10, "total": 10}}}}\n',
    );
    const avg = CASES["avg-top-div"]!.snap;
    expect(formatMapJson(avg, { top: 2, div: 10n })).toBe('{"type": "stats", "data": {"@": {"c": 3, "d": 4}}}\n');
    expect(formatMapJson(avg, { top: 10, div: 10n })).toBe('{"type": "stats", "data": {"@": {"a": 1, "b": 2, "c": 3, "d": 4}}}\n');
  });

  it("keeps the top histograms (print_hist_with_top_arg)", () => {
    const s = snap("@", "hist", [10, 20, 30].map((v, i) => ({ key: [int(i + 1)], value: hist([v]) })));
    expect(formatMapJson(s, { top: 2 })).toBe(
      '{"type": "hist", "data": {"@": {"2": [{"min": 16, "max": 31, "count": 1}], "3": [{"min": 16, "max": 31, "count": 1}]}}}\n',
    );
  });

  it("prints nothing for an empty map", () => {
    expect(formatMapJson(snap("@calls", "count", []))).toBe("");
    expect(formatMapJson(scalar("@c", count(3)))).toBe('{"type": "map", "data": {"@c": 3}}\n');
  });

  it("escapes printf lines as json_escape does", () => {
    expect(formatPrintfJson("test 5")).toBe('{"type": "printf", "data": "test 5"}\n');
    expect(formatPrintfJson('test \r \n \t \\ " bar')).toBe('{"type": "printf", "data": "test \\r \\n \\t \\\\ \\" bar"}\n');
    expect(formatPrintfJson("\x01")).toBe('{"type": "printf", "data": "\\u0001"}\n');
  });

  it("prints join() without the text form's newline (json-output join_delim)", () => {
    expect(formatOutputJson("/bin/echo,'A'\n", "join")).toBe(`{"type": "join", "data": "/bin/echo,'A'"}\n`);
    expect(formatOutputJson("a b c\n", "syscall")).toBe('{"type": "syscall", "data": "a b c\\n"}\n');
  });

  it("prints a member of a type bpftrace cannot represent as null (json-output none type)", () => {
    const union: Type = { k: "record", name: "union N", size: 4, layout: "c", align: 4, fields: [{ name: "i", type: s32, offset: 0 }, { name: "f", type: { k: "none", size: 4 }, offset: 0 }] };
    const foo: Type = { k: "record", name: "struct Foo", size: 8, layout: "c", align: 4, fields: [{ name: "m", type: s32, offset: 0 }, { name: "n", type: union, offset: 4 }] };
    const v = decodeValue(foo, new Uint8Array([2, 0, 0, 0, 5, 0, 0, 0]), 0);
    expect(formatOutputJson("", "value", v)).toBe('{"type": "value", "data": {"m": 2, "n": {"i": 5, "f": null}}}\n');
  });

  it("prints a -k helper error as bpftrace's runtime_error record (json-output helper_error)", () => {
    const h = { msg: "Bad address", helper: "probe_read_user", retcode: -14, filename: "stdin", line: 1, col: 87 };
    expect(formatHelperErrorJson(h)).toBe('{"type": "helper_error", "msg": "Bad address", "helper": "probe_read_user", "retcode": -14, "filename": "stdin", "line": 1, "col": 87}\n');
  });

  it("escapes string key parts twice, as bpftrace does", () => {
    const s = snap("@", "count", [{ key: [str('a"b')], value: count(1) }]);
    expect(formatMapJson(s)).toBe('{"type": "map", "data": {"@": {"a\\\\\\"b": 1}}}\n');
  });
});
