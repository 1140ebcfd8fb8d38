// hardware:EVENT[:PERIOD] (bpf/probes/hardware.ts, events in perf-events.ts): the CPU's
// counters where there is a hardware PMU, and the error before anything loads where there
// is none (this VM); `-l` lines; the arguments: the registers of the counting context.
import { describe, expect, it } from "vitest";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();
const pmu = kindEnv({ features: { kprobes: false, trampolines: false, hardwarePmu: true } });

describe("hardware probes", () => {
  it("are written hardware: or h:, a PERF_TYPE_HARDWARE counter on every CPU where there is a PMU", () => {
    expect(probe(pmu, "h:cycles:1000")).toEqual({
      provider: "hardware", name: "hardware:cycles:1000", progType: 7, context: "pt_regs",
      attach: { kind: "perf", type: 0, config: 0, period: 1000, cpus: "all" },
    });
    expect(probe(pmu, "hardware:instructions").attach).toMatchObject({ config: 1, period: 1_000_000 });
  });

  it("fail where there is no hardware PMU, saying what to use instead", () => {
    expect(expanded(env, "hardware:cycles")).toBe(
      "hardware:cycles: this machine has no hardware PMU (perf_event_open of PERF_TYPE_HARDWARE is not supported here) (use software:cpu-clock or profile:hz:99 for CPU sampling)",
    );
    expect(expanded(env, "hardware:nope")).toContain("unknown hardware event 'nope' (known events: cpu-cycles, instructions,");
  });

  it("are listed by name and alias, under any kind's wildcard (the PMU is not asked)", () => {
    expect(listProbes(env, "h:*cycles*", false)).toEqual(["hardware:bus-cycles:", "hardware:cpu-cycles:", "hardware:cycles:", "hardware:ref-cycles:"]);
    expect(listProbes(env, "*:branch-misses:", false)).toEqual(["hardware:branch-misses:"]);
  });

  it("read arg0.. from the registers, and are kernel space", () => {
    expect(disasm(pmu, "hardware:cycles:1000 { @[arg0] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 112\)\n/);
    expect(messages(pmu, "hardware:cycles:1000 { @a = retval; }")).toEqual(["error: retval is only available in return probes (kretprobe, uretprobe, fexit), not hardware"]);
    expect(inUserSpace(probe(pmu, "hardware:cycles"))).toBe(false);
  });
});
