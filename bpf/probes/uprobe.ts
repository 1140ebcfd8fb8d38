// uprobe:PATH:FUNC[+OFFSET] / uprobe:PATH:ADDRESS / uretprobe:PATH:FUNC — user-space
// function probes through the uprobe PMU (perf_event_open of type
// /sys/bus/event_source/devices/uprobe/type with config1 = path, config2 = file offset; ELF
// symbols, PIE offsets). PATH is found as bpftrace finds it (user-targets.ts): as written,
// a bare name in $PATH, wildcards globbed, `*` the files of the -p process; probe names and
// `-l` lines spell it as bpftrace does (`uprobe:./bin/app:main`). An ADDRESS is a virtual
// address, placed in the function that holds it. arg0..arg5 are the saved argument
// registers, uretprobe's retval is rax, and pointers made from them point into the traced
// process. `-l` lists a binary's functions (no arguments: those need DWARF, which we do not read).
import { ProgType } from "../types/abi.ts";
import { closest } from "../types/suggest.ts";
import type { ConcreteProbe, ExpandScope, Provider } from "./provider.ts";
import { fail, globToRegExp, hasWildcard, noMatches } from "./provider.ts";
import type { ProbeEnv, UserSymbol } from "./probe-env.ts";
import { registerArgs, registerReturn } from "./args.ts";
import { listedFiles, targetFiles, targetSearch } from "./user-targets.ts";

const UNSAFE_HINT = "\nUse --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process.";

/**
 * Why a uprobe at `sym` + `offset` must not attach, in bpftrace's words
 * (resolve_offset_uprobe, src/attached_probe.cpp): a symbol of size 0 has no known end
 * (--unsafe allows its start), and an offset must fall inside the function.
 */
function boundsError(sym: UserSymbol, offset: number, unsafe: boolean): string | undefined {
  if (sym.size === 0 && offset === 0) return unsafe ? undefined : `Could not determine boundary for ${sym.name} (symbol has size 0).${UNSAFE_HINT}`;
  if (offset >= sym.size) return `Offset outside the function bounds ('${sym.name}' size is ${sym.size})`;
  return undefined;
}

function symbolOf(env: ProbeEnv, path: string, name: string): UserSymbol | undefined {
  if (env.userSymbol) return env.userSymbol(path, name);
  const offset = env.elfSymbolOffset(path, name);
  return offset === undefined ? undefined : { name, address: 0n, size: Number.MAX_SAFE_INTEGER, offset };
}

function uprobeProvider(kind: "uprobe" | "uretprobe"): Provider {
  const ret = kind === "uretprobe";
  return {
    name: kind,
    aliases: kind === "uprobe" ? ["u"] : ["ur"],
    space: "user",
    paths: true,
    func: "name",
    firesNewestFirst: true,
    args: { positional: registerArgs, ...(ret && { retval: registerReturn }) },
    listing: {
      ...(kind === "uprobe" && { walk: "user" as const }),
      pattern: "target",
      candidates: (env, target, scope) => listedFiles(env, target, scope).flatMap((f) => env.elfFunctions(f.path).map((fn) => `${f.name}:${fn}`)),
      resolve: (env, target, search) => targetSearch(env, target, search),
    },
    expand(ap, env, scope: ExpandScope = {}) {
      if (ap.parts.length !== 2) return fail(`${kind} probes look like ${kind}:PATH:FUNCTION`);
      const [target, spec] = ap.parts as [string, string];
      const files = targetFiles(env, kind, target, scope);
      if (typeof files === "string") return fail(files);
      const m = /^([^+]+)(?:\+(\w+))?$/.exec(spec);
      const func = m?.[1] ?? spec;
      const extra = m?.[2] !== undefined ? Number(m[2]) : 0;
      if (!Number.isSafeInteger(extra) || extra < 0) return fail(`${kind}:${target}:${spec}: invalid offset '${m?.[2]}'`);
      if (ret && extra !== 0) return fail("uretprobes can not be attached to a function offset");
      const address = /^(0x[0-9a-f]+|\d+)$/i.test(func) ? BigInt(func) : undefined;
      const probes: ConcreteProbe[] = [];
      const make = (file: string, name: string, fn: string | undefined, offset: number, attachError?: string): ConcreteProbe => ({
        provider: kind,
        name,
        progType: ProgType.KPROBE,
        context: "pt_regs",
        ...(fn !== undefined && { func: fn }),
        ...(attachError !== undefined && { attachError }),
        attach: { kind: "uprobe", path: file, offset, ret },
      });
      for (const f of files) {
        if (address !== undefined) {
          // bpftrace names an address probe with the address in decimal (AttachPoint::name)
          const name = `${kind}:${f.name}${address !== 0n ? `:${address}` : ""}`;
          const sym = env.userSymbol?.(f.path, address);
          if (!sym) {
            // an address in no symbol (a stripped or flat binary): --unsafe takes it as the file offset
            const why = scope.unsafe ? undefined : `Could not resolve address: ${f.name}:0x${address.toString(16)}`;
            probes.push(make(f.path, name, undefined, Number(address), why));
            continue;
          }
          const off = Number(address - sym.address);
          const why = ret && off !== 0 ? `uretprobes cannot be attached at function offset. (address resolved to: ${sym.name}+${off})` : boundsError(sym, off, scope.unsafe === true);
          probes.push(make(f.path, name, sym.name, sym.offset + off, why));
          continue;
        }
        if (hasWildcard(func)) {
          const re = globToRegExp(func);
          for (const fn of env.elfFunctions(f.path)) {
            if (!re.test(fn)) continue;
            const off = env.elfSymbolOffset(f.path, fn);
            if (off !== undefined) probes.push(make(f.path, `${kind}:${f.name}:${fn}${extra ? `+${extra}` : ""}`, fn, off + extra));
          }
          continue;
        }
        const sym = symbolOf(env, f.path, func);
        if (sym) probes.push(make(f.path, `${kind}:${f.name}:${func}${extra ? `+${extra}` : ""}`, func, sym.offset + extra, boundsError(sym, extra, scope.unsafe === true)));
      }
      if (probes.length === 0) {
        const near = files.length === 1 && !hasWildcard(func) && address === undefined ? closest(func, env.elfFunctions(files[0]!.path)) : undefined;
        return noMatches(kind, `${target}:${spec}`, near ? [`did you mean ${near}?`] : []);
      }
      return { ok: true, probes };
    },
  };
}

export const uprobe = uprobeProvider("uprobe");
export const uretprobe = uprobeProvider("uretprobe");
