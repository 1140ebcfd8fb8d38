// rawtracepoint:NAME — BPF_RAW_TRACEPOINT_OPEN by name; arg0..argN are the tracepoint's
// raw u64 arguments (for sys_enter: arg0 = struct pt_regs *, arg1 = syscall id), and
// `args.NAME` the same arguments by name, typed through BTF (`args.regs`, `args.id`).
// The names come from BTF's `btf_trace_<name>` typedefs, which are also what a tp_btf
// program (BPF_TRACE_RAW_TP, attach spec "tp_btf") attaches to.
import { ProgType } from "../types/abi.ts";
import { closest } from "../types/suggest.ts";
import { btfArgsRecord } from "../btf/btf-types.ts";
import type { Btf } from "../btf/index.ts";
import type { ConcreteProbe, Provider } from "./provider.ts";
import { fail, globToRegExp, hasWildcard, noMatches } from "./provider.ts";
import { slotArgs, slotFields } from "./args.ts";

export const rawtracepoint: Provider = {
  name: "rawtracepoint",
  aliases: ["rt"],
  space: "kernel",
  args: { positional: slotArgs, fields: slotFields },
  listing: {
    walk: "kernel",
    pattern: "target",
    candidates: (env) => env.listRawTracepoints().map((t) => `vmlinux:${t}`),
    params(env, match) {
      const btf = env.btf();
      const params = btf?.rawTracepointParams(match.slice(match.indexOf(":") + 1));
      return btf && params ? params.map((p) => `${btf.typeName(p.typeId)} ${p.name}`) : [];
    },
  },
  expand(ap, env) {
    const name = ap.parts[ap.parts.length - 1];
    if (!name || ap.parts.length > 2) return fail("rawtracepoint probes look like rawtracepoint:NAME");
    const all = env.listRawTracepoints();
    const names = hasWildcard(name) ? all.filter((n) => globToRegExp(name).test(n)) : [name];
    if (!hasWildcard(name) && all.length > 0 && !all.includes(name)) {
      const near = closest(name, all);
      return noMatches("rawtracepoint", ap.parts.join(":"), near ? [`did you mean rawtracepoint:${near}?`] : []);
    }
    if (names.length === 0) return noMatches("rawtracepoint", ap.parts.join(":"));
    const btf = env.btf?.();
    const probes: ConcreteProbe[] = names.map((n) => ({
      ...(btf && { args: argsOf(btf, n) }),
      provider: "rawtracepoint",
      name: `rawtracepoint:${n}`,
      progType: ProgType.RAW_TRACEPOINT,
      context: "raw_args",
      attach: { kind: "raw_tracepoint", name: n },
    }));
    return { ok: true, probes };
  },
};

function argsOf(btf: Btf, name: string) {
  const params = btf.rawTracepointParams(name);
  return params ? btfArgsRecord(btf, name, params) : undefined;
}
