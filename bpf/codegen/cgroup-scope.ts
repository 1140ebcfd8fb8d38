// %cgroup / TRACEBOOK_CGROUP: a kernel that traces only the tasks of one cgroup v2, as
// -p PID traces one process (bpf/codegen/pid-scope.ts). Every probe that fires in some
// task's context starts with `if (cgroup != ID) return`, where `cgroup` is
// bpf_get_current_cgroup_id() (the task's cgroup in the unified hierarchy, Linux 4.18) and
// ID is the inode of the cgroup's directory, as bpftrace's cgroupid(PATH) gives it. A
// shared host or a Kubernetes pod then sees its own work only, though tracepoints fire for
// the whole machine. Only that exact cgroup matches, not its descendants. BEGIN, END,
// interval, self:signal and iterators run in the tracing kernel's own context: not scoped.
import { asm, R0, R1, type Emitter, H } from "../asm/index.ts";
import type { ConcreteProbe } from "../probes/index.ts";

/** Whether the program must test the current task's cgroup. */
export function needsCgroupFilter(p: ConcreteProbe, cgroup: bigint | undefined): boolean {
  if (cgroup === undefined) return false;
  const a = p.attach;
  return a.kind !== "run" && a.kind !== "signal" && a.kind !== "iter" && !(a.kind === "perf" && a.cpus === "one");
}

/** if (bpf_get_current_cgroup_id() != cgroup) goto exit */
export function emitCgroupFilter(e: Emitter, cgroup: bigint, exit: string): void {
  e.comment(`cgroup ${cgroup}: tasks of other cgroups return here`);
  e.emit(asm.call(H.get_current_cgroup_id), asm.ldImm64(R1, cgroup), asm.jne(R0, R1, exit));
}
