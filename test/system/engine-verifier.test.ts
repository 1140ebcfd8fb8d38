// Every program of the field guide and of bpftrace's tools/ (test/fixtures/bt) that
// compiles here also passes this kernel's verifier: each is compiled as --dry-run does
// (probe types this kernel cannot attach are compiled anyway) and loaded with
// BPF_PROG_LOAD, kprobe programs included (BPF_PROG_TYPE_KPROBE loads without the kprobe
// PMU; only attaching needs it). fentry/fexit programs load only where trampolines are
// allowed. Nothing is attached.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../../bpf/codegen/compile.ts";
import { LoadedRun } from "../../bpf/runtime/run.ts";
import { machineEnv } from "../../bpf/runtime/features.ts";
import { Session } from "../../bpf/session.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

const fixtures = fileURLToPath(new URL("../fixtures/bt", import.meta.url));
const files = [fixtures, join(fixtures, "tools")].flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".bt")).map((f) => join(d, f)));

describe.skipIf(skipWithoutBpf())("engine: the verifier accepts what we generate", () => {
  it("every fixture program that compiles loads", () => {
    const env = machineEnv();
    const trampolines = env.features().trampolines;
    const failures: string[] = [];
    let loaded = 0;
    for (const file of files) {
      const r = compile(readFileSync(file, "utf8"), { env, origin: file, anyKernel: true });
      if (!r.spec) continue;
      const programs = r.spec.programs.filter((p) => trampolines || (p.probe.provider !== "fentry" && p.probe.provider !== "fexit"));
      const session = new Session(env);
      const run = new LoadedRun({ ...r.spec, programs }, session, { output: () => {} });
      try {
        run.load();
        loaded++;
      } catch (e) {
        failures.push(`${file}: ${(e as Error).message.split("\n").slice(0, 4).join(" | ")}`);
      } finally {
        run.close();
        session.close();
      }
    }
    expect(failures).toEqual([]);
    // 44 of the 57 fixtures compile on this machine (README lists the others and why)
    expect(loaded).toBeGreaterThanOrEqual(44);
  });
});
