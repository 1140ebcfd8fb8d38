// koffi bindings to the few libc entry points Tracebook needs. Every wrapper reads errno
// immediately after the call (before any other JS can run a foreign call and clobber it)
// and returns it with the result; the typed modules above turn that into SyscallError.
import koffi from "koffi";

/** Syscall numbers that differ per architecture (asm/unistd.h). */
const SYSCALLS: Record<string, { bpf: number; perfEventOpen: number }> = {
  x64: { bpf: 321, perfEventOpen: 298 }, // __NR_bpf, __NR_perf_event_open on x86_64
  arm64: { bpf: 280, perfEventOpen: 241 }, // asm-generic numbering on aarch64
};

const nr = SYSCALLS[process.arch];

const lib = koffi.load("libc.so.6");

// syscall(2) is variadic; fixed-argument declarations of the same symbol work on x86_64
// and aarch64 (integer arguments travel in the same registers) and are cheaper to call.
// Every argument is declared `long` so that -1 reaches the kernel sign-extended.
const sysBpf = lib.func("syscall", "long", ["long", "long", "void *", "ulong"]);
const sysPerfEventOpen = lib.func("syscall", "long", ["long", "void *", "long", "long", "long", "ulong"]);
const cIoctl = lib.func("ioctl", "int", ["int", "ulong", "ulong"]);
const cMmap = lib.func("mmap", "uint64", ["void *", "size_t", "int", "int", "int", "long"]);
const cMunmap = lib.func("munmap", "int", ["uint64", "size_t"]);
const cClose = lib.func("close", "int", ["int"]);
const cFcntl = lib.func("fcntl", "int", ["int", "int", "int"]);
const cEpollCreate1 = lib.func("epoll_create1", "int", ["int"]);
const cEpollCtl = lib.func("epoll_ctl", "int", ["int", "int", "int", "void *"]);
const cEpollWait = lib.func("epoll_wait", "int", ["int", "void *", "int", "int"]);
const cClockGettime = lib.func("clock_gettime", "int", ["int", "void *"]);
const sysPidfdOpen = lib.func("syscall", "long", ["long", "long", "ulong"]);
/** __NR_pidfd_open: 434 on x86_64 and in the asm-generic table (aarch64) alike. */
const NR_PIDFD_OPEN = 434;

/** A raw result: `value` is what the call returned, `errno` is meaningful when it failed. */
export interface Result {
  value: number;
  errno: number;
}

function archSyscalls(): { bpf: number; perfEventOpen: number } {
  if (nr === undefined) throw new Error(`unsupported architecture ${process.arch}: need x64 or arm64`);
  return nr;
}

/**
 * Keeps buffers whose addresses were written into an attr reachable until the call is
 * over: a local that is not used after addressOf() may otherwise be collected first.
 */
function pin(pins: readonly Uint8Array[]): void {
  for (const p of pins) if (p.byteLength < 0) throw new Error("unreachable");
}

/**
 * bpf(2): `attr` is the union bpf_attr for `cmd`, passed with its full length. `pins` are
 * the buffers its pointer fields point into.
 */
export function bpf(cmd: number, attr: Uint8Array, ...pins: Uint8Array[]): Result {
  const value = Number(sysBpf(archSyscalls().bpf, cmd, attr, attr.byteLength));
  const errno = value < 0 ? koffi.errno() : 0;
  pin(pins);
  return { value, errno };
}

/** perf_event_open(2) through syscall(2); glibc has no wrapper. */
export function perfEventOpen(
  attr: Uint8Array,
  pid: number,
  cpu: number,
  groupFd: number,
  flags: number,
  ...pins: Uint8Array[]
): Result {
  const value = Number(sysPerfEventOpen(archSyscalls().perfEventOpen, attr, pid, cpu, groupFd, flags));
  const errno = value < 0 ? koffi.errno() : 0;
  pin(pins);
  return { value, errno };
}

/** ioctl(2) with an integer argument (PERF_EVENT_IOC_SET_BPF takes the fd by value). */
export function ioctl(fd: number, request: number, arg: number | bigint = 0): Result {
  const value = cIoctl(fd, request, arg) as number;
  return { value, errno: value < 0 ? koffi.errno() : 0 };
}

