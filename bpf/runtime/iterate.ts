// Running iterator programs (iter:task, ...): BPF_ITER_CREATE on each iterator's link,
// then read(2) until it returns 0. Each read runs the program on the next objects in this
// thread; the program writes one byte to the seq_file per object (codegen/iter-entry.ts),
// so a read of READ_SIZE bytes returns after that many objects and the ring buffer is
// drained between reads, not once after a walk that could overflow it. The bytes read are
// not output: printf output comes through the ring buffer like any other probe's.
import { readSync } from "node:fs";
import * as native from "../../native/index.ts";
import type { OwnedFd } from "../../native/index.ts";

/** Objects per read(2): how many program runs may fill the ring buffer before a drain. */
const READ_SIZE = 64;

/** Read every iterator to its end, draining after each read; stops early once `done()` (exit()). */
export function runIterators(links: readonly OwnedFd[], drain: () => void, done: () => boolean): void {
  const buf = Buffer.alloc(READ_SIZE);
  for (const link of links) {
    const it = native.iterCreate(link);
    try {
      while (!done()) {
        const n = readSync(native.rawFd(it), buf, 0, READ_SIZE, null);
        drain();
        if (n === 0) break;
      }
    } finally {
      it.close();
    }
  }
}
