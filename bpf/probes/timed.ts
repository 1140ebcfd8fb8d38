// What interval:UNIT:N and profile:UNIT:N share: a rate, and a perf software event
// (PERF_COUNT_SW_CPU_CLOCK) that runs a BPF_PROG_TYPE_PERF_EVENT program each period.
import { PerfType, ProgType } from "../types/abi.ts";
import type { Expansion, ProbeAddress } from "./provider.ts";
import { fail } from "./provider.ts";
import type { ProbeEnv } from "./probe-env.ts";
import { btfNamedType } from "../btf/btf-types.ts";
import type { Type } from "../types/types.ts";

const NS_PER: Record<string, number> = { s: 1e9, ms: 1e6, us: 1e3, ns: 1 };
const CPU_CLOCK = 0; // PERF_COUNT_SW_CPU_CLOCK

/** What `-l interval:*` and `-l profile:*` list: the units, as bpftrace lists them. */
export const TIME_UNITS = ["s", "ms", "us", "hz"] as const;

function parseRate(ap: ProbeAddress, what: string): { unit: string; n: number } | string {
  let [unit, value] = ap.parts.length === 1 ? ["hz", ap.parts[0]] : [ap.parts[0], ap.parts[1]];
  // bpftrace also accepts the unit as a suffix: interval:1s, profile:99hz, interval:100ms
  const suffixed = ap.parts.length === 1 ? /^(\d[\d_]*)(s|ms|us|ns|hz)$/.exec(ap.parts[0] ?? "") : null;
  if (suffixed) [unit, value] = [suffixed[2], suffixed[1]];
  if (ap.parts.length < 1 || ap.parts.length > 2 || unit === undefined || value === undefined) {
    return `${what} needs a rate: ${what}:s:1, ${what}:ms:100, ${what}:hz:99`;
  }
  const n = Number(value.replace(/_/g, ""));
  if (!Number.isInteger(n) || n <= 0) return `${what}: invalid rate '${value}'`;
  if (unit !== "hz" && !(unit in NS_PER)) return `${what}: unknown unit '${unit}' (expected s, ms, us, ns or hz)`;
  return { unit, n };
}

/** The one probe of `name:UNIT:N`, a cpu-clock event on one CPU or on each. */
export function expandTimed(ap: ProbeAddress, name: "interval" | "profile", cpus: "one" | "all", env: ProbeEnv): Expansion {
  const rate = parseRate(ap, name);
  if (typeof rate === "string") return fail(rate);
  const period = rate.unit === "hz" ? undefined : rate.n * NS_PER[rate.unit]!;
  const freq = rate.unit === "hz" ? rate.n : undefined;
  return {
    ok: true,
    probes: [
      {
        provider: name,
        name: `${name}:${rate.unit}:${rate.n}`,
        progType: ProgType.PERF_EVENT,
        context: "pt_regs",
        ...perfEventCtx(env),
        attach: { kind: "perf", type: PerfType.SOFTWARE, config: CPU_CLOCK, period, freq, cpus },
      },
    ],
  };
}

/** `ctx` of a BPF_PROG_TYPE_PERF_EVENT program: `struct bpf_perf_event_data *`, as in bpftrace (needs BTF). */
export function perfEventCtx(env: ProbeEnv): { ctx?: Type } {
  const btf = env.btf?.();
  const rec = btf ? btfNamedType(btf, "struct bpf_perf_event_data", false) : undefined;
  return rec ? { ctx: { k: "ptr", to: rec, user: false } } : {};
}
