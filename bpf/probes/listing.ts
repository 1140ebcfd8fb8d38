// `%probes PATTERN` — the probes this machine has, listed exactly as `bpftrace -l PATTERN`
// (and `-lv`) lists them; after bpftrace's src/probe_matcher.cpp (get_probes_for_listing).
//
// A pattern is PROVIDER:TARGET:NAME with `*` and `?` wildcards. One without a colon is
// searched for under every kernel provider ("*:" + pattern). Userspace providers (uprobe,
// usdt) are searched only when named, or when the target is a file. Lines come out grouped
// by provider (sorted by name) and sorted within; with `verbose`, each probe is followed by
// its arguments, indented four spaces. What each kind lists, and how, is its own
// (Provider.listing in its file); this walks the registry.
import type { CompileEnv } from "./env.ts";
import { cDefinition, fullTypeName } from "../btf/c-definition.ts";
import { providers } from "./index.ts";
import { globToRegExp, hasWildcard } from "./provider.ts";
import type { ExpandScope, Provider } from "./provider.ts";

/** A matcher for a glob with `*` (any run) and `?` (one character), anchored at both ends. */
export function globMatcher(pattern: string): (s: string) => boolean {
  if (!hasWildcard(pattern)) return (s) => s === pattern;
  const re = globToRegExp(pattern);
  return (s) => re.test(s);
}

/** The kind a pattern's type names: its name in any case, or an alias as written. */
function namedKind(name: string): Provider | undefined {
  const lower = name.toLowerCase();
  return providers.find((k) => k.name.toLowerCase() === lower || k.aliases.includes(name));
}

/** bpftrace's split on ':' (std::getline): a trailing empty field is dropped. */
function splitColons(s: string): string[] {
  const parts = s.split(":");
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/**
 * List probes like `bpftrace -l PATTERN` (`-lv` with verbose). One string per output line.
 * With `scope.pid` (-p) user-space kinds are searched too, in the files of that process.
 */
export function listProbes(env: CompileEnv, pattern: string, verbose: boolean, scope: ExpandScope = {}): string[] {
  const out: string[] = [];
  for (const raw of pattern.split(",")) {
    let value = raw.trim().replace(/\s+/g, " ");
    if (/^(struct|union|enum) /.test(value)) {
      for (const line of listTypes(env, value, verbose)) out.push(line);
      continue;
    }
    if (value === "") value = "*:*";
    else if (!value.includes(":")) value = `*:${value}`;
    // not push(...lines): `-lv '*'` is hundreds of thousands of lines, more than a call's arguments
    for (const line of listOne(env, value, verbose, scope)) out.push(line);
  }
  return out;
}

function listOne(env: CompileEnv, pattern: string, verbose: boolean, scope: ExpandScope): string[] {
  const parts = splitColons(pattern);
  if (parts.length === 0) return [];
  const colon = pattern.indexOf(":");
  let suffix = colon >= 0 ? pattern.slice(colon + 1) : "";
  if (suffix === "" && parts.length === 1) suffix = "*";
  const typePattern = parts[0]!;
  const target1 = parts[1];
  const specificTarget = target1 !== undefined && target1 !== "" && !hasWildcard(target1) && env.resolveBinaries(target1).length > 0;
  const includeUser = (!hasWildcard(typePattern) && typePattern !== "") || scope.pid !== undefined || specificTarget;

  const kinds = new Map<string, Provider>();
  if (hasWildcard(typePattern)) {
    const m = globMatcher(typePattern);
    for (const k of providers) {
      const walk = k.listing?.walk;
      if ((walk === "kernel" || (includeUser && walk === "user")) && m(k.name)) kinds.set(k.name, k);
    }
  } else {
    const k = namedKind(typePattern);
    if (k) kinds.set(k.name, k);
  }

  const results: string[] = [];
  for (const [type, kind] of [...kinds].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const listing = kind.listing;
    if (!listing) continue; // BEGIN, END, watchpoint, self: nothing to list
    let target = "";
    let search = suffix;
    if (listing.pattern === "target") {
      if (parts.length > 2) target = parts[1]!;
      else {
        target = "*";
        search = `*:${suffix}`;
      }
    } else if (listing.pattern === "module") {
      if (parts.length > 2) target = parts[1]!;
    } else search = suffix === "" ? "*" : suffix;
    if (listing.resolve && target !== "*" && !hasWildcard(target)) search = listing.resolve(env, target, search, parts);
    const m = globMatcher(search);
    // The ".part.N" clones of kernel functions cannot be traced.
    const matches = [...new Set(listing.candidates(env, target, scope).filter((c) => m(c) && !c.includes(".part.")))].sort();
    for (const match of matches) {
      results.push(`${type}:${match}`);
      if (verbose) for (const p of listing.params?.(env, match) ?? []) results.push(`    ${p}`);
    }
  }
  return results;
}

/**
 * `-l 'struct task_*'`: the kernel's structs, unions and enums (vmlinux BTF) whose name
 * matches, one a line; `-lv` their definitions in C, each as "vmlinux: " and the
 * definition, then an empty line (bpftrace's get_structs_for_listing).
 */
export function listTypes(env: CompileEnv, pattern: string, verbose: boolean): string[] {
  const btf = env.btf();
  if (!btf) return [];
  const m = globMatcher(pattern);
  const ids = new Map<string, number>();
  for (const kind of ["struct", "union", "enum", "enum64"] as const) {
    for (const id of btf.idsOfKind(kind)) {
      const name = fullTypeName(btf, id);
      if (name !== undefined && !ids.has(name) && m(name)) ids.set(name, id);
    }
  }
  const names = [...ids.keys()].sort();
  if (!verbose) return names;
  return names.flatMap((n) => [...`vmlinux: ${cDefinition(btf, ids.get(n)!)}`.split("\n"), ""]);
}