/** MAP_FAILED as koffi returns it for a `uint64` result. */
export const MAP_FAILED = 0xffffffffffffffffn;

/** mmap(2). The address is a BigInt; MAP_FAILED on failure. */
export function mmap(
  length: number,
  prot: number,
  flags: number,
  fd: number,
  offset: number,
): { addr: bigint; errno: number } {
  const addr = BigInt(cMmap(null, length, prot, flags, fd, offset) as number | bigint);
  return { addr, errno: addr === MAP_FAILED ? koffi.errno() : 0 };
}

export function munmap(addr: bigint, length: number): Result {
  const value = cMunmap(addr, length) as number;
  return { value, errno: value < 0 ? koffi.errno() : 0 };
}

export function close(fd: number): Result {
  const value = cClose(fd) as number;
  return { value, errno: value < 0 ? koffi.errno() : 0 };
}

/**
 * close(fd) on a libuv worker thread (koffi's async call): for fds whose close blocks in
 * the kernel (a tracepoint perf event waits for its unregistration). Resolves with what
 * close returned; errno is not readable from another thread, and close releases the fd
 * whatever it reports.
 */
export function closeOffThread(fd: number): Promise<number> {
  return new Promise((resolve) => {
    cClose.async(fd, (err: unknown, value: number) => resolve(err ? -1 : value));
  });
}

const F_DUPFD_CLOEXEC = 1030;

/** fcntl(fd, F_DUPFD_CLOEXEC, 0): a new fd for the same open file. */
export function dupCloexec(fd: number): Result {
  const value = cFcntl(fd, F_DUPFD_CLOEXEC, 0) as number;
  return { value, errno: value < 0 ? koffi.errno() : 0 };
}

export function epollCreate1(flags: number): Result {
  const value = cEpollCreate1(flags) as number;
  return { value, errno: value < 0 ? koffi.errno() : 0 };
}

/** epoll_ctl(2); `event` is a packed struct epoll_event (12 bytes on x86_64, 16 on arm64). */
export function epollCtl(epfd: number, op: number, fd: number, event: Uint8Array | null): Result {
  const value = cEpollCtl(epfd, op, fd, event) as number;
  return { value, errno: value < 0 ? koffi.errno() : 0 };
}

/** epoll_wait(2): blocks the calling thread up to `timeoutMs`; only for short waits. */
export function epollWait(epfd: number, events: Uint8Array, maxEvents: number, timeoutMs: number): Result {
  const value = cEpollWait(epfd, events, maxEvents, timeoutMs) as number;
  return { value, errno: value < 0 ? koffi.errno() : 0 };
}

/** pidfd_open(2) (Linux 5.3): an fd that becomes readable when the process exits. */
export function pidfdOpen(pid: number, flags = 0): Result {
  const value = Number(sysPidfdOpen(NR_PIDFD_OPEN, pid, flags));
  return { value, errno: value < 0 ? koffi.errno() : 0 };
}

/** struct epoll_event is packed on x86_64 (12 bytes) and naturally aligned elsewhere (16). */
export const EPOLL_EVENT_SIZE = process.arch === "x64" ? 12 : 16;

/** The address of a buffer's first byte (honours byteOffset), for u64 pointer fields. */
export function addressOf(buf: Uint8Array): bigint {
  return koffi.address(buf);
}

/** An ArrayBuffer over foreign memory, without copying. Valid only while it stays mapped. */
export function viewOf(addr: bigint, length: number): ArrayBuffer {
  return koffi.view(addr, length);
}

/** Watch a file descriptor from the libuv loop (level-triggered). */
export const pollFd = koffi.node.poll;
export type PollHandle = ReturnType<typeof koffi.node.poll>;

/** clock_gettime(2) into a 16-byte struct timespec. */
export function clockGettime(clock: number, ts: Uint8Array): Result {
  const value = cClockGettime(clock, ts) as number;
  return { value, errno: value < 0 ? koffi.errno() : 0 };
}
