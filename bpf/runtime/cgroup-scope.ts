// Which cgroup v2 a kernel scopes its probes to (%cgroup, TRACEBOOK_CGROUP; the filter
// itself is bpf/codegen/cgroup-scope.ts). A scope is written as:
//   own                 the cgroup this process runs in (/proc/self/cgroup's "0::" line)
//   /sys/fs/cgroup/x    a directory of the mounted unified hierarchy
//   /x/y or x/y         a path inside the hierarchy, as /proc/PID/cgroup prints it
// and resolves to the directory's inode, the id bpf_get_current_cgroup_id() returns.
// Hosts that mount cgroup v1 too (hybrid) have the unified hierarchy elsewhere, e.g.
// /sys/fs/cgroup/unified: the mount point comes from /proc/self/mountinfo.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface CgroupScope {
  /** The directory in cgroupfs. */
  readonly path: string;
  /** Its inode: the cgroup id. */
  readonly id: bigint;
}

/** Where /proc files come from: the machine, or text in tests. */
export interface CgroupFacts {
  readonly mountinfo: () => string | undefined;
  readonly selfCgroup: () => string | undefined;
}

const readText = (p: string) => {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return undefined;
  }
};

const MACHINE: CgroupFacts = { mountinfo: () => readText("/proc/self/mountinfo"), selfCgroup: () => readText("/proc/self/cgroup") };

/** The mount point of the cgroup2 filesystem, from /proc/PID/mountinfo text. */
export function unifiedMount(mountinfo: string): string | undefined {
  for (const line of mountinfo.split("\n")) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
    const [left, right] = line.split(" - ");
    if (right?.split(" ")[0] !== "cgroup2") continue;
    const mount = left?.split(" ")[4];
    if (mount) return mount.replace(/\\040/g, " ");
  }
  return undefined;
}

/** The process's path in the unified hierarchy, from /proc/PID/cgroup text ("0::/a/b"). */
export function unifiedPath(procCgroup: string): string | undefined {
  return /^0::(\/.*)$/m.exec(procCgroup)?.[1];
}

/** The scope `spec` names, or why it names none. */
export function resolveCgroup(spec: string, facts: CgroupFacts = MACHINE): CgroupScope | string {
  const s = spec.trim();
  if (s === "") return "no cgroup given (a path, or own)";
  const mount = unifiedMount(facts.mountinfo() ?? "");
  if (!mount) return "no cgroup v2 (unified) hierarchy is mounted";
  let path: string;
  if (s === "own") {
    const own = unifiedPath(facts.selfCgroup() ?? "");
    if (own === undefined) return "this process's cgroup v2 path is not in /proc/self/cgroup";
    path = join(mount, own);
  } else if (s === mount || s.startsWith(`${mount}/`)) path = s;
  else path = join(mount, s);
  if (!existsSync(join(path, "cgroup.procs"))) return `no cgroup at ${path}`;
  return { path: path.replace(/\/$/, "") || "/", id: statSync(path, { bigint: true }).ino };
}
