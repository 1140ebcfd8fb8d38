// The builtin variables (bare identifiers) and their types, per probe context: the rows of
// bpf/functions/ that are builtins (pid, comm, nsecs, ...), and the probe's arguments. What
// arg0.., args, retval and func are in a probe is its kind's (bpf/probes/, Provider.args).
import { type ConcreteProbe, kindOf } from "../probes/index.ts";
import { builtinRows } from "../functions/index.ts";
import { type Type, str, u64 } from "../types/types.ts";

export interface BuiltinInfo {
  readonly name: string;
  readonly doc: string;
  /**
   * The type in this probe (strings not sized by the probe are `strlen` bytes), or an
   * error message when the probe cannot provide it; `kernelType` names kernel types
   * through BTF where the kernel has it.
   */
  type(probe: ConcreteProbe, strlen: number, kernelType?: (name: string) => Type | undefined): Type | string;
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
  { name: "ctx", doc: "The probe's context, typed through BTF (iter: struct bpf_iter__task *, ...: ctx.task.comm; interval, profile: struct bpf_perf_event_data *).", type: (p) => p.ctx ?? `ctx is not available in ${p.provider} probes` },
];

for (let i = 0; i < 16; i++) {
  table.push({ name: `arg${i}`, doc: `Argument ${i} of the traced function (kprobe, uprobe, usdt, rawtracepoint).`, type: (p) => positional(p, i) });
}
for (let i = 0; i < 8; i++) {
  table.push({ name: `sarg${i}`, doc: `Stack argument ${i} (uprobe).`, type: always(u64) });
}

const fromRows: BuiltinInfo[] = [...builtinRows.values()].map((r) => ({
  name: r.name,
  doc: r.builtin!.doc,
  type: (probe, maxStrlen, kernelType = () => undefined) => r.builtin!.type({ probe, maxStrlen, kernelType }),
}));

export const builtins: ReadonlyMap<string, BuiltinInfo> = new Map([...fromRows, ...table].map((b) => [b.name, b]));
