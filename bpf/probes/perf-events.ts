// software:EVENT:PERIOD and hardware:EVENT:PERIOD — perf counters that run a
// BPF_PROG_TYPE_PERF_EVENT program every PERIOD events, on every CPU.
import { HardwareEvents, PerfType, ProgType, SoftwareEvents } from "../types/abi.ts";
import type { Provider } from "./provider.ts";
import { fail } from "./provider.ts";

function counter(name: "software" | "hardware", table: typeof SoftwareEvents, type: number): Provider {
  return {
    name,
    aliases: [name[0]!],
    expand(ap, env) {
      const [event, count] = ap.parts;
      if (event === undefined || ap.parts.length > 2) return fail(`${name} probes look like ${name}:EVENT[:PERIOD]`);
      const entry = Object.entries(table).find(([k, v]) => k === event || (v.alias !== "" && v.alias === event));
      if (!entry) {
        return fail(`unknown ${name} event '${event}'`, [`known events: ${Object.keys(table).join(", ")}`]);
      }
      const [canonical, info] = entry;
      if (name === "hardware" && !env.features().hardwarePmu) {
        return fail(`hardware:${event}: this machine has no hardware PMU (perf_event_open of PERF_TYPE_HARDWARE is not supported here)`, [
          "use software:cpu-clock or profile:hz:99 for CPU sampling",
        ]);
      }
      const period = count === undefined ? info.defaultPeriod : Number(count.replace(/_/g, ""));
      if (!Number.isFinite(period) || period <= 0) return fail(`${name}:${event}: invalid period '${count}'`);
      return {
        ok: true,
        probes: [
          {
            provider: name,
            name: `${name}:${canonical}:${period}`,
            progType: ProgType.PERF_EVENT,
            context: "pt_regs",
            positional: "regs",
            attach: { kind: "perf", type, config: info.config, period, cpus: "all" },
          },
        ],
      };
    },
  };
}

export const software = counter("software", SoftwareEvents, PerfType.SOFTWARE);
export const hardware = counter("hardware", HardwareEvents, PerfType.HARDWARE);
