// kprobe:FUNC[+OFFSET] / kretprobe:FUNC — kernel function probes through the kprobe PMU
// (perf_event_open of /sys/bus/event_source/devices/kprobe/type, config1 = the function's
// name, config2 = the offset). arg0..arg5 are the saved argument registers, kretprobe's
// retval is rax, and `func` is the probed address (bpf_get_func_ip), named by ksym when
// printed. Where the kernel has no kprobes but allows BPF trampolines, kprobe falls back to
// fentry (fentry.ts); where neither is allowed (CONFIG_KPROBES off and trampolines refused,
// PLATFORM.md) the probe fails before anything loads, naming the nearest tracepoints.
import { ProgType } from "../types/abi.ts";
import type { Provider } from "./provider.ts";
import { fail } from "./provider.ts";
import { registerArgs, registerReturn } from "./args.ts";
import { fentryProbes } from "./fentry.ts";
import { NO_KPROBES, NO_TRAMPOLINES, listedPrototype, paramLine, targetFunctions, traceableFunctions, unavailable } from "./kernel-functions.ts";

function kprobeProvider(kind: "kprobe" | "kretprobe"): Provider {
  return {
    name: kind,
    aliases: kind === "kprobe" ? ["k"] : ["kr"],
    space: "kernel",
    func: "address",
    // kretprobes fire in the order they were attached, kprobes newest first
    ...(kind === "kprobe" && { firesNewestFirst: true }),
    args: { positional: registerArgs, ...(kind === "kretprobe" && { retval: registerReturn }) },
    listing: {
      ...(kind === "kprobe" && { walk: "kernel" as const }),
      pattern: "module",
      candidates(env, target) {
        const funcs = traceableFunctions(env);
        return target === "" ? funcs : funcs.map((f) => `vmlinux:${f}`);
      },
      params(env, match) {
        const proto = listedPrototype(env, match);
        if (!proto) return [];
        const { btf, sig } = proto;
        if (kind === "kretprobe") return [sig.ret === 0 ? "void" : paramLine(btf, sig.ret, "retval")];
        // Floating-point arguments travel in other registers and are not argN.
        return sig.params.filter((p) => btf.kindOf(btf.resolve(p.typeId)) !== "float").map((p, i) => paramLine(btf, p.typeId, `arg${i}`));
      },
    },
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
          func,
          attach: { kind: "kprobe" as const, func, offset: t.offset, ret },
        })),
      };
    },
  };
}

export const kprobe = kprobeProvider("kprobe");
export const kretprobe = kprobeProvider("kretprobe");
