// bpftrace's probe types as the `probetype` builtin names them, and what `usermode`
// knows of each at compile time.
import type { ConcreteProbe } from "../probes/provider.ts";

/** `probetype`: the provider's canonical name; BEGIN and END are "special". */
export function probeTypeName(p: ConcreteProbe): string {
  if (p.attach.kind === "run") return "special";
  return p.provider;
}

/**
 * `usermode` where it is a constant: 1 in BEGIN/END, 0 where the context has no user
 * registers (tracepoints, raw tracepoints, fentry); undefined where the pt_regs tell
 * (kprobe, uprobe, usdt, profile, interval, software, hardware), as in bpftrace.
 */
export function constantUsermode(p: ConcreteProbe): 0n | 1n | undefined {
  if (p.attach.kind === "run") return 1n;
  return p.context === "pt_regs" ? undefined : 0n;
}
