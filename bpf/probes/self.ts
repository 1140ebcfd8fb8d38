// self:signal:SIGUSR1 — a program that runs when this process (the tracebook CLI or the
// Jupyter kernel) receives the signal, as bpftrace's self probes do (bpftrace knows only
// SIGUSR1). Like BEGIN/END it is a real eBPF program (BPF_PROG_TYPE_RAW_TRACEPOINT) run in
// the kernel by BPF_PROG_TEST_RUN, in the calling thread; the run installs the signal
// handler while it waits for events (bpf/runtime/self-signal.ts).
import { ProgType } from "../types/abi.ts";
import type { Provider } from "./provider.ts";
import { fail } from "./provider.ts";
import { noArgs } from "./args.ts";

/** Signals a self probe can name (bpftrace's probe_matcher.h SIGNALS). */
const SIGNALS = ["SIGUSR1"] as const;

export const self: Provider = {
  name: "self",
  aliases: [],
  space: "kernel",
  args: noArgs,
  expand(ap) {
    const [trigger, sig] = ap.parts;
    if (trigger !== "signal") return fail(`${trigger ?? ""} is not a supported trigger`, ["self probes look like self:signal:SIGUSR1"]);
    if (ap.parts.length !== 2 || !SIGNALS.includes(sig as (typeof SIGNALS)[number])) {
      return fail(`${sig ?? ""} is not a supported signal`, [`supported: ${SIGNALS.join(", ")}`]);
    }
    return {
      ok: true,
      probes: [
        {
          provider: "self",
          name: `self:signal:${sig}`,
          progType: ProgType.RAW_TRACEPOINT,
          context: "none",
          attach: { kind: "signal", signal: "SIGUSR1" },
        },
      ],
    };
  },
};
