// software:EVENT[:PERIOD] (bpf/probes/software.ts, events in perf-events.ts): the kernel's
// software perf counters by name or alias, their default periods, `-l` lines (each event
// by its name and its alias), and the arguments: the registers of the counting context.
import { describe, expect, it } from "vitest";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();

describe("software probes", () => {
  it("are written software: or s:, a PERF_TYPE_SOFTWARE counter on every CPU, by event name or alias", () => {
    expect(probe(env, "s:faults")).toEqual({
      provider: "software", name: "software:faults", progType: 7, context: "pt_regs",
      attach: { kind: "perf", type: 1, config: 2, period: 100, cpus: "all" },
    });
    expect(probe(env, "software:cpu-clock:1_000").name).toBe("software:cpu-clock:1000");
    expect(probe(env, "software:cpu:1000").name).toBe("software:cpu:1000"); // as written, for `probe`
    expect(expanded(env, "software:nope")).toContain("unknown software event 'nope' (known events: cpu-clock, task-clock, page-faults,");
    expect(expanded(env, "software:faults:0")).toBe("software:faults: invalid period '0'");
  });

  it("are listed by name and alias, under any kind's wildcard", () => {
    expect(listProbes(env, "software:cpu*", false)).toEqual(["software:cpu-clock:", "software:cpu-migrations:", "software:cpu:"]);
    expect(listProbes(env, "*:context-switches:", false)).toEqual(["software:context-switches:"]);
  });

  it("read arg0.. from the registers, and are kernel space", () => {
    expect(disasm(env, "software:faults:1 { @[arg1] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 104\)\n/);
    expect(messages(env, "software:faults:1 { @a = args; }")).toEqual(["error: args is not available in software probes (use arg0, arg1, ...)"]);
    expect(inUserSpace(probe(env, "software:faults:1"))).toBe(false);
  });
});
