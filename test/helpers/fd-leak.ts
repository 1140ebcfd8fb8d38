// The fd-leak check of every test file (STYLE.md §7), as pure functions over fd lists so
// it can be tested itself (test/unit/fd-leak.test.ts); test/helpers/setup-fd-leak.ts runs
// it around each file. Only the kinds of fd Tracebook opens count — BPF objects, perf
// events, tracefs/bpffs files: vitest and node open and close sockets, pipes, regular
// files and their own epoll/eventfd between a file's first and last test, so counting
// every fd would flag them.
import { readdirSync, readlinkSync } from "node:fs";

/** One open fd: its number and its /proc/self/fd link target. */
export type OpenFd = { fd: number; target: string };

/** This process's fds, from /proc/self/fd (the directory's own fd is gone by return). */
export function openFds(): OpenFd[] {
  const out: OpenFd[] = [];
  for (const name of readdirSync("/proc/self/fd")) {
    try {
      out.push({ fd: Number(name), target: readlinkSync(`/proc/self/fd/${name}`) });
    } catch {
      // the fd readdir itself held, closed before readlink
    }
  }
  return out;
}

/** Whether an fd is one of the kinds Tracebook owns (see the header). */
export function isTracebookFd(target: string): boolean {
  return /^anon_inode:(bpf[-_]|\[perf_event\])/.test(target) || /^\/sys\/(kernel\/(tracing|debug)|fs\/bpf)\//.test(target);
}

/**
 * The fds a file leaked: the Tracebook fds open after that were not open (same number and
 * target) before. Empty when nothing leaked; `after` may hold fewer than `before`.
 */
export function leakedFds(before: OpenFd[], after: OpenFd[]): OpenFd[] {
  const had = new Set(before.map((f) => `${f.fd} ${f.target}`));
  return after.filter((f) => isTracebookFd(f.target) && !had.has(`${f.fd} ${f.target}`));
}

/** The failure message for leaked fds. */
export function leakMessage(file: string, leaked: OpenFd[]): string {
  return `${file} leaked ${leaked.length} fd(s): ${leaked.map((f) => `${f.fd} -> ${f.target}`).join(", ")}`;
}
