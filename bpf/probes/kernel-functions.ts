// kprobe/kretprobe and fentry/fexit (aliases kfunc/kretfunc): kernel function probes.
//
// kprobe goes through the kprobe PMU; where the kernel has no kprobes but allows BPF
// trampolines, kprobe falls back to fentry. Where neither is allowed (as on machines with
// CONFIG_KPROBES off and trampolines refused), the probe fails before anything loads, with
// an error that says why and names the nearest stable hooks.
import { AttachType, ProgType } from "../types/abi.ts";
import type { AttachPoint } from "../lang/ast.ts";
import type { ConcreteProbe, Expansion, Provider } from "./provider.ts";
import { fail, globToRegExp, hasWildcard } from "./provider.ts";
import type { ProbeEnv } from "./probe-env.ts";
import { type Type, s64 } from "../types/types.ts";
import { btfArgsRecord, btfType } from "../btf/btf-types.ts";

/** Tracepoints that observe roughly what a kernel function does: `vfs_read` → sys_enter_read/sys_exit_read. */
export function nearestTracepoints(func: string, env: ProbeEnv): string[] {
  const stem = func.replace(/^(__x64_sys_|__arm64_sys_|__se_sys_|__do_sys_|do_sys_|ksys_|sys_|vfs_|do_|__)/, "");
  const all = env.listTracepoints();
  const exact = [`syscalls:sys_enter_${stem}`, `syscalls:sys_exit_${stem}`].filter((t) => all.includes(t));
  if (exact.length) return exact.map((t) => `tracepoint:${t}`);
  const loose = all.filter((t) => stem.length >= 3 && t.split(":")[1]!.includes(stem)).slice(0, 4);
  return loose.map((t) => `tracepoint:${t}`);
}

function targetFunctions(ap: AttachPoint, env: ProbeEnv, kind: string): { funcs: string[]; offset: number } | string {
  // kprobe:func, kprobe:func+off, kprobe:module:func, fentry:module:func
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

function unavailable(kind: string, func: string, env: ProbeEnv, why: string): Expansion {
  const near = nearestTracepoints(func, env);
  const hints = near.length ? [`the nearest stable hooks: ${near.join(", ")}`] : ["list tracepoints with %probes tracepoint:*"];
  return fail(`${kind}:${func}: ${why}`, hints);
}

const NO_KPROBES = "this kernel has no kprobes (no kprobe PMU: CONFIG_KPROBES is off)";
const NO_TRAMPOLINES = "this kernel refuses fentry/fexit programs (BPF trampolines: BPF_PROG_LOAD returns EPERM)";

function fentryProbes(kind: "fentry" | "fexit", funcs: string[], env: ProbeEnv): Expansion {
  const probes: ConcreteProbe[] = [];
  for (const func of funcs) {
    const btfId = env.btfId(func, "func");
    if (btfId === undefined) return fail(`${kind}:${func}: no such kernel function in BTF`);
    const typed = btfArgs(func, env);
    probes.push({
      provider: kind,
      name: `${kind}:${func}`,
      progType: ProgType.TRACING,
      expectedAttachType: kind === "fentry" ? AttachType.TRACE_FENTRY : AttachType.TRACE_FEXIT,
      attachBtfId: btfId,
      context: "raw_args",
      positional: "raw",
      func,
      hasRetval: kind === "fexit",
      ...(typed ? { args: typed.args, retvalType: typed.ret, retvalOffset: typed.retOffset } : {}),
      attach: { kind: "fentry", func, btfId, ret: kind === "fexit" },
    });
  }
  return { ok: true, probes };
}

/**
 * fentry/fexit `args`: the function's parameters by name, each a u64 slot of the context
 * (ctx[i]), typed through BTF; fexit's return value is the slot after the last parameter.
 */
function btfArgs(func: string, env: ProbeEnv): { args: Type; ret: Type; retOffset: number } | undefined {
  const btf = env.btf?.();
  const sig = btf?.funcProto(func);
  if (!btf || !sig) return undefined;
  const ret = sig.ret === 0 ? s64 : btfType(btf, sig.ret, false);
  return { args: btfArgsRecord(btf, func, sig.params), ret, retOffset: 8 * sig.params.length };
}

function kprobeProvider(kind: "kprobe" | "kretprobe"): Provider {
  return {
    name: kind,
    aliases: kind === "kprobe" ? ["k"] : ["kr"],
    expand(ap, env) {
      const t = targetFunctions(ap, env, kind);
      if (typeof t === "string") return fail(t);
      const first = t.funcs[0] ?? ap.parts[ap.parts.length - 1] ?? "?";
      if (t.funcs.length === 0) return fail(`${kind}:${ap.parts.join(":")}: no kernel function matches`);
      const feats = env.features();
      if (!feats.kprobes) {
        if (feats.trampolines && t.offset === 0) return fentryProbes(kind === "kprobe" ? "fentry" : "fexit", t.funcs, env);
        return unavailable(kind, first, env, `${NO_KPROBES}, and ${NO_TRAMPOLINES.replace("this kernel ", "")}`);
      }
      const ret = kind === "kretprobe";
      return {
        ok: true,
        probes: t.funcs.map((func) => ({
          provider: kind,
          name: `${kind}:${func}${t.offset ? `+${t.offset}` : ""}`,
          progType: ProgType.KPROBE,
          context: "pt_regs" as const,
          positional: "regs" as const,
          func,
          hasRetval: ret,
          attach: { kind: "kprobe" as const, func, offset: t.offset, ret },
        })),
      };
    },
  };
}

function fentryProvider(kind: "fentry" | "fexit"): Provider {
  return {
    name: kind,
    aliases: kind === "fentry" ? ["f", "kfunc"] : ["fr", "kretfunc"],
    expand(ap, env) {
      const t = targetFunctions(ap, env, kind);
      if (typeof t === "string") return fail(t);
      const first = t.funcs[0] ?? ap.parts[ap.parts.length - 1] ?? "?";
      if (t.funcs.length === 0) return fail(`${kind}:${ap.parts.join(":")}: no kernel function matches`);
      if (!env.features().trampolines) return unavailable(kind, first, env, NO_TRAMPOLINES);
      return fentryProbes(kind, t.funcs, env);
    },
  };
}

export const kprobe = kprobeProvider("kprobe");
export const kretprobe = kprobeProvider("kretprobe");
export const fentry = fentryProvider("fentry");
export const fexit = fentryProvider("fexit");
