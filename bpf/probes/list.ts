// `tracebook -l PATTERN` / `%probes PATTERN`: probe names like `bpftrace -l`, and with
// verbose the tracepoint fields like `bpftrace -lv`.
import { HardwareEvents, SoftwareEvents } from "../abi.ts";
import { globToRegExp } from "./provider.ts";
import type { ProbeEnv } from "./probe-env.ts";
import { canonicalProvider } from "../lang/index.ts";

export function listProbeLines(env: ProbeEnv, pattern: string, verbose: boolean): string[] {
  let pat = pattern || "*";
  const colon = pat.indexOf(":");
  if (colon > 0) {
    const prov = canonicalProvider(pat.slice(0, colon)) ?? pat.slice(0, colon);
    pat = `${prov}${pat.slice(colon)}`;
  }
  if (!pat.includes(":")) pat = `*:${pat}`;
  const re = globToRegExp(pat);
  const out: string[] = [];
  const add = (name: string, fields?: () => string[]) => {
    if (!re.test(name)) return;
    out.push(name);
    if (verbose && fields) out.push(...fields());
  };
  const provider = pat.split(":")[0]!;
  const wants = (p: string) => globToRegExp(provider).test(p);
  if (wants("software")) for (const [k] of Object.entries(SoftwareEvents)) add(`software:${k}:`);
  if (wants("hardware")) for (const [k] of Object.entries(HardwareEvents)) add(`hardware:${k}:`);
  if (wants("tracepoint")) {
    for (const tp of env.listTracepoints()) {
      add(`tracepoint:${tp}`, () => {
        const [c, e] = tp.split(":") as [string, string];
        const f = env.tracepointFormat(c, e);
        return (f?.fields ?? []).filter((x) => !x.name.startsWith("common_")).map((x) => `    ${x.isDataLoc ? "__data_loc " : ""}${x.cType} ${x.name}${x.isArray && !x.cType.includes("[") ? `[${x.arrayLen ?? ""}]` : ""}`);
      });
    }
  }
  if (wants("rawtracepoint")) for (const n of env.listRawTracepoints()) add(`rawtracepoint:${n}`);
  if (wants("fentry") && env.features().trampolines) for (const f of env.listKernelFunctions()) add(`fentry:${f}`);
  if (wants("kprobe") && env.features().kprobes) for (const f of env.listKernelFunctions()) add(`kprobe:${f}`);
  const m = /^(uprobe|usdt):([^:]+):/.exec(pat);
  if (m) {
    const bin = env.resolveBinary(m[2]!);
    if (bin) {
      if (m[1] === "uprobe") for (const f of env.elfFunctions(bin)) add(`uprobe:${m[2]}:${f}`);
      else {
        const re2 = globToRegExp(pat.replace(m[2]!, bin));
        for (const p of env.usdtProbes(bin)) {
          const name = `usdt:${bin}:${p.provider}:${p.name}`;
          if (re2.test(name) || re.test(`usdt:${m[2]}:${p.provider}:${p.name}`)) out.push(name);
        }
      }
    }
  }
  return out;
}
