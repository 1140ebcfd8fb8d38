// watchpoint:ADDR:LEN:MODE, live: hardware breakpoints on a global of a small workload
// (test/fixtures/workload/watchpoint.c, built -no-pie so `target` has a fixed address),
// which writes it N times and reads it M times once released: `w` fires N times, `rw`
// N + M, exactly (gated on perf breakpoints being available here).
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { breakpointsAllowed } from "../../bpf/runtime/features.ts";
import { featureTest, skipWithoutBpf } from "../helpers/privilege.ts";
import { startWorkload } from "../helpers/workload.ts";
import { formatMap } from "../../bpf/output/index.ts";
import { mapOf, newSession, traceWorkload } from "../helpers/engine.ts";

const N = 5;
const M = 7;

function build(): { bin: string; target: string } {
  const bin = join(mkdtempSync(join(tmpdir(), "tracebook-watchpoint-")), "wp");
  execFileSync("gcc", ["-O1", "-no-pie", "-o", bin, fileURLToPath(new URL("../fixtures/workload/watchpoint.c", import.meta.url))], { stdio: "pipe" });
  const sym = execFileSync("nm", [bin], { encoding: "utf8" }).split("\n").find((l) => / [bB] target$/.test(l));
  return { bin, target: `0x${BigInt(`0x${sym!.split(" ")[0]}`).toString(16)}` };
}

// No kernel version guarantees debug registers (a VM may have none): the errno decides.
describe.skipIf(skipWithoutBpf() || featureTest("perf hardware breakpoints", breakpointsAllowed))("engine: watchpoint probes", () => {
  const session = newSession();
  afterAll(() => session.close());
  const { bin, target } = build();

  it("w counts the writes and rw the reads and writes of one variable", async () => {
    const w = await startWorkload(bin, [String(N), String(M)]);
    const prog = `watchpoint:${target}:8:w /pid == $1/ { @w[comm] = count(); } watchpoint:${target}:8:rw /pid == $1/ { @rw = count(); }`;
    const r = await traceWorkload(session, prog, w);
    expect(r.attachedCount).toBe(2);
    expect(formatMap(mapOf(r.maps, "@w"))).toBe(`@w[wp]: ${N}\n`);
    expect(formatMap(mapOf(r.maps, "@rw"))).toBe(`@rw: ${N + M}\n`);
  });
});
