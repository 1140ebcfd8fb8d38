// What kprobe/kretprobe (kprobe.ts) and fentry/fexit (fentry.ts) share: the kernel
// functions an attach point names (wildcards against BTF's FUNCs), their BTF prototypes
// for `-lv`, and the error where this kernel can attach neither: it says why and names
// the nearest stable hooks.
//
// Where this machine lacks available_filter_functions (PLATFORM.md), the candidates are
// all BTF FUNCs, since nothing narrower can be known.
import type { Btf } from "../btf/btf.ts";
import type { FuncSignature } from "../btf/types.ts";
import type { Expansion, ProbeAddress } from "./provider.ts";
import { fail, globToRegExp, hasWildcard } from "./provider.ts";
import type { ProbeEnv } from "./probe-env.ts";
import type { CompileEnv } from "./env.ts";

export const NO_KPROBES = "this kernel has no kprobes (no kprobe PMU: CONFIG_KPROBES is off)";
export const NO_TRAMPOLINES = "this kernel refuses fentry/fexit programs (BPF trampolines: BPF_PROG_LOAD returns EPERM)";

/** x86-64 passes six integer arguments in registers; bpftrace skips functions with more. */
const MAX_ARGS = 6;

/** Tracepoints that observe roughly what a kernel function does: `vfs_read` → sys_enter_read/sys_exit_read. */
export function nearestTracepoints(func: string, env: ProbeEnv): string[] {
  const stem = func.replace(/^(__x64_sys_|__arm64_sys_|__se_sys_|__do_sys_|do_sys_|ksys_|sys_|vfs_|do_|__)/, "");
  const all = env.listTracepoints();
  const exact = [`syscalls:sys_enter_${stem}`, `syscalls:sys_exit_${stem}`].filter((t) => all.includes(t));
  if (exact.length) return exact.map((t) => `tracepoint:${t}`);
  const loose = all.filter((t) => stem.length >= 3 && t.split(":")[1]!.includes(stem)).slice(0, 4);
  return loose.map((t) => `tracepoint:${t}`);
}

/** The functions `kind:[module:]FUNC[+OFFSET]` names, or what is wrong with it. */
export function targetFunctions(ap: ProbeAddress, env: ProbeEnv, kind: string): { funcs: string[]; offset: number } | string {
  const last = ap.parts[ap.parts.length - 1];
  if (!last || ap.parts.length > 2) return `${kind} probes look like ${kind}:FUNCTION`;
  const m = /^([^+]+)(?:\+(\w+))?$/.exec(last);
  if (!m) return `${kind}: invalid function '${last}'`;
  const name = m[1]!;
  const offset = m[2] ? Number(m[2]) : 0;
  if (hasWildcard(name)) {
    const re = globToRegExp(name);
    return { funcs: env.listKernelFunctions().filter((f) => re.test(f)), offset };
  }
  return { funcs: [name], offset };
}

/** `kind:func` cannot attach here: why, and the tracepoints to use instead. */
export function unavailable(kind: string, func: string, env: ProbeEnv, why: string): Expansion {
  const near = nearestTracepoints(func, env);
  const hints = near.length ? [`the nearest stable hooks: ${near.join(", ")}`] : ["list tracepoints with %probes tracepoint:*"];
  return fail(`${kind}:${func}: ${why}`, hints);
}

const traceableCache = new WeakMap<CompileEnv, string[]>();

/** Kernel functions with BTF and at most six parameters (bpftrace's get_all_traceable_funcs). */
export function traceableFunctions(env: CompileEnv): string[] {
  let funcs = traceableCache.get(env);
  if (funcs) return funcs;
  const btf = env.btf();
  funcs = env.listKernelFunctions().filter((f) => {
    if (!btf) return true;
    const sig = btf.funcProto(f);
    return sig !== undefined && sig.params.length <= MAX_ARGS;
  });
  traceableCache.set(env, funcs);
  return funcs;
}

/** The BTF prototype of a listed function ("vmlinux:vfs_read" or "vfs_read"). */
export function listedPrototype(env: CompileEnv, match: string): { btf: Btf; sig: FuncSignature } | undefined {
  const btf = env.btf();
  const sig = btf?.funcProto(match.slice(match.indexOf(":") + 1));
  return btf && sig ? { btf, sig } : undefined;
}

/** "struct file * file": libbpf's declaration of the type, a space, the name. */
export function paramLine(btf: Btf, typeId: number, name: string): string {
  return `${btf.typeName(typeId)} ${name}`;
}
