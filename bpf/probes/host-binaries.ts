// Which files a uprobe or USDT target names on the live machine, after bpftrace's
// util::resolve_binary_path and get_mapped_paths_for_pid (src/util/paths.cpp, system.cpp):
// a path is taken as written (relative to the working directory), a bare name is looked
// up in the working directory and then in $PATH, wildcards expand as glob(3) expands
// them, and a process's files are those its /proc/PID/maps names. The names keep the
// spelling bpftrace prints (`./bin/app`, not the absolute path): probe names and `-l`
// lines show them. The recorded machine of the tests uses globPaths with its own tree.
import { openSync, readSync, closeSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { delimiter, resolve as resolvePath } from "node:path";
import { parseMaps } from "../symbols/proc-maps.ts";
import type { BinaryTarget } from "./probe-env.ts";
import { hasWildcard } from "./provider.ts";

function segmentMatcher(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`, "s");
}

/**
 * glob(3) over a tree `readdir` lists (undefined: not a directory): `*` and `?` match
 * within one path component, a component starting with '.' only where the pattern's does,
 * matches come sorted and spelled as the pattern spells its fixed part (`./bin/app*` gives
 * `./bin/app1`). A pattern without wildcards is returned as it is (GLOB_NOCHECK); one that
 * matches nothing gives nothing.
 */
export function globPaths(pattern: string, cwd: string, readdir: (dir: string) => readonly string[] | undefined): string[] {
  if (!hasWildcard(pattern)) return [pattern];
  const absolute = pattern.startsWith("/");
  const segs = pattern.split("/").filter((s, i) => !(absolute && i === 0));
  let found: { written: string; dir: string }[] = [{ written: absolute ? "/" : "", dir: absolute ? "/" : cwd }];
  const join = (written: string, seg: string) => (written === "" ? seg : written.endsWith("/") ? written + seg : `${written}/${seg}`);
  for (const seg of segs) {
    const next: { written: string; dir: string }[] = [];
    for (const f of found) {
      if (!hasWildcard(seg)) {
        next.push({ written: join(f.written, seg), dir: resolvePath(f.dir, seg) });
        continue;
      }
      const re = segmentMatcher(seg);
      const names = [...(readdir(f.dir) ?? [])].filter((n) => re.test(n) && (!n.startsWith(".") || seg.startsWith("."))).sort();
      for (const n of names) next.push({ written: join(f.written, n), dir: resolvePath(f.dir, n) });
    }
    found = next;
  }
  return found.map((f) => f.written);
}

/** e_type of an ELF file (ET_EXEC 2, ET_DYN 3, ...), from its first 18 bytes; undefined: not ELF or unreadable. */
export function elfType(path: string): number | undefined {
  let fd: number | undefined;
  try {
    // only regular files: opening a FIFO a glob matched would wait for a writer
    if (!statSync(path).isFile()) return undefined;
    fd = openSync(path, "r");
    const b = Buffer.alloc(18);
    if (readSync(fd, b, 0, 18, 0) < 18 || b.readUInt32BE(0) !== 0x7f454c46) return undefined;
    return b.readUInt16LE(16);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What bpftrace will put a probe in: an executable its owner may run, or a shared object (whatever its mode). */
export function isProbeableElf(path: string): boolean {
  const t = elfType(path);
  if (t === 3) return true; // ET_DYN: PIE executables and libraries, executable or not
  if (t !== 2) return false; // ET_EXEC
  try {
    return (statSync(path).mode & 0o100) !== 0;
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  // not only ENOENT: a $PATH entry that is a file (ENOTDIR) or a directory this user may
  // not search (EACCES, /root/... for nobody) is skipped too
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function listDir(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

/**
 * The files a target names, in bpftrace's order: the target itself, then (a bare name)
 * each $PATH directory; with wildcards each of those globbed, keeping the executables and
 * shared objects. A path written without wildcards may be any file (a flat binary mapped
 * by hand, a JIT cache); a bare name must be an ELF file where it is found.
 */
export function resolveBinariesOnHost(target: string, envPath = process.env.PATH ?? "", cwd = process.cwd()): BinaryTarget[] {
  if (target === "") return [];
  const bare = !target.includes("/");
  const candidates = [target, ...(bare ? envPath.split(delimiter).filter(Boolean).map((d) => `${d.replace(/\/$/, "")}/${target}`) : [])];
  const wild = hasWildcard(target);
  const out: BinaryTarget[] = [];
  const seen = new Set<string>();
  for (const c of wild ? candidates.flatMap((p) => globPaths(p, cwd, listDir)) : candidates) {
    const path = resolvePath(cwd, c);
    if (seen.has(path)) continue;
    const ok = !wild && !(bare && c === target) ? isFile(path) : isProbeableElf(path);
    if (!ok) continue;
    seen.add(path);
    out.push({ name: c, path });
  }
  return out;
}

function sameMountNamespace(pid: number): boolean {
  try {
    return statSync("/proc/self/ns/mnt").ino === statSync(`/proc/${pid}/ns/mnt`).ino;
  } catch {
    return true; // unreadable: use our own view, as bpftrace does
  }
}

/**
 * The ELF files a process maps, its executable first, spelled as bpftrace spells them:
 * the mapped path, under /proc/PID/root when the process sees another mount namespace.
 * Undefined when there is no such process.
 */
export function processBinariesOnHost(pid: number): BinaryTarget[] | undefined {
  let maps: string;
  try {
    maps = readFileSync(`/proc/${pid}/maps`, "utf8");
  } catch {
    return undefined;
  }
  const root = sameMountNamespace(pid) ? "" : `/proc/${pid}/root`;
  const names: string[] = [];
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`);
    if (!exe.endsWith(" (deleted)")) names.push(root + exe);
  } catch {
    // a kernel thread has no executable
  }
  for (const m of parseMaps(maps)) if (m.path.startsWith("/") && !m.deleted) names.push(root + m.path);
  return [...new Set(names)].filter((n) => elfType(n) !== undefined).map((name) => ({ name, path: name }));
}

/** The ELF files of every running process, each once. */
export function runningBinariesOnHost(): BinaryTarget[] {
  const byName = new Map<string, BinaryTarget>();
  for (const d of listDir("/proc") ?? []) {
    if (!/^\d+$/.test(d)) continue;
    for (const t of processBinariesOnHost(Number(d)) ?? []) if (!byName.has(t.name)) byName.set(t.name, t);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
