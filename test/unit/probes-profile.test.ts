// profile:UNIT:N (bpf/probes/profile.ts, rates in timed.ts): a cpu-clock perf event on
// every CPU; its alias, rates, `-l` lines, and its arguments: the interrupted registers.
import { describe, expect, it } from "vitest";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();

describe("profile probes", () => {
  it("are written profile: or p:, a PERF_COUNT_SW_CPU_CLOCK event on every CPU at a frequency or period", () => {
    expect(probe(env, "p:hz:99")).toEqual({
      provider: "profile", name: "profile:hz:99", progType: 7, context: "pt_regs",
      attach: { kind: "perf", type: 1, config: 0, period: undefined, freq: 99, cpus: "all" },
    });
    expect(probe(env, "profile:ms:10").attach).toMatchObject({ period: 10_000_000, freq: undefined, cpus: "all" });
    expect(probe(env, "profile:1_000us").name).toBe("profile:us:1000");
    expect(expanded(env, "profile:xs:1")).toBe("profile: unknown unit 'xs' (expected s, ms, us, ns or hz)");
  });

  it("list their units, only when named", () => {
    expect(listProbes(env, "profile:*", false)).toEqual(["profile:hz:", "profile:ms:", "profile:s:", "profile:us:"]);
    expect(listProbes(env, "*:hz:", false)).toEqual([]);
  });

  it("read arg0.. from the interrupted registers, and are kernel space", () => {
    expect(disasm(env, "profile:hz:99 { @[arg0] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 112\)\n/);
    expect(messages(env, "profile:hz:99 { @a = args; @b = retval; }")).toEqual([
      "error: args is not available in profile probes (use arg0, arg1, ...)",
      "error: retval is only available in return probes (kretprobe, uretprobe, fexit), not profile",
    ]);
    expect(inUserSpace(probe(env, "profile:hz:99"))).toBe(false);
  });
});
