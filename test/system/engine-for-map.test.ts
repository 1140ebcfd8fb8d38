// `for ($kv : @map)` loaded into this kernel: the body runs as a bpf_for_each_map_elem
// callback in BEGIN, END, tracepoint and interval probes, reads and writes the probe's
// variables and other maps, stops on break, leaves the probe on return/exit(), and sees
// count/sum/min/max/avg values summed over all CPUs, as bpftrace does.
import { afterAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startWorkload, workloadBinary } from "../helpers/workload.ts";
import { mapOf, newSession, traceWorkload } from "../helpers/engine.ts";
import type { MapSnapshot, Value } from "../../bpf/types/snapshot.ts";
import * as native from "../../native/index.ts";

const MISSING = "/tmp/tracebook-missing/for-map";

const text = (v: Value): string => (v.kind === "int" ? String(v.value) : v.kind === "str" ? v.value : JSON.stringify(v));

/** A map as "k1,k2" -> number (plain values and count/sum/min/max). */
function table(maps: readonly MapSnapshot[], name: string): Map<string, bigint> {
  return new Map(
    mapOf(maps, name).entries.map((e) => {
      const v = e.value;
      const n = v.kind === "value" ? (v.value.kind === "int" ? v.value.value : -1n) : "value" in v && typeof v.value === "bigint" ? v.value : -1n;
      return [e.key.map(text).join(","), n];
    }),
  );
}

/** The C workload doing `n` openat calls, pinned to one CPU. */
const pinnedOpenat = (cpu: number, n: number) => startWorkload("taskset", ["-c", String(cpu), workloadBinary(), "openat", String(n), MISSING]);

