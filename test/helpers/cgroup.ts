// Test cgroups in the machine's unified (v2) hierarchy: one directory per test, a way to
// start a process inside it, and removal (its processes killed first). The hierarchy is
// found as the engine finds it (bpf/runtime/cgroup-scope.ts): /sys/fs/cgroup on a pure v2
// host, /sys/fs/cgroup/unified on a hybrid one like the development machines.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { unifiedMount } from "../../bpf/runtime/cgroup-scope.ts";

export interface TestCgroup {
  /** The directory in cgroupfs. */
  readonly path: string;
  /** The path inside the hierarchy, as /proc/PID/cgroup shows it ("/tracebook-test-…"). */
  readonly inside: string;
  /** argv that runs `argv` inside this cgroup (sh moves itself in, then execs). */
  wrap(argv: readonly string[]): string[];
  pids(): number[];
  /** Kill what still runs inside and remove the directory. */
  remove(): Promise<void>;
}

/** Why test cgroups cannot be made here, or null. */
export function cgroupUnavailableReason(): string | null {
  const mount = unifiedMount(readFileSync("/proc/self/mountinfo", "utf8"));
  if (!mount) return "no cgroup v2 hierarchy mounted";
  try {
    const probe = join(mount, `tracebook-probe-${process.pid}-${randomBytes(3).toString("hex")}`);
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (e) {
    return `cannot create a cgroup under ${mount}: ${(e as Error).message}`;
  }
  return null;
}

export function makeCgroup(label: string): TestCgroup {
  const mount = unifiedMount(readFileSync("/proc/self/mountinfo", "utf8"));
  if (!mount) throw new Error("no cgroup v2 hierarchy mounted");
  const inside = `/tracebook-test-${label}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const path = join(mount, inside);
  mkdirSync(path);
  const pids = () => readFileSync(join(path, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  return {
    path,
    inside,
    wrap: (argv) => ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', join(path, "cgroup.procs"), ...argv],
    pids,
    async remove() {
      if (!existsSync(path)) return;
      for (let i = 0; i < 50; i++) {
        const left = pids();
        if (left.length === 0) break;
        for (const pid of left) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // gone already
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      rmdirSync(path);
    },
  };
}

/** Write `pid` into the cgroup (a process started elsewhere). */
export function moveInto(cg: TestCgroup, pid: number): void {
  writeFileSync(join(cg.path, "cgroup.procs"), String(pid));
}
