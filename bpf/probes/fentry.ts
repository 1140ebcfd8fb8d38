// fentry:FUNC / fexit:FUNC (aliases kfunc/kretfunc) — BPF trampolines on kernel functions:
// BPF_PROG_TYPE_TRACING with expected_attach_type BPF_TRACE_FENTRY/FEXIT and the BTF id of
// the FUNC, attached with BPF_RAW_TRACEPOINT_OPEN. The context is an array of u64 slots:
// one per parameter (arg0.., and `args.NAME` typed through BTF), and for fexit the return
// value in the slot after the last parameter. Some kernels refuse trampolines outright
// (PLATFORM.md); the probe then fails before anything loads, naming the nearest tracepoints.
import { AttachType, ProgType } from "../types/abi.ts";
import { type Type, s64 } from "../types/types.ts";
import { btfArgsRecord, btfType } from "../btf/btf-types.ts";
import type { ConcreteProbe, Expansion, Provider } from "./provider.ts";
import { fail } from "./provider.ts";
import type { ProbeEnv } from "./probe-env.ts";
import { type ReturnValue, slotArgs, slotFields } from "./args.ts";
import { R0, R6, asm } from "../asm/index.ts";
import { NO_TRAMPOLINES, listedPrototype, paramLine, targetFunctions, traceableFunctions, unavailable } from "./kernel-functions.ts";

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

/** The probes of `kind` on `funcs` (also what kprobe falls back to where only trampolines work). */
export function fentryProbes(kind: "fentry" | "fexit", funcs: string[], env: ProbeEnv): Expansion {
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
      func,
      ...(typed ? { args: typed.args, retvalType: typed.ret, retvalOffset: typed.retOffset } : {}),
      attach: { kind: "fentry", func, btfId, ret: kind === "fexit" },
    });
  }
  return { ok: true, probes };
}

/** fexit's return value: the u64 slot after the parameters, at the offset BTF gives. */
const slotReturn: ReturnValue = {
  type: (p) => p.retvalType ?? s64,
  emit(p, t, code) {
    if (p.retvalOffset === undefined) return code.fail(`retval: ${p.name} has no BTF prototype`);
    code.emit(asm.ldx(8, R0, R6, p.retvalOffset));
    code.truncate(R0, t);
  },
};

function fentryProvider(kind: "fentry" | "fexit"): Provider {
  return {
    name: kind,
    aliases: kind === "fentry" ? ["f", "kfunc"] : ["fr", "kretfunc"],
    space: "kernel",
    firesNewestFirst: true,
    func: "name",
    args: { positional: slotArgs, fields: slotFields, ...(kind === "fexit" && { retval: slotReturn }) },
    listing: {
      ...(kind === "fentry" && { walk: "kernel" as const }),
      pattern: "target",
      candidates: (env) => traceableFunctions(env).map((f) => `vmlinux:${f}`),
      params(env, match) {
        const proto = listedPrototype(env, match);
        if (!proto) return [];
        const { btf, sig } = proto;
        const lines = sig.params.map((p) => paramLine(btf, p.typeId, p.name));
        if (kind === "fexit" && sig.ret !== 0) lines.push(paramLine(btf, sig.ret, "retval"));
        return lines;
      },
    },
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

export const fentry = fentryProvider("fentry");
export const fexit = fentryProvider("fexit");
