// `%probes PATTERN` — the probes this machine has, listed exactly as `bpftrace -l PATTERN`
// (and `-lv`) lists them; after bpftrace's src/probe_matcher.cpp (get_probes_for_listing).
//
// A pattern is PROVIDER:TARGET:NAME with `*` and `?` wildcards. One without a colon is
// searched for under every kernel provider ("*:" + pattern). Userspace providers (uprobe,
// usdt) are searched only when named, or when the target is a file. Lines come out grouped
// by provider (sorted by name) and sorted within; with `verbose`, each probe is followed by
// its arguments, indented four spaces: tracepoint fields as tracefs writes them, BTF
// parameters as libbpf's btf_dump spells their types.
//
// Where this machine lacks available_filter_functions (PLATFORM.md), kprobe and fentry
// candidates are all BTF FUNCs, since nothing narrower can be known.
import { HardwareEvents, SoftwareEvents } from "../types/abi.ts";
import type { Btf } from "../btf/btf.ts";
import type { CompileEnv } from "./env.ts";
import { globToRegExp, hasWildcard } from "./provider.ts";

interface ProbeKind {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly kernelList?: boolean;
  readonly userList?: boolean;
}

/** bpftrace's PROBE_LIST: which types `-l` walks when the type is a wildcard. */
const PROBE_KINDS: readonly ProbeKind[] = [
  { name: "kprobe", aliases: ["k"], kernelList: true },
  { name: "kretprobe", aliases: ["kr"] },
  { name: "uprobe", aliases: ["u"], userList: true },
  { name: "uretprobe", aliases: ["ur"] },
  { name: "usdt", aliases: ["U"], userList: true },
  { name: "begin", aliases: [] },
  { name: "end", aliases: [] },
  { name: "tracepoint", aliases: ["t"], kernelList: true },
  { name: "profile", aliases: ["p"] },
  { name: "interval", aliases: ["i"] },
  { name: "software", aliases: ["s"], kernelList: true },
  { name: "hardware", aliases: ["h"], kernelList: true },
  { name: "watchpoint", aliases: ["w"] },
  { name: "fentry", aliases: ["f", "kfunc"], kernelList: true },
  { name: "fexit", aliases: ["fr", "kretfunc"] },
  { name: "iter", aliases: ["it"], kernelList: true },
  { name: "rawtracepoint", aliases: ["rt"], kernelList: true },
];

