// `for ($i : a..b)` loaded into this kernel: constant bounds make a plain loop, bounds the
// verifier cannot know (a map value, a variable, a builtin) a bpf_loop callback; both
// evaluate the bounds once, before the loop, as bpftrace does.
import { afterAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { mapOf, newSession, traceWorkload } from "../helpers/engine.ts";
import * as native from "../../native/index.ts";

describe.skipIf(skipWithoutBpf())("engine: for-range loops", () => {
  const fdsBefore = native.openFdCount();
  const session = newSession();
  afterAll(() => {
    session.close();
    expect(native.openFdCount()).toBe(fdsBefore);
  });

  const run = async (source: string, origin: string) => (await traceWorkload(session, source, undefined, { origin })).lines;

  it("a map value as the end: read once, the body's writes to it do not extend the loop", async () => {
    const r = await traceWorkload(session, 'BEGIN { @a = 10; for ($i : 0..@a) { @a += 1; @last = $i; } printf("a %d\\n", @a); exit(); }', undefined, {
      origin: "cell[1]",
    });
    expect(r.lines).toEqual(["a 20"]);
    const last = mapOf(r.maps, "@last").entries[0]!.value;
    expect(last.kind === "value" && last.value).toMatchObject({ kind: "int", value: 9n });
  });

  it("map and variable bounds, an empty range and a negative start", async () => {
    expect(await run('BEGIN { @m[5] = 8; $s = 0; for ($i : 2..@m[5]) { $s = $s * 10 + $i; } printf("%d\\n", $s); exit(); }', "cell[2]")).toEqual(["234567"]);
    expect(await run('BEGIN { $a = -3; $b = 2; for ($i : $a..$b) { printf("%d\\n", $i); } exit(); }', "cell[3]")).toEqual(["-3", "-2", "-1", "0", "1"]);
    expect(await run('BEGIN { @e = 3; for ($i : 5..@e) { printf("never\\n"); } printf("done\\n"); exit(); }', "cell[4]")).toEqual(["done"]);
  });

  it("break, continue, return and exit() inside a bpf_loop body", async () => {
    expect(
      await run('BEGIN { @n = 6; for ($i : 0..@n) { if ($i == 1) { continue; } if ($i == 4) { break; } printf("%d\\n", $i); } printf("after\\n"); exit(); }', "cell[5]"),
    ).toEqual(["0", "2", "3", "after"]);
    expect(await run('BEGIN { @n = 6; for ($i : 0..@n) { if ($i == 2) { return; } printf("%d\\n", $i); } printf("not reached\\n"); }', "cell[6]")).toEqual(["0", "1"]);
    expect(await run('BEGIN { @n = 6; for ($i : 0..@n) { printf("%d\\n", $i); exit(); } printf("not reached\\n"); }', "cell[7]")).toEqual(["0"]);
  });

  it("a bpf_loop inside a constant-bound loop keeps the outer counter exact", async () => {
    expect(
      await run('BEGIN { for ($i : 1..4) { for ($j : 1..$i) { printf("%d%d\\n", $i, $j); if ($j == 2) { return; } } } printf("end\\n"); }', "cell[8]"),
    ).toEqual(["21", "31", "32"]);
    // counts far beyond what the verifier could walk as a plain loop
    expect(await run('BEGIN { @n = 100000; $s = 0; for ($i : 0..@n) { $s += $i; } printf("%ld\\n", $s); exit(); }', "cell[9]")).toEqual(["4999950000"]);
  });
});
