// uprobe:PATH:FUNC / uretprobe:PATH:FUNC and usdt:PATH:[PROVIDER:]NAME — user-space probes
// through the uprobe PMU (perf_event_open of type /sys/bus/event_source/devices/uprobe/type
// with config1 = path, config2 = file offset). USDT probes are uprobes at the note's pc,
// with the semaphore's file offset as the reference counter (the kernel bumps it).
import { ProgType } from "../types/abi.ts";
import { closest } from "../types/suggest.ts";
import type { ConcreteProbe, Provider } from "./provider.ts";
import { fail, globToRegExp, hasWildcard } from "./provider.ts";

function uprobeProvider(kind: "uprobe" | "uretprobe"): Provider {
  return {
    name: kind,
    aliases: kind === "uprobe" ? ["u"] : ["ur"],
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
        positional: "regs",
        func: f.name,
        hasRetval: ret,
        attach: { kind: "uprobe", path: bin, offset: f.offset + extra, ret },
      }));
      return { ok: true, probes };
    },
  };
}

export const uprobe = uprobeProvider("uprobe");
export const uretprobe = uprobeProvider("uretprobe");

export const usdt: Provider = {
  name: "usdt",
  aliases: ["U"],
  expand(ap, env) {
    if (ap.parts.length < 2 || ap.parts.length > 3) return fail("usdt probes look like usdt:PATH:[PROVIDER:]NAME");
    const path = ap.parts[0]!;
    const bin = env.resolveBinary(path);
    if (!bin) return fail(`usdt: no such file: ${path}`);
    const [prov, name] = ap.parts.length === 3 ? [ap.parts[1]!, ap.parts[2]!] : ["*", ap.parts[1]!];
    const reP = globToRegExp(prov);
    const reN = globToRegExp(name);
    const all = env.usdtProbes(bin);
    const found = all.filter((p) => reP.test(p.provider) && reN.test(p.name));
    if (found.length === 0) {
      const near = closest(name, all.map((p) => p.name));
      return fail(`usdt:${path}:${ap.parts.slice(1).join(":")}: no such USDT probe in ${bin}`, [
        all.length === 0 ? `${bin} has no USDT probes (no .note.stapsdt section)` : near ? `did you mean ${near}?` : `list them with %probes usdt:${path}:*`,
      ]);
    }
    const probes: ConcreteProbe[] = found.map((p) => ({
      provider: "usdt",
      name: `usdt:${bin}:${p.provider}:${p.name}`,
      progType: ProgType.KPROBE,
      context: "pt_regs",
      positional: "usdt",
      usdtArgs: p.args,
      func: p.name,
      attach: { kind: "uprobe", path: bin, offset: p.offset, ret: false, refCtrOffset: p.semaphoreOffset },
    }));
    return { ok: true, probes };
  },
};
