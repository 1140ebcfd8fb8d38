// hardware:EVENT[:PERIOD] — the CPU's own counters (cycles, instructions, cache misses;
// perf-events.ts), where the machine has a hardware PMU: virtual machines often have none,
// and the probe then says so before anything loads.
import { HardwareEvents, PerfType } from "../types/abi.ts";
import type { Provider } from "./provider.ts";
import { fail } from "./provider.ts";
import { registerArgs } from "./args.ts";
import { eventCandidates, expandCounter } from "./perf-events.ts";

export const hardware: Provider = {
  name: "hardware",
  aliases: ["h"],
  space: "kernel",
  args: { positional: registerArgs },
  listing: { walk: "kernel", pattern: "name", candidates: () => eventCandidates(HardwareEvents) },
  expand: (ap, env) =>
    expandCounter(ap, "hardware", HardwareEvents, PerfType.HARDWARE, (event) =>
      env.features().hardwarePmu
        ? undefined
        : fail(`hardware:${event}: this machine has no hardware PMU (perf_event_open of PERF_TYPE_HARDWARE is not supported here)`, [
            "use software:cpu-clock or profile:hz:99 for CPU sampling",
          ])),
};
