// The walking-skeleton slice of the shared Jupyter conformance suite, against the
// kernel built from this checkout (interpreter per KERNEL_TEST_ENV).
import { describe, expect, it } from "vitest";
import { conformanceUnavailableReason, runConformance } from "../helpers/jupyter-conformance.ts";

const unavailable = conformanceUnavailableReason();

describe.skipIf(unavailable !== null)(`jupyter_kernel_test conformance${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("passes the bpftrace-skeleton samples", async () => {
    const run = await runConformance("bpftrace-skeleton");
    expect(run.summary, run.output).toMatch(/^conformance: \d+ passed, 0 failed/);
    expect(run.exitCode, run.output).toBe(0);
  });
});
