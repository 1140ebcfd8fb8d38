// rawtracepoint:NAME — BPF_RAW_TRACEPOINT_OPEN by name; arg0..argN are the tracepoint's
// raw u64 arguments (for sys_enter: arg0 = struct pt_regs *, arg1 = syscall id), and
// `args.NAME` the same arguments by name, typed through BTF (`args.regs`, `args.id`).
import { ProgType } from "../types/abi.ts";
import { closest } from "../types/suggest.ts";
import { btfArgsRecord } from "../btf/btf-types.ts";
import type { Btf } from "../btf/index.ts";
import type { ConcreteProbe, Provider } from "./provider.ts";
import { fail, globToRegExp, hasWildcard } from "./provider.ts";

export const rawtracepoint: Provider = {
  name: "rawtracepoint",
  aliases: ["rt"],
  expand(ap, env) {
    const name = ap.parts[ap.parts.length - 1];
    if (!name || ap.parts.length > 2) return fail("rawtracepoint probes look like rawtracepoint:NAME");
    const all = env.listRawTracepoints();
    const names = hasWildcard(name) ? all.filter((n) => globToRegExp(name).test(n)) : [name];
    if (!hasWildcard(name) && all.length > 0 && !all.includes(name)) {
      const near = closest(name, all);
      return fail(`raw tracepoint not found: ${name}`, near ? [`did you mean rawtracepoint:${near}?`] : []);
    }
    if (names.length === 0) return fail(`no raw tracepoint matches ${name}`);
    const btf = env.btf?.();
    const probes: ConcreteProbe[] = names.map((n) => ({
      ...(btf && { args: argsOf(btf, n) }),
      provider: "rawtracepoint",
      name: `rawtracepoint:${n}`,
      progType: ProgType.RAW_TRACEPOINT,
      context: "raw_args",
      positional: "raw",
      attach: { kind: "raw_tracepoint", name: n },
    }));
    return { ok: true, probes };
  },
};

function argsOf(btf: Btf, name: string) {
  const params = btf.rawTracepointParams(name);
  return params ? btfArgsRecord(btf, name, params) : undefined;
}
