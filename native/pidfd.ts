// Process fds: an fd for a process that polls readable once the process has exited
// (pidfd_open, Linux 5.3). `-p PID` ends the run when its process does.
import * as libc from "./libc.ts";
import { SyscallError } from "./errors.ts";
import { OwnedFd } from "./fd.ts";

/** An owned pidfd for `pid`; SyscallError ESRCH when there is no such process. */
export function pidfdOpen(pid: number): OwnedFd {
  const r = libc.pidfdOpen(pid);
  if (r.value < 0) throw new SyscallError("pidfd_open", r.errno, { context: `process ${pid}` });
  return new OwnedFd(r.value, "pidfd");
}
