// A BPF_MAP_TYPE_RINGBUF consumer (Linux 5.8) over the map's mmap'd pages, the way the
// kernel lays them out (kernel/bpf/ringbuf.c):
//
//   offset 0          consumer page   RW   u64 consumer_pos at byte 0
//   offset PAGE       producer page   RO   u64 producer_pos at byte 0
//   offset 2*PAGE     data pages      RO   `size` bytes, mapped twice back to back
//
// Because the data is mapped twice, a record that wraps past the end is contiguous in
// our view. Each record starts with an 8-byte header: u32 len (BPF_RINGBUF_BUSY_BIT while
// reserved, BPF_RINGBUF_DISCARD_BIT if discarded) and u32 pg_off (kernel-internal); the
// next record starts at the 8-byte aligned end. The producer publishes producer_pos and
// each header with release stores; we read them with acquire loads and return space with
// a release store of consumer_pos. Atomics on the views give those orderings.
import {
  Mapping,
  pageSize,
  PROT_READ,
  PROT_WRITE,
  Ringbuf,
  MapType,
  objGetInfoByFd,
  watchReadable,
  rawFd,
  dupFd,
  type FdWatch,
  type OwnedFd,
} from "../../native/index.ts";

const LEN_MASK = 0x3fffffff; // len without BUSY_BIT and DISCARD_BIT

/**
 * Consumer of a ring buffer map. Holds its own duplicate of the map fd (for poll) and
 * the mappings, so it keeps working if the map's fd is closed first; close() releases
 * both. Requires Linux 5.8 (BPF_MAP_TYPE_RINGBUF).
 */
/** Records read between two stores of the consumer position (see drain). */
const RELEASE_EVERY = 64;

export class RingBuffer implements Disposable {
  /** Size of the data area: the map's max_entries, a power of two multiple of the page. */
  readonly size: number;
  readonly #fd: OwnedFd;
  #consumer: Mapping | undefined;
  #producer: Mapping | undefined;
  #consumerPos: BigUint64Array;
  #producerPos: BigUint64Array;
  #headers: Uint32Array;
  #data: Uint8Array;
  #watch: FdWatch | undefined;
  #onReadable: (() => void) | undefined;
  #drains = 0;
  #paused = false;

  private constructor(fd: OwnedFd, size: number, consumer: Mapping, producer: Mapping) {
    const page = pageSize();
    this.#fd = fd;
    this.size = size;
    this.#consumer = consumer;
    this.#producer = producer;
    this.#consumerPos = new BigUint64Array(consumer.buffer, 0, 1);
    this.#producerPos = new BigUint64Array(producer.buffer, 0, 1);
    this.#headers = new Uint32Array(producer.buffer, page, (2 * size) / 4);
    this.#data = new Uint8Array(producer.buffer, page, 2 * size);
  }

  /**
   * Maps the ring buffer behind `mapFd`, whose max_entries is `size`.
   * @throws RangeError when `size` is not a power-of-two multiple of the page size or
   *   does not match the map; SyscallError("mmap") when the kernel refuses the mapping.
   */
  static open(mapFd: OwnedFd | number, size: number): RingBuffer {
    const page = pageSize();
    if (!Number.isInteger(size) || size < page || (size & (size - 1)) !== 0) {
      throw new RangeError(`ring buffer size ${size} is not a power of two multiple of the page size ${page}`);
    }
    const info = objGetInfoByFd(mapFd);
    if (info.kind !== "map" || info.type !== MapType.RINGBUF) {
      throw new TypeError(`fd ${rawFd(mapFd)} is not a BPF_MAP_TYPE_RINGBUF map`);
    }
    if (info.maxEntries !== size) {
      throw new RangeError(`ring buffer map "${info.name}" has ${info.maxEntries} bytes, not ${size}`);
    }
    const fd = dupFd(mapFd, "ringbuf");
    let consumer: Mapping | undefined;
    try {
      consumer = Mapping.map(fd, page, PROT_READ | PROT_WRITE, 0, "map ring buffer consumer page");
      const producer = Mapping.map(fd, page + 2 * size, PROT_READ, page, "map ring buffer data");
      return new RingBuffer(fd, size, consumer, producer);
    } catch (e) {
      consumer?.unmap();
      fd.close();
      throw e;
    }
  }

