// The builtin variables (bare identifiers) and their types, per probe context. What
// arg0.., args, retval and func are in a probe is its kind's (bpf/probes/, Provider.args).
import { type ConcreteProbe, kindOf } from "../probes/index.ts";
import { COMM_SIZE, type Type, str, u8, u32, u64 } from "../types/types.ts";
import { probeTypeName } from "./probe-type.ts";

export interface BuiltinInfo {
  readonly name: string;
  readonly doc: string;
  /** The type in this probe (strings not sized by the probe are `strlen` bytes), or an error message when the probe cannot provide it. */
  type(probe: ConcreteProbe, strlen: number): Type | string;
}

const always = (t: Type) => () => t;

function positional(probe: ConcreteProbe, n: number): Type | string {
  const access = kindOf(probe).args;
  if (!access.positional) return `arg${n} is not available in ${probe.provider} probes${access.fields ? " (use args.FIELD)" : ""}`;
  return access.positional.type(probe, n);
}

function func(p: ConcreteProbe, strlen: number): Type | string {
  if (p.func === undefined) return `func is not available in ${p.provider} probes`;
  // kprobes name their function by address (ksym), as bpftrace's func does there
  return kindOf(p).func === "address" ? { k: "sym", user: false } : str(strlen);
}

function retval(p: ConcreteProbe): Type | string {
  const r = kindOf(p).args.retval;
  return r ? r.type(p) : `retval is only available in return probes (kretprobe, uretprobe, fexit), not ${p.provider}`;
}

const table: BuiltinInfo[] = [
  { name: "pid", doc: "Process id (the kernel's tgid) of the current task.", type: always(u32) },
  { name: "tid", doc: "Thread id (the kernel's pid) of the current task.", type: always(u32) },
  { name: "uid", doc: "User id of the current task.", type: always(u32) },
  { name: "gid", doc: "Group id of the current task.", type: always(u32) },
  { name: "nsecs", doc: "Nanoseconds since boot, suspend included (CLOCK_BOOTTIME, bpf_ktime_get_boot_ns), as nsecs(boot) in bpftrace.", type: always(u64) },
  { name: "elapsed", doc: "Nanoseconds since the program started.", type: always(u64) },
  { name: "cpu", doc: "The CPU the probe fired on.", type: always(u32) },
  { name: "numaid", doc: "The NUMA node the probe fired on.", type: always(u32) },
  { name: "comm", doc: "Name of the current task (16 bytes, like /proc/PID/comm).", type: always(str(COMM_SIZE)) },
  { name: "cgroup", doc: "cgroup v2 id of the current task.", type: always(u64) },
  { name: "curtask", doc: "Pointer to the current task_struct.", type: always({ k: "ptr", to: { k: "record", name: "struct task_struct", size: 0 }, user: false }) },
  { name: "cpid", doc: "Pid of the child process started with -c CMD (0 without -c).", type: always(u32) },
  { name: "rand", doc: "A pseudo-random 32-bit number.", type: always(u32) },
  { name: "jiffies", doc: "Jiffies of the kernel.", type: always(u64) },
  { name: "probe", doc: "Full name of the probe that fired, e.g. tracepoint:syscalls:sys_enter_openat.", type: (_, n) => str(n) },
  {
    name: "func",
    doc: "Name of the traced function (kprobe, uprobe, fentry).",
    type: func,
  },
  {
    name: "retval",
    doc: "Return value of the traced function (kretprobe, uretprobe, fexit).",
    type: retval,
  },
  {
    name: "args",
    doc: "The probe's arguments as a record: tracepoint fields (args.filename), fentry arguments.",
    type: (p) => p.args ?? `args is not available in ${p.provider} probes${kindOf(p).args.positional ? " (use arg0, arg1, ...)" : ""}`,
  },
  { name: "kstack", doc: "Kernel stack trace (symbolised through /proc/kallsyms).", type: always({ k: "stack", user: false }) },
  { name: "ustack", doc: "User stack trace.", type: always({ k: "stack", user: true }) },
  { name: "username", doc: "Name of the current user (the uid, named from /etc/passwd when printed).", type: always({ k: "sym", user: false, table: "username" }) },
  { name: "__builtin_pid", doc: "Alias of pid.", type: always(u32) },
  { name: "ncpus", doc: "Number of possible CPUs (as bpftrace counts them: /sys/devices/system/cpu/possible).", type: always(u64) },
  { name: "probetype", doc: "Name of the probe type: tracepoint, uprobe, profile, special (BEGIN/END), ...", type: (p) => str(probeTypeName(p).length + 1) },
  { name: "usermode", doc: "1 when the probe fired in user mode (the pt_regs' cs), else 0; 1 in BEGIN/END.", type: always(u8) },
  { name: "ctx", doc: "The probe's context, typed through BTF (iter: struct bpf_iter__task *, ...: ctx.task.comm).", type: (p) => p.ctx ?? `ctx is not available in ${p.provider} probes` },
];

for (let i = 0; i < 16; i++) {
  table.push({ name: `arg${i}`, doc: `Argument ${i} of the traced function (kprobe, uprobe, usdt, rawtracepoint).`, type: (p) => positional(p, i) });
}
for (let i = 0; i < 8; i++) {
  table.push({ name: `sarg${i}`, doc: `Stack argument ${i} (uprobe).`, type: always(u64) });
}

export const builtins: ReadonlyMap<string, BuiltinInfo> = new Map(table.map((b) => [b.name, b]));
