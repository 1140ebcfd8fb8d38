// uprobe:PATH:FUNC[+OFFSET] / uretprobe:PATH:FUNC — user-space function probes through
// the uprobe PMU (perf_event_open of type /sys/bus/event_source/devices/uprobe/type with
// config1 = path, config2 = file offset; ELF symbols, PIE offsets). PATH is resolved as
// bpftrace resolves it ($PATH for a bare name, then the library directories). arg0..arg5
// are the saved argument registers, uretprobe's retval is rax, and pointers made from them
// point into the traced process. `-l` lists a named binary's functions (no arguments:
// those need DWARF, which we do not read).
import { ProgType } from "../types/abi.ts";
import { closest } from "../types/suggest.ts";
import type { ConcreteProbe, Provider } from "./provider.ts";
import { fail, globToRegExp, hasWildcard } from "./provider.ts";
import type { CompileEnv } from "./env.ts";
import { registerArgs, registerReturn } from "./args.ts";

/**
 * `-l` of a target named without its directory (`python3.11`) or relatively: the search
 * with the resolved path the candidates carry; `anyProvider` lets a usdt NAME without
 * PROVIDER match any provider.
 */
export function binarySearch(env: CompileEnv, target: string, search: string, anyProvider = false): string {
  const bin = env.resolveBinary(target);
  if (!bin) return search;
  const rest = search.slice(target.length + 1);
  return `${bin}:${anyProvider ? `*:${rest}` : rest}`;
}

/** The binary a `-l` target names, if it names one. */
export function listedBinary(env: CompileEnv, target: string): string | undefined {
  return hasWildcard(target) ? undefined : env.resolveBinary(target);
}

function uprobeProvider(kind: "uprobe" | "uretprobe"): Provider {
  return {
    name: kind,
    aliases: kind === "uprobe" ? ["u"] : ["ur"],
    space: "user",
    paths: true,
    func: "name",
    args: { positional: registerArgs, ...(kind === "uretprobe" && { retval: registerReturn }) },
    listing: {
      ...(kind === "uprobe" && { walk: "user" as const }),
      pattern: "target",
      candidates(env, target) {
        const bin = listedBinary(env, target);
        return bin ? env.elfFunctions(bin).map((f) => `${bin}:${f}`) : [];
      },
      resolve: (env, target, search) => binarySearch(env, target, search),
    },
    expand(ap, env) {
      if (ap.parts.length !== 2) return fail(`${kind} probes look like ${kind}:PATH:FUNCTION`);
      const [path, target] = ap.parts as [string, string];
      const bin = env.resolveBinary(path);
      if (!bin) return fail(`${kind}: no such file: ${path}`);
      const ret = kind === "uretprobe";
      const m = /^([^+]+)(?:\+(\w+))?$/.exec(target);
      const func = m?.[1] ?? target;
      const extra = m?.[2] ? Number(m[2]) : 0;
      let funcs: { name: string; offset: number }[];
      if (/^0x[0-9a-f]+$/i.test(func) || /^\d+$/.test(func)) {
        funcs = [{ name: func, offset: Number(func) }];
      } else if (hasWildcard(func)) {
        const re = globToRegExp(func);
        funcs = env
          .elfFunctions(bin)
          .filter((f) => re.test(f))
          .map((f) => ({ name: f, offset: env.elfSymbolOffset(bin, f) ?? -1 }))
          .filter((f) => f.offset >= 0);
      } else {
        const off = env.elfSymbolOffset(bin, func);
        if (off === undefined) {
          const near = closest(func, env.elfFunctions(bin));
          return fail(`${kind}:${path}:${func}: no function '${func}' in ${bin}`, near ? [`did you mean ${near}?`] : []);
        }
        funcs = [{ name: func, offset: off }];
      }
      if (funcs.length === 0) return fail(`${kind}:${path}:${func}: no function matches`);
      const probes: ConcreteProbe[] = funcs.map((f) => ({
        provider: kind,
        name: `${kind}:${bin}:${f.name}${extra ? `+${extra}` : ""}`,
        progType: ProgType.KPROBE,
        context: "pt_regs",
        func: f.name,
        attach: { kind: "uprobe", path: bin, offset: f.offset + extra, ret },
      }));
      return { ok: true, probes };
    },
  };
}

export const uprobe = uprobeProvider("uprobe");
export const uretprobe = uprobeProvider("uretprobe");
