// OwnedFd: a file descriptor that is closed exactly once. Programs, maps, links, perf
// events and ring buffers own one each, so tearing a cell down is disposing its objects.
// A FinalizationRegistry closes what the code forgot, as a backstop, never as the plan.
import { close as closeRaw, dupCloexec } from "./libc.ts";
import { SyscallError } from "./errors.ts";

let open = 0;

const backstop = new FinalizationRegistry<number>((fd) => {
  // The OwnedFd was collected without close(): it still owned `fd`, so nobody else
  // can have been given this number yet. Close it and keep the count honest.
  closeRaw(fd);
  open--;
});

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

  /** Closes the fd the first time; later calls do nothing. */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    backstop.unregister(this);
    open--;
    const r = closeRaw(fd);
    // close(2) releases the fd even when it reports an error (EINTR, EIO): never retry.
    if (r.value < 0 && r.errno !== 4) throw new SyscallError("close", r.errno, { context: `close ${this.kind} fd ${fd}` });
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