  /** Bytes written by producers and not yet consumed (including busy and discarded records). */
  pending(): number {
    this.#check();
    return Number(Atomics.load(this.#producerPos, 0) - Atomics.load(this.#consumerPos, 0));
  }

  /**
   * Calls `cb` with each committed record, in order, and returns how many it delivered
   * (at most `max`). Stops at a record still being written (busy) and skips discarded
   * ones. A record is a copy, or with `views` the record's bytes in the mapping itself,
   * valid only until `cb` returns: no allocation per record, and every record shares one
   * ArrayBuffer (so one DataView reads them all). Space is returned to producers only
   * after `cb` has returned, and past the record even when it throws: a throwing callback
   * loses that record but never receives it twice.
   */
  drain(cb: (rec: Uint8Array) => void, max = Infinity, views = false): number {
    this.#check();
    this.#drains++;
    let n = 0;
    let cons = Number(Atomics.load(this.#consumerPos, 0));
    // The consumer position is published every RELEASE_EVERY records (and when the drain
    // ends, however it ends): a BigInt store per record was a good part of the cost of a
    // small printf record. It never passes a record whose callback is still running.
    let unpublished = 0;
    try {
      outer: for (;;) {
        const prod = Number(Atomics.load(this.#producerPos, 0)); // acquire: records before prod are visible
        if (cons >= prod) {
          if (unpublished === 0) break;
          // Publish, then look once more before stopping: the kernel wakes the reader only
          // for a record committed while the published position had caught up with it, so a
          // record committed while ours was stale woke no one and must be read now.
          Atomics.store(this.#consumerPos, 0, BigInt(cons));
          unpublished = 0;
          continue;
        }
        while (cons < prod) {
          if (n >= max) break outer;
          const off = cons % this.size;
          const hdr = Atomics.load(this.#headers, off / 4); // acquire: pairs with the commit's xchg
          if (hdr & Ringbuf.BUSY_BIT) break outer;
          const len = hdr & LEN_MASK;
          const start = off + Ringbuf.HDR_SZ;
          const rec = hdr & Ringbuf.DISCARD_BIT ? undefined : views ? this.#data.subarray(start, start + len) : this.#data.slice(start, start + len);
          cons += (len + Ringbuf.HDR_SZ + 7) & ~7;
          unpublished++;
          if (rec !== undefined) {
            n++;
            cb(rec);
          }
          if (unpublished >= RELEASE_EVERY) {
            Atomics.store(this.#consumerPos, 0, BigInt(cons)); // release: the producer may reuse the space
            unpublished = 0;
          }
        }
      }
    } finally {
      if (unpublished > 0) Atomics.store(this.#consumerPos, 0, BigInt(cons));
    }
    if (this.#paused && this.#onReadable !== undefined) this.#arm();
    return n;
  }

  /**
   * Calls `cb` from the event loop when records are waiting (poll on the map fd; the
   * kernel wakes us when it commits a record while we are caught up). Level-triggered:
   * `cb` should call drain(). A callback that does not drain pauses the watch until the
   * next drain(), so it cannot spin. `null` stops watching. The watch keeps Node alive.
   */
  onReadable(cb: (() => void) | null): void {
    this.#check();
    this.#watch?.stop();
    this.#watch = undefined;
    this.#paused = false;
    this.#onReadable = cb ?? undefined;
    if (cb !== null) this.#arm();
  }

  #arm(): void {
    this.#paused = false;
    this.#watch?.stop();
    this.#watch = watchReadable(this.#fd, () => {
      const cb = this.#onReadable;
      if (cb === undefined || this.#consumer === undefined) return;
      const before = this.#drains;
      cb();
      if (this.#drains === before && this.#consumer !== undefined && this.pending() > 0 && this.#watch !== undefined) {
        this.#watch.stop();
        this.#watch = undefined;
        this.#paused = true;
      }
    });
  }

  /** Let the process exit while the watch is active (e.g. a background cell). */
  unref(): void {
    this.#watch?.unref();
  }

  get closed(): boolean {
    return this.#consumer === undefined;
  }

  /** Stops the watch, unmaps the pages and closes its fd; idempotent. The map's own fd stays open. */
  close(): void {
    this.#watch?.stop();
    this.#watch = undefined;
    this.#onReadable = undefined;
    const consumer = this.#consumer;
    const producer = this.#producer;
    this.#consumer = undefined;
    this.#producer = undefined;
    try {
      consumer?.unmap();
    } finally {
      try {
        producer?.unmap();
      } finally {
        this.#fd.close();
      }
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #check(): void {
    if (this.#consumer === undefined) throw new Error("use of a closed ring buffer");
  }
}
