// profile:UNIT:N — a program that samples every CPU each period (a cpu-clock perf event
// per CPU, timed.ts): `profile:hz:99 { @[kstack] = count(); }`. arg0.. are the
// interrupted context's registers.
import type { Provider } from "./provider.ts";
import { registerArgs } from "./args.ts";
import { TIME_UNITS, expandTimed } from "./timed.ts";

export const profile: Provider = {
  name: "profile",
  aliases: ["p"],
  space: "kernel",
  args: { positional: registerArgs },
  listing: { pattern: "name", candidates: () => TIME_UNITS.map((u) => `${u}:`) },
  expand: (ap, env) => expandTimed(ap, "profile", "all", env),
};
