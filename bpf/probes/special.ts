// BEGIN and END: programs that run once, at the start and at the end of a run. They are
// real eBPF programs (BPF_PROG_TYPE_RAW_TRACEPOINT) run in the kernel by
// BPF_PROG_TEST_RUN, in the calling thread, not emulated in JavaScript.
import { ProgType } from "../types/abi.ts";
import type { Provider } from "./provider.ts";
import { fail } from "./provider.ts";
import { noArgs } from "./args.ts";

function special(name: "BEGIN" | "END"): Provider {
  return {
    name,
    aliases: [name.toLowerCase()],
    space: "kernel",
    bare: true,
    synchronous: true,
    args: noArgs,
    expand(ap) {
      if (ap.parts.length > 0) return fail(`${name} takes no arguments`);
      return {
        ok: true,
        probes: [
          {
            provider: name,
            // bpftrace spells the kind in lower case whatever was written (expand_probe_name)
            name: name.toLowerCase(),
            progType: ProgType.RAW_TRACEPOINT,
            context: "none",
            attach: { kind: "run", when: name === "BEGIN" ? "begin" : "end" },
          },
        ],
      };
    },
  };
}

export const begin = special("BEGIN");
export const end = special("END");
