// watchpoint:ADDR:LEN:MODE — hardware breakpoints (perf_event_open PERF_TYPE_BREAKPOINT)
// that run a BPF_PROG_TYPE_PERF_EVENT program when the CPU reads (r), writes (w) or
// executes (x) the LEN bytes at ADDR, on every CPU (or only in the process of -p PID,
// scoped when attached like profile). ADDR is a kernel address or one in the traced
// process; modes combine as bpftrace allows: r, w, rw (x alone, LEN 8, as x86 requires).
import { ProgType } from "../types/abi.ts";
import type { Provider } from "./provider.ts";
import { fail } from "./provider.ts";
import { registerArgs } from "./args.ts";

/** perf_event_attr.type of hardware breakpoints. */
export const PERF_TYPE_BREAKPOINT = 5;
/** HW_BREAKPOINT_R / _W / _X (linux/hw_breakpoint.h). */
const BP = { r: 1, w: 2, x: 4 } as const;

/** bp_type of a mode ("r", "w", "rw", "wr", "x"); a string is an error message. */
export function breakpointType(mode: string): number | string {
  if (mode === "" || !/^[rwx]+$/.test(mode) || new Set(mode).size !== mode.length) return `invalid watchpoint mode '${mode}' (r, w, rw or x)`;
  if (mode.includes("x") && mode.length > 1) return `watchpoint mode '${mode}': x cannot be combined with r or w`;
  let t = 0;
  for (const c of mode) t |= BP[c as keyof typeof BP];
  return t;
}

export const watchpoint: Provider = {
  name: "watchpoint",
  aliases: ["w"],
  space: "kernel",
  args: { positional: registerArgs },
  expand(ap) {
    const [addrText, lenText, mode] = ap.parts;
    if (ap.parts.length !== 3 || !addrText || !lenText || mode === undefined) {
      return fail("watchpoint probes look like watchpoint:ADDRESS:LENGTH:MODE (e.g. watchpoint:0x10000000:8:rw)");
    }
    if (!/^(0x[0-9a-f]+|\d+)$/i.test(addrText)) return fail(`watchpoint: invalid address '${addrText}'`);
    const addr = BigInt(addrText);
    if (addr === 0n) return fail("watchpoint: the address must not be 0");
    const len = Number(lenText);
    if (![1, 2, 4, 8].includes(len)) return fail(`watchpoint: invalid length '${lenText}' (1, 2, 4 or 8 bytes)`);
    const type = breakpointType(mode);
    if (typeof type === "string") return fail(type);
    // x86 debug registers watch writes or reads-and-writes, never reads alone (the kernel says EINVAL)
    if (type === BP.r && process.arch === "x64") return fail("watchpoint mode 'r': x86-64 cannot watch reads alone", ["use rw (reads and writes)"]);
    if (type === BP.x && len !== 8) return fail("watchpoint: an execute (x) watchpoint must have length 8 (sizeof(long))");
    return {
      ok: true,
      probes: [
        {
          provider: "watchpoint",
          name: `watchpoint:0x${addr.toString(16)}:${len}:${mode}`,
          progType: ProgType.PERF_EVENT,
          context: "pt_regs",
          attach: { kind: "perf", type: PERF_TYPE_BREAKPOINT, config: 0, period: 1, cpus: "all", breakpoint: { addr, len, type } },
        },
      ],
    };
  },
};
