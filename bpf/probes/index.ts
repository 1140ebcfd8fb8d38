// bpf/probes: one provider per probe type (listing, argument access, attach). This folder's
// compile side (everything but attach.ts) is pure and must not import native/; attach.ts
// is the runtime side. Nothing here imports kernel/ or magics/.
import type { AttachPoint } from "../lang/ast.ts";
import { closest } from "../types/suggest.ts";
import { begin, end } from "./special.ts";
import { self } from "./self.ts";
import { iter } from "./iter.ts";
import { watchpoint } from "./watchpoint.ts";
import { interval, profile } from "./timed.ts";
import { hardware, software } from "./perf-events.ts";
import { tracepoint } from "./tracepoint.ts";
import { rawtracepoint } from "./rawtracepoint.ts";
import { fentry, fexit, kprobe, kretprobe } from "./kernel-functions.ts";
import { uprobe, uretprobe, usdt } from "./uprobe.ts";
import type { Expansion, Provider } from "./provider.ts";
import { fail } from "./provider.ts";
import type { ProbeEnv } from "./probe-env.ts";

export type { ConcreteProbe, AttachSpec, ContextKind, Expansion, Provider, UsdtArgSpec } from "./provider.ts";
export type { ProbeEnv, TracepointField, TracepointFormat, UsdtProbeInfo, KernelFeatures } from "./probe-env.ts";

export const providers: readonly Provider[] = [
  begin, end, interval, profile, software, hardware, tracepoint, rawtracepoint,
  kprobe, kretprobe, fentry, fexit, uprobe, uretprobe, usdt,
  self, iter, watchpoint,
];

const byName = new Map<string, Provider>();
for (const p of providers) {
  byName.set(p.name, p);
  for (const a of p.aliases) byName.set(a, p);
}

export function findProvider(name: string): Provider | undefined {
  return byName.get(name);
}

export function expandAttachPoint(ap: AttachPoint, env: ProbeEnv): Expansion {
  const p = byName.get(ap.provider);
  if (!p) {
    const near = closest(ap.provider, byName.keys());
    return fail(`unknown probe type '${ap.provider}'`, near ? [`did you mean ${near}?`] : []);
  }
  try {
    return p.expand(ap, env);
  } catch (e) {
    return fail(`${ap.raw}: ${(e as Error).message}`);
  }
}