describe.skipIf(skipWithoutBpf())("engine: for-map loops", () => {
  const fdsBefore = native.openFdCount();
  const session = newSession();
  afterAll(() => {
    session.close();
    expect(native.openFdCount()).toBe(fdsBefore);
  });

  it("BEGIN fills a map and sums its values in a loop", async () => {
    const r = await traceWorkload(
      session,
      'BEGIN { @m[1] = 10; @m[2] = 20; @m[3] = 30; @m[4] = 40; @m[5] = 50; $s = 0; for ($kv : @m) { $s += $kv.1; } printf("sum %d\\n", $s); exit(); }',
      undefined,
      { origin: "cell[1]" },
    );
    expect(r.lines[0]).toBe("sum 150");
  });

  it("the body reads an outer variable and writes another map; keys and values are the map's", async () => {
    const r = await traceWorkload(
      session,
      "BEGIN { @in[1] = 7; @in[2] = 8; @in[30] = 9; $mul = 10; for $kv : @in { @out[$kv.0 + 100] = $kv.1 * $mul; } exit(); }",
      undefined,
      { origin: "cell[2]" },
    );
    expect(table(r.maps, "@out")).toEqual(new Map([["101", 70n], ["102", 80n], ["130", 90n]]));
  });

  it("multi-key maps give the key as a tuple: $kv.0.0, $kv.0.1", async () => {
    const r = await traceWorkload(
      session,
      'BEGIN { @mk[1, "one"] = 5; @mk[2, "two"] = 7; for ($kv : @mk) { @byName[$kv.0.1] = $kv.0.0 * 1000 + $kv.1; printf("%s=%d\\n", $kv.0.1, $kv.0.0); } exit(); }',
      undefined,
      { origin: "cell[3]" },
    );
    expect(table(r.maps, "@byName")).toEqual(new Map([["one", 1005n], ["two", 2007n]]));
    expect([...r.lines].sort()).toEqual(["one=1", "two=2"]);
  });

  it("continue skips, return and exit() leave the probe from inside the loop", async () => {
    const r = await traceWorkload(
      session,
      [
        "BEGIN { @c3[1] = 1; @c3[2] = 2; @c3[3] = 3;",
        "  $odd = 0; for ($kv : @c3) { if ($kv.0 == 2) { continue; } $odd += $kv.1; } printf(\"odd %d\\n\", $odd);",
        "  $seen = 0; for ($kv : @c3) { $seen++; return; } printf(\"not reached %d\\n\", $seen); }",
        "BEGIN { for ($kv : @c3) { printf(\"exiting\\n\"); exit(); } printf(\"not reached either\\n\"); }",
      ].join("\n"),
      undefined,
      { origin: "cell[4]" },
    );
    expect(r.lines).toEqual(["odd 4", "exiting"]);
  });

  it("nested loops see both loop variables", async () => {
    const r = await traceWorkload(
      session,
      'BEGIN { @na[1] = 1; @na[2] = 2; @nb[10] = 10; @nb[20] = 20; $t = 0; for ($x : @na) { for ($y : @nb) { $t += $x.1 * $y.1; } } printf("t %d\\n", $t); exit(); }',
      undefined,
      { origin: "cell[5]" },
    );
    expect(r.lines).toEqual(["t 90"]);
  });

  it("$kv belongs to its loop: one name serves maps of different types", async () => {
    const r = await traceWorkload(
      session,
      'BEGIN { $kv = 5; @sc["x"] = min(3); @nt[2] = 4; for ($kv : @sc) { printf("%s %d\\n", $kv.0, $kv.1); } for ($kv : @nt) { printf("%d %d\\n", $kv.0, $kv.1); } printf("%d\\n", $kv); exit(); }',
      undefined,
      { origin: "cell[11]" },
    );
    expect(r.lines).toEqual(["x 3", "2 4", "5"]);
  });

  it("a tracepoint counts per key; END walks the map and breaks after 2 elements", async () => {
    const w = await pinnedOpenat(0, 7);
    const r = await traceWorkload(
      session,
      [
        "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @calls = count(); @perKey[@calls % 3] = count(); }",
        "END { $n = 0; $t = 0; for ($kv : @perKey) { $n++; $t += $kv.1; @firstTwo[$kv.0] = $kv.1; if ($n == 2) { break; } }",
        '  printf("n=%d t=%d\\n", $n, $t); }',
      ].join("\n"),
      w,
      { origin: "cell[6]" },
    );
    expect(r.workloadExit).toBe(0);
    // calls 1..7 land on keys 1,2,0,1,2,0,1
    const perKey = table(r.maps, "@perKey");
    expect(perKey).toEqual(new Map([["0", 2n], ["1", 3n], ["2", 2n]]));
    const firstTwo = table(r.maps, "@firstTwo");
    expect(firstTwo.size).toBe(2);
    for (const [k, v] of firstTwo) expect(perKey.get(k)).toBe(v);
    const t = [...firstTwo.values()].reduce((a, b) => a + b, 0n);
    expect(r.lines).toEqual([`n=2 t=${t}`]);
  });

  it("count/sum/min/max/avg values are summed over all CPUs, like bpftrace's reads", async () => {
    const probe = "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @pc[1] = count(); @ps[1] = sum(3); @pmin[1] = min(cpu + 5); @pmax[1] = max(cpu + 5); @pavg[1] = avg(4); }";
    const w0 = await pinnedOpenat(0, 3);
    await traceWorkload(session, probe, w0, { origin: "cell[7]" });
    const w1 = await pinnedOpenat(1, 4);
    await traceWorkload(session, probe, w1, { origin: "cell[8]" });
    const r = await traceWorkload(
      session,
      [
        "BEGIN {",
        '  for ($kv : @pc) { printf("count %d\\n", $kv.1); }',
        '  for ($kv : @ps) { printf("sum %d\\n", $kv.1); }',
        '  for ($kv : @pmin) { printf("min %d\\n", $kv.1); }',
        '  for ($kv : @pmax) { printf("max %d\\n", $kv.1); }',
        '  for ($kv : @pavg) { printf("avg %d\\n", $kv.1); }',
        "  exit(); }",
      ].join("\n"),
      undefined,
      { origin: "cell[9]" },
    );
    // 3 calls on CPU 0 and 4 on CPU 1: one CPU's copy alone would give 3 or 4
    expect(r.lines).toEqual(["count 7", "sum 21", "min 5", "max 6", "avg 4"]);
  });

  it("an interval probe loops over what it collected", async () => {
    const r = await traceWorkload(
      session,
      'interval:ms:20 { @ticks = count(); @at[@ticks] = @ticks; if (@ticks == 4) { $s = 0; for ($kv : @at) { $s += $kv.1; } printf("s=%d\\n", $s); exit(); } }',
      undefined,
      { origin: "cell[10]", timeoutMs: 5000 },
    );
    expect(r.lines).toEqual(["s=10"]);
  });
});
