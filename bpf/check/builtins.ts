// The builtin variables (bare identifiers) and their types, per probe context: the rows of
// bpf/functions/ that are builtins (pid, comm, nsecs, ...), and the probe's arguments.
import type { ConcreteProbe } from "../probes/provider.ts";
import { builtinRows } from "../functions/index.ts";
import { type Type, int, str, u64, s64 } from "../types/types.ts";

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
  if (probe.positional === undefined) {
    return `arg${n} is not available in ${probe.provider} probes${probe.provider === "tracepoint" ? " (use args.FIELD)" : ""}`;
  }
  if (probe.positional === "usdt") {
    const spec = probe.usdtArgs?.[n];
    if (!spec) return `${probe.name} has ${probe.usdtArgs?.length ?? 0} arguments; arg${n} does not exist`;
    return int(Math.min(64, spec.size * 8) as 8 | 16 | 32 | 64, spec.signed);
  }
  if (probe.positional === "regs" && n > 5) return `arg${n}: only arg0..arg5 are passed in registers`;
  return u64;
}

const table: BuiltinInfo[] = [
  {
    name: "func",
    doc: "Name of the traced function (kprobe, uprobe, fentry).",
    // kprobes name their function by address (ksym), as bpftrace's func does there
    type: (p, n) => (p.func === undefined ? `func is not available in ${p.provider} probes` : p.provider === "kprobe" || p.provider === "kretprobe" ? { k: "sym", user: false } : str(n)),
  },
  {
    name: "retval",
    doc: "Return value of the traced function (kretprobe, uretprobe, fexit).",
    type: (p) => (p.hasRetval ? (p.retvalType ?? s64) : `retval is only available in return probes (kretprobe, uretprobe, fexit), not ${p.provider}`),
  },
  {
    name: "args",
    doc: "The probe's arguments as a record: tracepoint fields (args.filename), fentry arguments.",
    type: (p) => p.args ?? `args is not available in ${p.provider} probes${p.positional ? " (use arg0, arg1, ...)" : ""}`,
  },
  { name: "ctx", doc: "The probe's context, typed through BTF (iter: struct bpf_iter__task *, ...: ctx.task.comm).", type: (p) => p.ctx ?? `ctx is not available in ${p.provider} probes` },
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
