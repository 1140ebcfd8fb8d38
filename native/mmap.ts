// Memory mappings owned like fds: unmapped exactly once. The ArrayBuffer is a koffi view
// over the mapping (no copy); touching it after unmap() crashes the process, so owners
// keep their views private and hand out copies.
import { readFileSync } from "node:fs";
import * as libc from "./libc.ts";
import { SyscallError } from "./errors.ts";
import { rawFd, type OwnedFd } from "./fd.ts";

export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const MAP_SHARED = 0x01;

let mapped = 0;

// Targets the ArrayBuffer, not the Mapping: the memory goes away only when no view of it
// is reachable, so a forgotten view can never point into unmapped memory.
const backstop = new FinalizationRegistry<{ addr: bigint; length: number }>((m) => {
  libc.munmap(m.addr, m.length);
  mapped--;
});

/** Number of live Mappings in this process; tests assert it returns to a baseline. */
export function openMappingCount(): number {
  return mapped;
}

// 4 KiB on x86_64; arm64 kernels may use 16 or 64 KiB pages, so read AT_PAGESZ (6)
// from the aux vector rather than assume.
function readPageSize(): number {
  try {
    const auxv = readFileSync("/proc/self/auxv");
    const dv = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
    for (let off = 0; off + 16 <= auxv.byteLength; off += 16) {
      if (dv.getBigUint64(off, true) === 6n) return Number(dv.getBigUint64(off + 8, true));
    }
  } catch {
    // no /proc: assume the common size
  }
  return 4096;
}

const PAGE_SIZE = readPageSize();

/** The system page size (the ring buffer layout is in pages). */
export function pageSize(): number {
  return PAGE_SIZE;
}

/** A shared mapping of (part of) a file descriptor. */
export class Mapping implements Disposable {
  readonly length: number;
  #addr: bigint;
  #buffer: ArrayBuffer | undefined;

  private constructor(addr: bigint, length: number) {
    this.#addr = addr;
    this.length = length;
    this.#buffer = libc.viewOf(addr, length);
    mapped++;
    backstop.register(this.#buffer, { addr, length }, this);
  }

  /**
   * mmap(2) with MAP_SHARED. `offset` must be a multiple of the page size.
   * @throws SyscallError("mmap") with the errno (EPERM for a write mapping of a read-only region).
   */
  static map(fd: OwnedFd | number, length: number, prot: number, offset = 0, context?: string): Mapping {
    const r = libc.mmap(length, prot, MAP_SHARED, rawFd(fd), offset);
    if (r.addr === libc.MAP_FAILED) throw new SyscallError("mmap", r.errno, context ? { context } : {});
    return new Mapping(r.addr, length);
  }

  /** The memory, as an ArrayBuffer that must not be used after unmap(). */
  get buffer(): ArrayBuffer {
    if (this.#buffer === undefined) throw new Error("use of an unmapped mapping");
    return this.#buffer;
  }

  get unmapped(): boolean {
    return this.#buffer === undefined;
  }

  /** munmap(2) the first time; later calls do nothing. */
  unmap(): void {
    const buf = this.#buffer;
    if (buf === undefined) return;
    this.#buffer = undefined;
    backstop.unregister(this);
    mapped--;
    const r = libc.munmap(this.#addr, this.length);
    if (r.value < 0) throw new SyscallError("munmap", r.errno);
  }

  [Symbol.dispose](): void {
    this.unmap();
  }
}
