// -p PID (and the notebook's %pid): bpftrace scopes uprobes, uretprobes, USDT, profile,
// software and hardware probes to the process when they are attached (perf_event_open's
// pid argument; USDT semaphores then count only in that process), and filters kernel
// probes (tracepoint, rawtracepoint, kprobe, fentry, ...) with an injected
// `if (pid != PID) return` (bpftrace's PidFilterPass). BEGIN, END and interval are not
// scoped.
import { asm, R0, type Emitter, H } from "../asm/index.ts";
import type { ConcreteProbe } from "../probes/index.ts";

/** Whether the probe is scoped by attaching it to the process (perf_event_open's pid). */
function scopedAtAttach(p: ConcreteProbe): boolean {
  return p.attach.kind === "uprobe" || (p.attach.kind === "perf" && p.attach.cpus === "all");
}

/** The probe with the pid in its attach spec, where the kernel can scope it at attach time. */
export function scopeToPid(p: ConcreteProbe, pid: number | undefined): ConcreteProbe {
  if (pid === undefined || !scopedAtAttach(p)) return p;
  return { ...p, attach: { ...p.attach, pid } } as ConcreteProbe;
}

/** Whether the program must test the pid itself. */
export function needsPidFilter(p: ConcreteProbe, pid: number | undefined): boolean {
  if (pid === undefined || scopedAtAttach(p)) return false;
  // programs the run itself starts (BEGIN/END, self:signal, iterators) are not another process's
  return p.attach.kind !== "run" && p.attach.kind !== "signal" && !(p.attach.kind === "perf" && p.attach.cpus === "one");
}

/** if ((bpf_get_current_pid_tgid() >> 32) != pid) goto exit */
export function emitPidFilter(e: Emitter, pid: number, exit: string): void {
  e.comment(`-p ${pid}: other processes return here`);
  e.emit(asm.call(H.get_current_pid_tgid), asm.rshImm(R0, 32), asm.jneImm(R0, pid, exit));
}
