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
 * Calls `cb` from the event loop when `fd` is readable (EPOLLIN). `cb` should consume
 * what made the fd readable: the watch is re-armed after `cb` returns, and a fd that is
 * still readable then calls `cb` again on the next loop turn.
 *
 * koffi calls its poll callback straight from libuv, outside Node's callback scope:
 * promise jobs queued there would wait for some unrelated callback, and an exception
 * would not reach process 'uncaughtException'. So the libuv callback only pauses the
 * watch and schedules `cb` with setImmediate, where both behave normally. (koffi passes
 * `(status, events)` to the callback, not the `(events)` its typings say.)
 */
export function watchReadable(fd: OwnedFd | number, cb: () => void, onError?: (e: SyscallError) => void): FdWatch {
  const raw = rawFd(fd);
  let stopped = false;
  let scheduled = false;
  let refed = true;
  const onPoll = (status: number) => {
    handle.stop();
    if (stopped || scheduled) return;
    scheduled = true;
    const immediate = setImmediate(() => {
      scheduled = false;
      if (stopped) return;
      if (status < 0) {
        watch.stop();
        const e = new SyscallError("poll", -status, { context: `watch fd ${raw}` });
        if (onError) onError(e);
        else throw e;
        return;
      }
      try {
        cb();
      } finally {
        if (!stopped) handle.start({ readable: true }, onPoll as never);
      }
    });
    if (!refed) immediate.unref();
  };
  const handle: libc.PollHandle = libc.pollFd(raw, { readable: true }, onPoll as never);
  const watch: FdWatch = {
    stop() {
      if (stopped) return;
      stopped = true;
      handle.stop();
      handle.close();
    },
    ref() {
      refed = true;
      if (!stopped) handle.ref();
    },
    unref() {
      refed = false;
      if (!stopped) handle.unref();
    },
  };
  return watch;
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