/** [name, alias] pairs of an event table, sorted by name (as `bpftrace -l` lists them). */
function eventPairs(table: Record<string, { readonly alias: string }>): readonly (readonly [string, string])[] {
  return Object.entries(table)
    .map(([name, e]) => [name, e.alias] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** perf software events by name, with their short aliases (SW_PROBE_LIST; bpf/types/abi.ts). */
export const SOFTWARE_EVENTS = eventPairs(SoftwareEvents);

/** perf hardware events by name, with their short aliases (HW_PROBE_LIST; bpf/types/abi.ts). */
export const HARDWARE_EVENTS = eventPairs(HardwareEvents);

const TIME_UNITS = ["s", "ms", "us", "hz"] as const;

/** x86-64 passes six integer arguments in registers; bpftrace skips functions with more. */
const MAX_ARGS = 6;

/** A matcher for a glob with `*` (any run) and `?` (one character), anchored at both ends. */
export function globMatcher(pattern: string): (s: string) => boolean {
  if (!hasWildcard(pattern)) return (s) => s === pattern;
  const re = globToRegExp(pattern);
  return (s) => re.test(s);
}

/** The canonical name of a provider or alias ("t" → "tracepoint"); undefined if unknown. */
export function canonicalProvider(name: string): string | undefined {
  const lower = name.toLowerCase();
  return PROBE_KINDS.find((k) => k.name === lower || k.aliases.includes(name))?.name;
}

/** bpftrace's split on ':' (std::getline): a trailing empty field is dropped. */
function splitColons(s: string): string[] {
  const parts = s.split(":");
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** List probes like `bpftrace -l PATTERN` (`-lv` with verbose). One string per output line. */
export function listProbes(env: CompileEnv, pattern: string, verbose: boolean): string[] {
  const out: string[] = [];
  for (const raw of pattern.split(",")) {
    let value = raw.trim().replace(/\s+/g, " ");
    if (value === "") value = "*:*";
    else if (!value.includes(":")) value = `*:${value}`;
    out.push(...listOne(env, value, verbose));
  }
  return out;
}

function listOne(env: CompileEnv, pattern: string, verbose: boolean): string[] {
  const parts = splitColons(pattern);
  if (parts.length === 0) return [];
  const colon = pattern.indexOf(":");
  let suffix = colon >= 0 ? pattern.slice(colon + 1) : "";
  if (suffix === "" && parts.length === 1) suffix = "*";
  const typePattern = parts[0]!;
  const target1 = parts[1];
  const specificTarget = target1 !== undefined && target1 !== "" && !hasWildcard(target1) && env.resolveBinary(target1) !== undefined;
  const includeUser = (!hasWildcard(typePattern) && typePattern !== "") || specificTarget;

  const types = new Set<string>();
  if (hasWildcard(typePattern)) {
    const m = globMatcher(typePattern);
    for (const k of PROBE_KINDS) if ((k.kernelList || (includeUser && k.userList)) && m(k.name)) types.add(k.name);
  } else {
    types.add(canonicalProvider(typePattern) ?? typePattern.toLowerCase());
  }

  const results: string[] = [];
  for (const type of [...types].sort()) {
    let target = "";
    let search = suffix;
    switch (type) {
      case "uprobe": case "uretprobe": case "usdt": case "tracepoint":
      case "fentry": case "fexit": case "rawtracepoint":
        if (parts.length > 2) target = parts[1]!;
        else {
          target = "*";
          search = `*:${suffix}`;
        }
        break;
      case "kprobe": case "kretprobe":
        if (parts.length > 2) target = parts[1]!;
        break;
      default:
        search = suffix === "" ? "*" : suffix;
    }
    // A target named without its directory ("python3.11") matches the resolved path the
    // candidates carry; a usdt NAME without PROVIDER matches any provider.
    if ((type === "uprobe" || type === "uretprobe" || type === "usdt") && target !== "*" && !hasWildcard(target)) {
      const bin = env.resolveBinary(target);
      if (bin) {
        let rest = search.slice(target.length + 1);
        if (type === "usdt" && parts.length === 3) rest = `*:${rest}`;
        search = `${bin}:${rest}`;
      }
    }
    const candidates = candidatesFor(env, type, target);
    if (!candidates) continue;
    const m = globMatcher(search);
    // The ".part.N" clones of kernel functions cannot be traced.
    const matches = [...new Set(candidates.filter((c) => m(c) && !c.includes(".part.")))].sort();
    for (const match of matches) {
      results.push(`${type}:${match}`);
      if (verbose) for (const p of paramsFor(env, type, match)) results.push(`    ${p}`);
    }
  }
  return results;
}

function candidatesFor(env: CompileEnv, type: string, target: string): string[] | undefined {
  switch (type) {
    case "tracepoint":
      return [...env.listTracepoints()];
    case "kprobe": case "kretprobe": {
      const funcs = traceableFuncs(env);
      return target === "" ? funcs : funcs.map((f) => `vmlinux:${f}`);
    }
    case "fentry": case "fexit":
      return traceableFuncs(env).map((f) => `vmlinux:${f}`);
    case "rawtracepoint":
      return env.listRawTracepoints().map((t) => `vmlinux:${t}`);
    case "iter": {
      const btf = env.btf();
      if (!btf) return [];
      return btf.namesOfKind("struct")
        .filter((n) => n.startsWith("bpf_iter__") && !n.endsWith("__safe_trusted"))
        .map((n) => n.slice("bpf_iter__".length));
    }
    case "uprobe": case "uretprobe": {
      const bin = hasWildcard(target) ? undefined : env.resolveBinary(target);
      return bin ? env.elfFunctions(bin).map((f) => `${bin}:${f}`) : [];
    }
    case "usdt": {
      const bin = hasWildcard(target) ? undefined : env.resolveBinary(target);
      return bin ? env.usdtProbes(bin).map((p) => `${bin}:${p.provider}:${p.name}`) : [];
    }
    case "software":
      return SOFTWARE_EVENTS.flatMap(([n, a]) => (a ? [`${n}:`, `${a}:`] : [`${n}:`]));
    case "hardware":
      return HARDWARE_EVENTS.flatMap(([n, a]) => (a ? [`${n}:`, `${a}:`] : [`${n}:`]));
    case "interval": case "profile":
      return TIME_UNITS.map((u) => `${u}:`);
    default:
      return undefined; // begin/end/watchpoint and unknown types list nothing
  }
}

const traceableCache = new WeakMap<CompileEnv, string[]>();

/** Kernel functions with BTF and at most six parameters (bpftrace's get_all_traceable_funcs). */
function traceableFuncs(env: CompileEnv): string[] {
  let funcs = traceableCache.get(env);
  if (funcs) return funcs;
  const btf = env.btf();
  funcs = env.listKernelFunctions().filter((f) => {
    if (!btf) return true;
    const sig = btf.funcProto(f);
    return sig !== undefined && sig.params.length <= MAX_ARGS;
  });
  traceableCache.set(env, funcs);
  return funcs;
}

function paramsFor(env: CompileEnv, type: string, match: string): string[] {
  const btf = env.btf();
  switch (type) {
    case "tracepoint": {
      const i = match.indexOf(":");
      const f = env.tracepointFormat(match.slice(0, i), match.slice(i + 1));
      // The fields after the common ones, as written between "field:" and ";".
      return f ? f.fields.filter((x) => !x.common).map((x) => x.decl) : [];
    }
    case "fentry": case "fexit": {
      if (!btf) return [];
      const sig = btf.funcProto(stripModule(match));
      if (!sig) return [];
      const lines = sig.params.map((p) => param(btf, p.typeId, p.name));
      if (type === "fexit" && sig.ret !== 0) lines.push(param(btf, sig.ret, "retval"));
      return lines;
    }
    case "kprobe": {
      if (!btf) return [];
      const sig = btf.funcProto(stripModule(match));
      if (!sig) return [];
      // Floating-point arguments travel in other registers and are not argN.
      return sig.params.filter((p) => btf.kindOf(btf.resolve(p.typeId)) !== "float").map((p, i) => param(btf, p.typeId, `arg${i}`));
    }
    case "kretprobe": {
      if (!btf) return [];
      const sig = btf.funcProto(stripModule(match));
      if (!sig) return [];
      return [sig.ret === 0 ? "void" : param(btf, sig.ret, "retval")];
    }
    case "rawtracepoint": {
      const params = btf?.rawTracepointParams(stripModule(match));
      return btf && params ? params.map((p) => param(btf, p.typeId, p.name)) : [];
    }
    case "iter": {
      const sig = btf?.funcProto(`bpf_iter_${match}`);
      // Without `struct bpf_iter_meta *meta` (first) and the return value.
      return btf && sig ? sig.params.slice(1).map((p) => param(btf, p.typeId, p.name)) : [];
    }
    default:
      return []; // uprobe arguments need DWARF, which we do not read
  }
}

/** "struct file * file": libbpf's declaration of the type, a space, the name. */
function param(btf: Btf, typeId: number, name: string): string {
  return `${btf.typeName(typeId)} ${name}`;
}

function stripModule(match: string): string {
  const i = match.indexOf(":");
  return i < 0 ? match : match.slice(i + 1);
}
