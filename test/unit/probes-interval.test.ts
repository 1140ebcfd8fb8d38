// interval:UNIT:N (bpf/probes/interval.ts, rates in timed.ts): a cpu-clock perf event on
// one CPU; its alias, rates (unit fields or suffixes), `-l` lines, and its arguments: the
// registers of whatever the CPU was running.
import { describe, expect, it } from "vitest";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();

describe("interval probes", () => {
  it("are written interval: or i:, a PERF_COUNT_SW_CPU_CLOCK event on one CPU every period", () => {
    expect(probe(env, "i:s:1")).toEqual({
      provider: "interval", name: "interval:s:1", progType: 7, context: "pt_regs",
      attach: { kind: "perf", type: 1, config: 0, period: 1_000_000_000, freq: undefined, cpus: "one" },
    });
    expect(probe(env, "interval:100ms").name).toBe("interval:ms:100");
    expect(probe(env, "interval:99").attach).toMatchObject({ freq: 99, period: undefined });
  });

  it("say what is wrong with a rate", () => {
    expect(expanded(env, "interval:s:0")).toBe("interval: invalid rate '0'");
    expect(expanded(env, "interval:xs:1")).toBe("interval: unknown unit 'xs' (expected s, ms, us, ns or hz)");
    expect(expanded(env, "interval:s:1:2")).toBe("interval needs a rate: interval:s:1, interval:ms:100, interval:hz:99");
  });

  it("list their units, only when named", () => {
    expect(listProbes(env, "i:*", false)).toEqual(["interval:hz:", "interval:ms:", "interval:s:", "interval:us:"]);
    expect(listProbes(env, "*:s:", false)).toEqual([]);
  });

  it("read arg0.. from the interrupted registers, and are kernel space", () => {
    expect(disasm(env, "interval:s:1 { @[arg0] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 112\)\n/);
    expect(messages(env, "interval:s:1 { @a = args; @b = retval; @c = func; }")).toEqual([
      "error: args is not available in interval probes (use arg0, arg1, ...)",
      "error: retval is only available in return probes (kretprobe, uretprobe, fexit), not interval",
      "error: func is not available in interval probes",
    ]);
    expect(inUserSpace(probe(env, "interval:s:1"))).toBe(false);
  });
});
