// OwnedFd: a file descriptor that is closed exactly once. Programs, maps, links, perf
// events and ring buffers own one each, so tearing a cell down is disposing its objects.
// A FinalizationRegistry closes what the code forgot, as a backstop, never as the plan.
import { close as closeRaw, closeOffThread, dupCloexec } from "./libc.ts";
import { SyscallError } from "./errors.ts";

let open = 0;

const backstop = new FinalizationRegistry<number>((fd) => {
  // The OwnedFd was collected without close(): it still owned `fd`, so nobody else
  // can have been given this number yet. Close it and keep the count honest.
  closeRaw(fd);
  open--;
});

/** Closes handed to closeInBackground that have not finished yet (at most BACKGROUND_CLOSERS run at once). */
const waiting: number[] = [];
let closing = 0;
let settled: Promise<void> = Promise.resolve();
let settle: (() => void) | undefined;
/** Worker threads the background closes may occupy (libuv has 4 by default, shared with fs). */
const BACKGROUND_CLOSERS = 2;

function pumpCloses(): void {
  while (closing < BACKGROUND_CLOSERS && waiting.length > 0) {
    const fd = waiting.shift()!;
    closing++;
    void closeOffThread(fd).then(() => {
      closing--;
      pumpCloses();
    });
  }
  if (closing === 0 && waiting.length === 0 && settle) {
    settle();
    settle = undefined;
  }
}

/** Resolves once every fd handed to closeInBackground so far is closed. */
export function backgroundClosesSettled(): Promise<void> {
  return settled;
}

/** How many background closes are still queued or running. */
export function backgroundClosesPending(): number {
  return closing + waiting.length;
}

/** How many OwnedFds are open in this process; tests assert it returns to a baseline. */
export function openFdCount(): number {
  return open;
}

/**
 * A file descriptor owned by this object. `close()` is idempotent; `using fd = ...`
 * closes at scope end. Do not keep the raw number past the owner's life: if the owner
 * is collected, the backstop closes the fd and the number may be reused.
 */
export class OwnedFd implements Disposable {
  #fd: number;
  /** What the fd is, for messages: "map", "prog", "link", "perf_event", ... */
  readonly kind: string;

  constructor(fd: number, kind = "fd") {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`OwnedFd: invalid fd ${fd}`);
    this.#fd = fd;
    this.kind = kind;
    open++;
    backstop.register(this, fd, this);
  }

  /** The raw number; throws once closed so a stale number is never passed to the kernel. */
  get fd(): number {
    if (this.#fd < 0) throw new Error(`use of a closed ${this.kind} fd`);
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Gives up ownership: the fd to close, or -1 when it was already given up. */
  #release(): number {
    const fd = this.#fd;
    if (fd < 0) return -1;
    this.#fd = -1;
    backstop.unregister(this);
    open--;
    return fd;
  }

  /** Closes the fd the first time; later calls do nothing. */
  close(): void {
    const fd = this.#release();
    if (fd < 0) return;
    const r = closeRaw(fd);
    // close(2) releases the fd even when it reports an error (EINTR, EIO): never retry.
    if (r.value < 0 && r.errno !== 4) throw new SyscallError("close", r.errno, { context: `close ${this.kind} fd ${fd}` });
  }

  /**
   * Gives the fd up now and closes it on a worker thread (OwnedFd.close semantics
   * otherwise): for fds whose close blocks in the kernel. backgroundClosesSettled()
   * says when every such close has finished.
   */
  closeInBackground(): void {
    const fd = this.#release();
    if (fd < 0) return;
    if (closing === 0 && waiting.length === 0) settled = new Promise((r) => (settle = r));
    waiting.push(fd);
    pumpCloses();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return this.#fd < 0 ? `${this.kind}(closed)` : `${this.kind}(${this.#fd})`;
  }
}

/** The raw number of an OwnedFd or a number. */
export function rawFd(fd: OwnedFd | number): number {
  return typeof fd === "number" ? fd : fd.fd;
}

/**
 * A new OwnedFd for the same kernel object (F_DUPFD_CLOEXEC), so a holder such as a ring
 * buffer keeps working whoever closes the original.
 */
export function dupFd(fd: OwnedFd | number, kind?: string): OwnedFd {
  const r = dupCloexec(rawFd(fd));
  if (r.value < 0) throw new SyscallError("fcntl(F_DUPFD_CLOEXEC)", r.errno);
  return new OwnedFd(r.value, kind ?? (typeof fd === "number" ? "fd" : fd.kind));
}
