// tseries() for real: read(2) sizes of our own workload folded into intervals by the
// kernel (sum, max, min, the last value), and a clock the program steps itself
// (BPFTRACE_DUMMY_TS_MAP, bpftrace's test hook) for exact intervals in the CLI's text and JSON.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startC } from "../helpers/workload.ts";
import { mapOf, newSession, traceWorkload } from "../helpers/engine.ts";
import { runCli } from "../helpers/cli.ts";
import type { Aggregate } from "../../bpf/types/snapshot.ts";

/** The workload's reads: (size, times); the last one is 7 bytes. */
const READS = ["512", "3", "64", "6", "2048", "1", "7", "2"];
const sizes = [512, 512, 512, 64, 64, 64, 64, 64, 64, 2048, 7, 7];
const total = sizes.reduce((a, b) => a + b, 0);
/** CLOCK_TAI runs ahead of UTC by the kernel's TAI offset: 37 s once NTP has set it, 0 in a VM that never had it set. */
const TAI_AHEAD_S = 37;

type Points = { epoch: bigint; value: bigint }[];
/** The intervals of a scalar tseries map that were written (a never-written bucket is epoch 0). */
function written(a: Aggregate): Points {
  if (a.kind !== "tseries") throw new Error(`not a tseries: ${a.kind}`);
  return a.points.filter((p) => p.epoch > 0n);
}

describe.skipIf(skipWithoutBpf())("engine: tseries", () => {
  let session = newSession();
  beforeEach(() => {
    session = newSession();
  });
  afterEach(() => session.close());

  it("folds read sizes into 10s intervals: sum, max, min and the last value", async () => {
    const w = await startC(["read", "/dev/zero", ...READS]);
    const prog = `tracepoint:syscalls:sys_exit_read /pid == $1/ {
  @sum = tseries(args->ret, 10s, 3, "sum"); @mx = tseries(args->ret, 10s, 3, "max");
  @mn = tseries(args->ret, 10s, 3, "min"); @last = tseries(args->ret, 10s, 3);
}`;
    const before = Date.now();
    const r = await traceWorkload(session, prog, w);
    const after = Date.now();
    expect(r.workloadExit).toBe(0);
    const points = (name: string) => written(mapOf(r.maps, name).entries[0]!.value);
    // the reads take well under a second: one interval, or two when they straddle a boundary
    const epochs = points("@sum").map((p) => Number(p.epoch));
    expect(epochs.length).toBeGreaterThanOrEqual(1);
    expect(epochs.length).toBeLessThanOrEqual(2);
    expect(Math.min(...epochs)).toBeGreaterThanOrEqual(Math.floor(before / 10_000) - 1);
    expect(Math.max(...epochs)).toBeLessThanOrEqual(Math.floor((after / 1000 + TAI_AHEAD_S) / 10) + 1);
    expect(points("@sum").reduce((s, p) => s + p.value, 0n)).toBe(BigInt(total));
    expect(points("@mx").reduce((m, p) => (p.value > m ? p.value : m), 0n)).toBe(BigInt(Math.max(...sizes)));
    expect(points("@mn").reduce((m, p) => (p.value < m ? p.value : m), 1n << 62n)).toBe(BigInt(Math.min(...sizes)));
    // the newest interval holds the last read's size
    const last = points("@last").sort((a, b) => Number(b.epoch - a.epoch))[0]!;
    expect(last.value).toBe(BigInt(sizes[sizes.length - 1]!));
    expect(last.epoch).toBe(BigInt(Math.max(...epochs)));
  });
});

describe.skipIf(skipWithoutBpf())("cli: tseries with a stepped clock", () => {
  // @ts is the clock: 1s, 2s, ... 5s; at each step the interval gets i, then 10 + i
  const prog = (agg: string) => `BEGIN { @ts = (uint64)0; $i = (uint64)1;
  while ($i <= 5) { @ts = $i * 1000000000; @a = tseries($i, 1s, 3${agg}); @a = tseries(10 + $i, 1s, 3${agg}); $i++; }
  clear(@ts); exit(); }`;
  const env = { BPFTRACE_DUMMY_TS_MAP: "@ts", TZ: "UTC" };

  it("keeps the last 3 intervals in bpftrace's JSON, each folded as asked", async () => {
    const json = async (agg: string) => {
      const out = await runCli(["-q", "-f", "json", "-e", prog(agg)], { env });
      expect(out.stderr).toBe("");
      expect(out.code).toBe(0);
      return out.stdout.split("\n").filter((l) => l.includes('"tseries"')).map((l) => JSON.parse(l) as { data: { "@a": { interval_start: string; value: number }[] } });
    };
    const intervals = (v: (i: number) => number) => [3, 4, 5].map((i) => ({ interval_start: `1970-01-01 00:00:0${i}.000000000`, value: v(i) }));
    expect((await json(""))[0]!.data["@a"]).toEqual(intervals((i) => 10 + i));
    expect((await json(', "sum"'))[0]!.data["@a"]).toEqual(intervals((i) => 10 + 2 * i));
    expect((await json(', "avg"'))[0]!.data["@a"]).toEqual(intervals((i) => Math.floor((10 + 2 * i) / 2)));
    expect((await json(', "min"'))[0]!.data["@a"]).toEqual(intervals((i) => i));
    expect((await json(', "max"'))[0]!.data["@a"]).toEqual(intervals((i) => 10 + i));
  });

  it("draws the intervals as bpftrace's text graph", async () => {
    const out = await runCli(["-q", "-e", prog(', "min"')], { env });
    expect(out.code).toBe(0);
    const graph = (v: number) => {
      const line = [..."|" + " ".repeat(51) + "|"];
      // (53 - 1) * (v - 3) / (5 - 3), truncated
      line[Math.trunc((52 * (v - 3)) / 2)] = "*";
      return line.join("");
    };
    expect(out.stdout).toBe(
      "\n\n@a:\n" +
        `         3${" ".repeat(51)}5\n` +
        `hh:mm:ss |${"_".repeat(51)}|\n` +
        [3, 4, 5].map((i) => `00:00:0${i} ${graph(i)} ${i}\n`).join("") +
        `         v${"_".repeat(51)}v\n` +
        `         3${" ".repeat(51)}5\n\n`,
    );
  });
});
