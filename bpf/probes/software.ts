// software:EVENT[:PERIOD] — the kernel's software perf counters (cpu-clock, page-faults,
// context-switches, ...; perf-events.ts): the program runs every PERIOD events on every
// CPU, in the context that caused the event (arg0.. are its registers).
import { PerfType, SoftwareEvents } from "../types/abi.ts";
import type { Provider } from "./provider.ts";
import { registerArgs } from "./args.ts";
import { eventCandidates, expandCounter } from "./perf-events.ts";

export const software: Provider = {
  name: "software",
  aliases: ["s"],
  space: "kernel",
  args: { positional: registerArgs },
  listing: { walk: "kernel", pattern: "name", candidates: () => eventCandidates(SoftwareEvents) },
  expand: (ap) => expandCounter(ap, "software", SoftwareEvents, PerfType.SOFTWARE),
};
