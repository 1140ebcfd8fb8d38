// Waking JavaScript when a file descriptor becomes readable, without blocking the event
// loop and without busy-polling: libuv watches the fd (koffi.node.poll) and calls back
// from the loop. The watch is level-triggered: a callback that does not consume what
// made the fd readable is called again on the next loop turn.
import * as libc from "./libc.ts";
import { SyscallError } from "./errors.ts";
import { rawFd, type OwnedFd } from "./fd.ts";

/** A readable-watch on one fd. stop() before the fd is closed. */
export interface FdWatch {
  /** Stops watching; idempotent. */
  stop(): void;
  /** Whether the watch keeps the Node process alive (default true). */
  ref(): void;
  unref(): void;
}

/**
 * Calls `cb` from the event loop whenever `fd` is readable (EPOLLIN). Level-triggered:
 * `cb` must consume the data (drain the ring buffer) or it runs again at once.
 */
export function watchReadable(fd: OwnedFd | number, cb: () => void): FdWatch {
  let handle: libc.PollHandle | undefined = libc.pollFd(rawFd(fd), { readable: true }, (ev) => {
    if (ev.readable) cb();
  });
  return {
    stop() {
      handle?.stop();
      handle?.close();
      handle = undefined;
    },
    ref() {
      handle?.ref();
    },
    unref() {
      handle?.unref();
    },
  };
}

const EPOLLIN = 0x001;
const EPOLL_CTL_ADD = 1;
const EPOLL_CLOEXEC = 0x80000;

/**
 * Blocks the calling thread up to `timeoutMs` until `fd` is readable; true if it is.
 * For CLIs and tests only: it stalls the event loop while it waits.
 */
export function waitReadable(fd: OwnedFd | number, timeoutMs: number): boolean {
  const ep = libc.epollCreate1(EPOLL_CLOEXEC);
  if (ep.value < 0) throw new SyscallError("epoll_create1", ep.errno);
  try {
    const ev = new Uint8Array(libc.EPOLL_EVENT_SIZE);
    new DataView(ev.buffer).setUint32(0, EPOLLIN, true); // events; data stays 0
    const ctl = libc.epollCtl(ep.value, EPOLL_CTL_ADD, rawFd(fd), ev);
    if (ctl.value < 0) throw new SyscallError("epoll_ctl", ctl.errno);
    const out = new Uint8Array(libc.EPOLL_EVENT_SIZE);
    for (;;) {
      const r = libc.epollWait(ep.value, out, 1, timeoutMs);
      if (r.value >= 0) return r.value > 0;
      if (r.errno !== 4) throw new SyscallError("epoll_wait", r.errno); // retry on EINTR
    }
  } finally {
    libc.close(ep.value);
  }
}
