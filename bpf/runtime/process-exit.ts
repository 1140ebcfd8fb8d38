// -p PID ends the run when its process exits, as bpftrace does: a pidfd (Linux 5.3)
// polls readable once the process is gone.
import * as native from "../../native/index.ts";

/**
 * A -p / %pid argument as a pid of a live process, or why not: "failed to parse pid: x",
 * "pid out of range: 99999999" (bpftrace's limit, 0x400000), "no such process: 12345".
 */
export function parsePid(text: string): number | string {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return `failed to parse pid: '${t}'`;
  const pid = Number(t);
  if (pid === 0 || pid > 0x400000) return `pid out of range: ${t}`;
  try {
    native.pidfdOpen(pid).close();
  } catch (e) {
    const code = (e as native.SyscallError).code;
    return code === "ESRCH" ? `no such process: ${pid}` : `process ${pid}: ${(e as Error).message}`;
  }
  return pid;
}

/** Calls `onExit` once the process has exited (at once if it already has); stop() to cancel. */
export function watchProcessExit(pid: number, onExit: () => void): { stop(): void } {
  let fd: native.OwnedFd;
  try {
    fd = native.pidfdOpen(pid);
  } catch {
    const t = setImmediate(onExit);
    return { stop: () => clearImmediate(t) };
  }
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    watch.stop();
    fd.close();
  };
  const watch = native.watchReadable(fd, () => {
    stop();
    onExit();
  });
  return { stop };
}
