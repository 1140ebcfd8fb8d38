// bpf/probes: one file per probe kind (provider.ts says what a kind owns) and the
// registry below, the one list of kinds: expansion, `-l` listing (listing.ts), the
// lexer's aliases (bpf/lang/attach-point.ts), completion, and every question about a
// concrete probe's kind (user space, arguments) read it. A new kind is a file and a line
// here. This folder's compile side (everything but attach.ts) is pure and must not import
// native/; attach.ts is the runtime side. Of bpf/ it imports only the layers below the
// passes (asm, btf, elf, symbols, types) — never lang, check, codegen or the runtime, which
// all import it — and nothing of kernel/ or magics/.
import { closest } from "../types/suggest.ts";
import { begin, end } from "./special.ts";
import { self } from "./self.ts";
import { iter } from "./iter.ts";
import { watchpoint } from "./watchpoint.ts";
import { interval } from "./interval.ts";
import { profile } from "./profile.ts";
import { software } from "./software.ts";
import { hardware } from "./hardware.ts";
import { tracepoint } from "./tracepoint.ts";
import { rawtracepoint } from "./rawtracepoint.ts";
import { kprobe, kretprobe } from "./kprobe.ts";
import { fentry, fexit } from "./fentry.ts";
import { uprobe, uretprobe } from "./uprobe.ts";
import { usdt } from "./usdt.ts";
import type { ConcreteProbe, ExpandScope, Expansion, ProbeAddress, Provider } from "./provider.ts";
import { fail } from "./provider.ts";
import type { ProbeEnv } from "./probe-env.ts";

export type { ConcreteProbe, AttachSpec, ContextKind, ExpandScope, Expansion, ProbeAddress, ProbeListing, Provider, UsdtArgSpec } from "./provider.ts";
export type { ArgAccess, ArgCode, ArgFields, PositionalArgs, ReturnValue } from "./args.ts";
export type { BinaryTarget, ProbeEnv, UserSymbol, TracepointField, TracepointFormat, UsdtProbeInfo, KernelFeatures } from "./probe-env.ts";

/** The registry: every probe kind, one line each (completion offers them in this order). */
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

/** Short and legacy names → the canonical name ("t" → "tracepoint", "begin" → "BEGIN"). */
export const providerAliases: ReadonlyMap<string, string> = new Map(providers.flatMap((p) => p.aliases.map((a) => [a, p.name] as const)));

/** The kind of a name or alias, exactly as written. */
export function findProvider(name: string): Provider | undefined {
  return byName.get(name);
}

/** The kind a concrete probe was expanded by. */
export function kindOf(p: ConcreteProbe): Provider {
  const k = byName.get(p.provider);
  if (!k) throw new Error(`internal: probe ${p.name} has no registered kind '${p.provider}'`);
  return k;
}

/** Whether a probe runs on user-space code: pointers made from its integers point into the traced process. */
export function inUserSpace(p: ConcreteProbe): boolean {
  return kindOf(p).space === "user";
}

export function expandAttachPoint(ap: ProbeAddress, env: ProbeEnv, scope: ExpandScope = {}): Expansion {
  const p = byName.get(ap.provider);
  if (!p) {
    const near = closest(ap.provider, byName.keys());
    return fail(`unknown probe type '${ap.provider}'`, near ? [`did you mean ${near}?`] : []);
  }
  try {
    return p.expand(ap, env, scope);
  } catch (e) {
    return fail(`${ap.raw}: ${(e as Error).message}`);
  }
}
