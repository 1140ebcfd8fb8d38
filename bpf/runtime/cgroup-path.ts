// cgroup_path(): a cgroup id (the inode of its directory in cgroupfs) as the paths bpftrace
// prints — "unified:/system.slice/foo.service" for the cgroup v2 hierarchy, then
// "NAME:/path" for each v1 hierarchy (sorted by name), comma separated, each found by
// walking the mounted hierarchy for the directory with that inode. Resolved in user space
// when the value is printed, as bpftrace does; results are cached while they stay valid.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { globToRegExp } from "../probes/provider.ts";

interface Root {
  readonly name: string; // "unified" for cgroup2, else the mount directory's name
  readonly path: string;
}

/** cgroup mount points from /proc/mounts: v2 first, then v1 sorted by name. */
function roots(): Root[] {
  let text = "";
  try {
    text = readFileSync("/proc/mounts", "utf8");
  } catch {
    return [];
  }
  const v1: Root[] = [];
  const v2: Root[] = [];
  for (const line of text.split("\n")) {
    const [fs, dir] = line.split(" ");
    if (!dir || (fs !== "cgroup" && fs !== "cgroup2")) continue;
    if (fs === "cgroup2") v2.push({ name: "unified", path: dir });
    else v1.push({ name: basename(dir), path: dir });
  }
  v1.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...v2, ...v1];
}

const cache = new Map<string, string>();

function inode(path: string): bigint | undefined {
  try {
    return statSync(path, { bigint: true }).ino;
  } catch {
    return undefined;
  }
}

/** The path of cgroup `id` inside the hierarchy mounted at `base` ("/" for its root), or "". */
export function pathInHierarchy(id: bigint, base: string): string {
  const key = `${id}:${base}`;
  const hit = cache.get(key);
  if (hit !== undefined && inode(hit === "/" ? base : join(base, hit)) === id) return hit;
  if (inode(base) === id) {
    cache.set(key, "/");
    return "/";
  }
  const stack = [base];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      if (inode(p) === id) {
        const rel = p.slice(base.length);
        cache.set(key, rel);
        return rel;
      }
      stack.push(p);
    }
  }
  return "";
}

/** bpftrace's cgroup_path() text for `id`, over the hierarchies whose name matches `filter`. */
export function cgroupPath(id: bigint, filter = "*"): string {
  const match = globToRegExp(filter);
  return roots()
    .filter((r) => match.test(r.name))
    .map((r) => [r.name, pathInHierarchy(id, r.path)] as const)
    .filter(([, p]) => p !== "")
    .map(([name, p]) => `${name}:${p}`)
    .join(",");
}
