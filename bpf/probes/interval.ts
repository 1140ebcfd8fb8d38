// interval:UNIT:N — a program that runs every period on one CPU (a cpu-clock perf event,
// timed.ts), as bpftrace's interval probes do: `interval:s:1 { print(@); clear(@); }`.
// It fires in whatever the CPU was running, so arg0.. are that context's registers.
import type { Provider } from "./provider.ts";
import { registerArgs } from "./args.ts";
import { TIME_UNITS, expandTimed } from "./timed.ts";

export const interval: Provider = {
  name: "interval",
  aliases: ["i"],
  space: "kernel",
  args: { positional: registerArgs },
  listing: { pattern: "name", candidates: () => TIME_UNITS.map((u) => `${u}:`) },
  expand: (ap, env) => expandTimed(ap, "interval", "one", env),
};
