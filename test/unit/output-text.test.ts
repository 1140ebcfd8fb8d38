// bpftrace's text output, byte for byte. Expected strings come from three oracles:
// the conformance samples (bt_hist_line), bpftrace v0.23's runtime tests
// (tests/runtime/outputs/*.txt and call), and bpftrace v0.17 run on a development machine
// (same text as v0.23 except that v0.17 writes "@h: " with a space before a histogram).
// Every case is also pinned by a golden file; UPDATE_GOLDEN=1 rewrites them.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatMap } from "../../bpf/output/index.ts";
import { barWidth, histBucketOf } from "../../bpf/output/hist.ts";
import { CASES } from "./golden/output/cases.ts";
import { count, hist, int, scalar, snap, tuple, str } from "./golden/output/fixtures.ts";
import { golden } from "../helpers/golden.ts";

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), "golden", "output");

/** The conformance test's bt_hist_line (Python, double precision). */
function btHistLine(label: string, n: number, max: number): string {
  const bar = "@".repeat(Math.trunc((n / max) * 52));
  return `${label.padEnd(16)}${String(n).padStart(8)} |${bar.padEnd(52)}|`;
}

describe("formatMap goldens", () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => golden(join(GOLDEN, `${name}.txt`), formatMap(c.snap, c.opts)));
  }
});

describe("formatMap against bpftrace", () => {
  it("prints the conformance histogram sample", () => {
    const max = 1;
    const expected = "@h:\n" + [
      btHistLine("[4, 8)", 1, max),
      btHistLine("[8, 16)", 0, max),
      btHistLine("[16, 32)", 0, max),
      btHistLine("[32, 64)", 0, max),
      btHistLine("[64, 128)", 1, max),
    ].join("\n");
    const out = formatMap(CASES["hist-conformance"]!.snap);
    expect(out).toContain(expected);
    expect(out).toBe(`${expected}\n\n`);
  });

  it("prints the conformance count and scalar samples", () => {
    expect(formatMap(CASES["keyed-count"]!.snap)).toBe("@calls[open]: 1\n@calls[read]: 2\n");
    expect(formatMap(CASES["scalar-count"]!.snap)).toBe("@c: 3\n");
  });

  const bar = (n: number) => "@".repeat(n).padEnd(52);
  it("matches v0.23 tests/runtime/outputs/hist.txt", () => {
    expect(formatMap(CASES["hist-negative"]!.snap)).toBe(
      "@:\n" +
        `(..., 0)               1 |${bar(26)}|\n` +
        `[0]                    0 |${bar(0)}|\n` +
        `[1]                    0 |${bar(0)}|\n` +
        `[2, 4)                 2 |${bar(52)}|\n` +
        `[4, 8)                 1 |${bar(26)}|\n` +
        `[8, 16)                0 |${bar(0)}|\n` +
        `[16, 32)               1 |${bar(26)}|\n\n`,
    );
  });

  it("matches v0.23 tests/runtime/outputs/lhist.txt", () => {
    expect(formatMap(CASES["lhist-v023"]!.snap)).toBe(
      "@:\n" +
        `(..., 0)               1 |${bar(26)}|\n` +
        `[0, 2)                 0 |${bar(0)}|\n` +
        `[2, 4)                 2 |${bar(52)}|\n` +
        `[4, 6)                 0 |${bar(0)}|\n` +
        `[6, 8)                 1 |${bar(26)}|\n` +
        `[8, 10)                0 |${bar(0)}|\n` +
        `[10, ...)              1 |${bar(26)}|\n\n`,
    );
  });

  it("matches v0.23 print_avg_map_args and print_avg_map_with_large_top", () => {
    expect(formatMap(CASES["avg-top-div"]!.snap, { top: 2, div: 10n })).toBe("@[c]: 3\n@[d]: 4\n\n");
    expect(formatMap(CASES["avg-top-div"]!.snap, { top: 10, div: 10n })).toBe("@[a]: 1\n@[b]: 2\n@[c]: 3\n@[d]: 4\n\n");
  });

  it("keeps the top hist entries as v0.23's print_hist_with_top_arg does", () => {
    const s = snap("@", "hist", [10, 20, 30].map((v, i) => ({ key: [int(i + 1)], value: hist([v]) })));
    expect(formatMap(s, { top: 2 })).toMatch(/^@\[2\]:\n(.*\n)+\n@\[3\]:\n(.*\n)+\n$/);
  });

  it("matches what bpftrace v0.17 printed for the same maps", () => {
    // bpftrace -e 'BEGIN { @calls["read"] = count(); ... exit(); }' on Debian 12.
    const out = [
      formatMap(CASES.avg!.snap),
      formatMap(scalar("@c", count(1))),
      formatMap(CASES["keyed-count"]!.snap),
      formatMap(CASES["hist-conformance"]!.snap),
      formatMap(CASES["hist-keyed"]!.snap),
      formatMap(CASES.lhist!.snap),
      formatMap(CASES["multi-key"]!.snap),
      formatMap(scalar("@mn", { kind: "min", value: -5n })),
      formatMap(scalar("@mx", { kind: "max", value: 10n })),
      formatMap(CASES.stats!.snap),
      formatMap(scalar("@t", { kind: "value", value: tuple(int(1), str("abc")) })),
    ].join("");
    // bpftrace HEAD prints stats as a record ({ .count = 2, ... }), v0.17 as "count 2, average 5, total 10"
    const v017 = readFileSync(join(GOLDEN, "bpftrace-v0.17-exit.txt"), "utf8")
      .replaceAll(": \n[", ":\n[")
      .replaceAll(": \n(", ":\n(")
      .replace(/count (\d+), average (-?\d+), total (-?\d+)/g, "{ .count = $1, .average = $2, .total = $3 }");
    expect(out).toBe(v017);
    expect(formatMap(CASES["string-values"]!.snap)).toBe("@z[1]: one\n@z[3]: pos\n@z[-1]: neg\n");
    expect(formatMap(CASES["ksym-values"]!.snap)).toBe("@x[1]: _text@x[2]: __entry_text_start\n");
    expect(formatMap(scalar("@b", { kind: "value", value: { kind: "buf", bytes: new Uint8Array([0x61, 0x62, 1]) } }))).toBe("@b: ab\\x01\n");
  });

  it("prints stack keys one frame per line, indented by 8", () => {
    expect(formatMap(CASES["stack-keys"]!.snap)).toBe(
      "@[\n        vfs_write+1\n        ksys_write+9\n]: 3\n" +
        "@[\n        vfs_read+5\n        ksys_read+112\n        do_syscall_64+91\n]: 7\n",
    );
  });

  it("computes the bar in single precision", () => {
    expect(barWidth(1n, 2n)).toBe(26);
    expect(barWidth(3n, 3n)).toBe(52);
    expect(barWidth(0n, 5n)).toBe(0);
    // 1/3 * 52 = 17.33 in float and double alike
    expect(barWidth(1n, 3n)).toBe(17);
  });

  it("indexes buckets as the kernel side does", () => {
    expect([-5n, 0n, 1n, 2n, 3n, 4n, 5n, 100n].map((v) => histBucketOf(v))).toEqual([0, 1, 2, 3, 3, 4, 4, 8]);
    expect([0n, 15n, 16n, 17n, 18n, 1023n].map((v) => histBucketOf(v, 3))).toEqual([1, 16, 17, 17, 18, 64]);
  });
});
