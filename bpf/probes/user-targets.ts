// The files a uprobe, uretprobe or usdt attach point (or `-l` pattern) names, after
// bpftrace's attach-point checks and probe matcher (src/ast/passes/attachpoint_passes.cpp,
// src/probe_matcher.cpp): a path as written or a bare name found in $PATH, wildcards
// expanded, `*` — and, with -p, a usdt target left out — the files of that process (of
// every running process without -p). Each comes with the name probe names and `-l`
// lines print (the path as written) and the path to read and attach.
import { resolve as resolvePath } from "node:path";
import type { BinaryTarget, ProbeEnv } from "./probe-env.ts";
import type { ExpandScope } from "./provider.ts";
import { globToRegExp, hasWildcard } from "./provider.ts";

/** Every file a target resolves to (the env's resolveBinaries, or its older one-file lookup). */
function resolved(env: ProbeEnv, target: string): readonly BinaryTarget[] {
  if (env.resolveBinaries) return env.resolveBinaries(target);
  const path = hasWildcard(target) ? undefined : env.resolveBinary(target);
  return path ? [{ name: path, path }] : [];
}

/**
 * The files of an attach point's target, or why there are none (bpftrace's words). A target
 * without wildcards names one file: a bare name found in several $PATH directories is the
 * first, as a shell takes it.
 */
export function targetFiles(env: ProbeEnv, kind: string, target: string, scope: ExpandScope): readonly BinaryTarget[] | string {
  const pid = scope.pid;
  if (target === "*" || (kind === "usdt" && target === "" && pid !== undefined)) {
    return pid !== undefined ? (env.processBinaries?.(pid) ?? []) : (env.runningBinaries?.() ?? []);
  }
  if (target === "") {
    return kind === "usdt"
      ? "usdt probe must specify at least path or pid to probe. To target all paths/pids set the path to '*'."
      : `${kind} should have a target`;
  }
  if (kind === "usdt" && pid !== undefined && hasWildcard(target)) {
    // a wildcarded file with -p: the process's files that match it (under /proc/PID/root too)
    const re = globToRegExp(`*${resolvePath(target)}`);
    return (env.processBinaries?.(pid) ?? []).filter((f) => re.test(f.name));
  }
  const files = resolved(env, target);
  if (files.length === 0) return `${kind} target file '${target}' does not exist or is not executable`;
  return hasWildcard(target) ? files : files.slice(0, 1);
}

/**
 * The files `-l` searches for a target: with -p the process's files, and (unless the
 * target is `*`) what the target resolves to.
 */
export function listedFiles(env: ProbeEnv, target: string, scope: ExpandScope): readonly BinaryTarget[] {
  const pid = scope.pid;
  const own = pid !== undefined ? (env.processBinaries?.(pid) ?? []) : [];
  const named = pid === undefined || target !== "*" ? resolved(env, target) : [];
  const seen = new Set<string>();
  return [...own, ...named].filter((f) => !seen.has(f.name) && seen.add(f.name));
}

/**
 * `-l` of a target that resolves to another spelling (a bare name to its $PATH file): the
 * search with that spelling, which the candidates carry. `anyProvider` lets a usdt NAME
 * written without PROVIDER match any provider.
 */
export function targetSearch(env: ProbeEnv, target: string, search: string, anyProvider = false): string {
  const name = hasWildcard(target) ? undefined : resolved(env, target)[0]?.name;
  if (name === undefined || (name === target && !anyProvider)) return search;
  const rest = search.slice(target.length + 1);
  return `${name}:${anyProvider ? `*:${rest}` : rest}`;
}
