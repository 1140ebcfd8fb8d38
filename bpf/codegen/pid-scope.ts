// -p PID (and the notebook's %pid): bpftrace scopes uprobes, uretprobes, USDT, profile,
// software and hardware probes to the process when they are attached (perf_event_open's
// pid argument; USDT semaphores then count only in that process), and filters kernel
// probes (tracepoint, rawtracepoint, kprobe, fentry, ...) with an injected
// `if (pid != PID) return` (bpftrace's PidFilterPass). BEGIN, END and interval are not
// scoped.
import { asm, R0, type Emitter, H } from "../asm/index.ts";
import type { ConcreteProbe } from "../probes/index.ts";
import { PerfType } from "../types/abi.ts";

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

/**
 * Whether a notebook cell leaves the kernel's own process out of this probe: probes that
 * fire for what a process does (its system calls, page faults, library calls), where the
 * kernel writing the cell's own output would feed back into it. Timed probes (interval,
 * profile, cpu-clock/task-clock) fire whatever runs, and what the run itself starts
 * (BEGIN/END, self:signal, iterators) runs in the kernel's process by design: not those.
 */
export function needsSelfFilter(p: ConcreteProbe, self: number | undefined): boolean {
  if (self === undefined) return false;
  const a = p.attach;
  if (a.kind === "run" || a.kind === "signal" || a.kind === "iter") return false;
  if (a.kind === "uprobe") return a.pid === undefined;
  if (a.kind === "perf") return a.cpus === "all" && a.pid === undefined && !(a.type === PerfType.SOFTWARE && (a.config === CPU_CLOCK || a.config === TASK_CLOCK));
  return true;
}

const CPU_CLOCK = 0; // PERF_COUNT_SW_CPU_CLOCK
const TASK_CLOCK = 1; // PERF_COUNT_SW_TASK_CLOCK

/** if ((bpf_get_current_pid_tgid() >> 32) == self) goto exit */
export function emitSelfFilter(e: Emitter, self: number, exit: string): void {
  e.comment(`the kernel's own process (${self}) returns here`);
  e.emit(asm.call(H.get_current_pid_tgid), asm.rshImm(R0, 32), asm.jeqImm(R0, self, exit));
}

/** if ((bpf_get_current_pid_tgid() >> 32) != pid) goto exit */
export function emitPidFilter(e: Emitter, pid: number, exit: string): void {
  e.comment(`-p ${pid}: other processes return here`);
  e.emit(asm.call(H.get_current_pid_tgid), asm.rshImm(R0, 32), asm.jneImm(R0, pid, exit));
}
