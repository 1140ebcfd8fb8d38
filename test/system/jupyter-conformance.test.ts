// The shared Jupyter conformance suite (jupyter_kernel_test with Tracebook's samples),
// full `bpftrace` sample set, against the kernel built from this checkout and its real
// interpreter: the samples load and attach BPF programs.
import { describe, expect, it } from "vitest";
import { conformanceUnavailableReason, runConformance } from "../helpers/jupyter-conformance.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

const unavailable = conformanceUnavailableReason();

describe.skipIf(unavailable !== null || skipWithoutBpf())(
  `jupyter_kernel_test conformance${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    it("passes the full bpftrace sample set", async () => {
      const run = await runConformance("bpftrace");
      expect(run.summary, run.output).toMatch(/^conformance: \d+ passed, 0 failed, \d+ skipped$/);
      expect(run.exitCode, run.output).toBe(0);
    });
  },
);
