// hist(n, k) with k > 0: the bucket index bpftrace's log2(n, k) computes (codegen_llvm.cpp
// createLog2Function), with the value in r1 and the index left in r0:
//
//   n < 0            → 0
//   n < 2^k          → n + 1                 (one bucket per value)
//   otherwise        l = floor(log2 n) - k   (≥ 0)
//                    → ((l + 1) << k) + ((n >> l) & (2^k - 1)) + 1
//
// so each power of two [2^p, 2^(p+1)) is split into 2^k equal buckets. k = 0 keeps
// log2Bucket of aggregations.ts.
import { asm, R0, R1, R2, R3, R4 } from "../asm/index.ts";
import type { Emitter } from "../asm/index.ts";

export function log2BucketK(e: Emitter, k: number, nop: () => void): void {
  const done = e.label("hkdone");
  const mask = (1 << k) - 1;
  e.emit(asm.movImm(R0, 0), asm.jsltImm(R1, 0, done));
  e.emit(asm.mov(R0, R1), asm.addImm(R0, 1), asm.jleImm(R1, mask, done));
  // r4 = floor(log2 n), by halving: r3 walks n down
  e.emit(asm.movImm(R4, 0), asm.mov(R3, R1));
  for (const s of [32, 16, 8, 4, 2, 1]) {
    const skip = e.label("hk");
    e.emit(asm.mov(R2, R3), asm.rshImm(R2, s), asm.jeqImm(R2, 0, skip), asm.mov(R3, R2), asm.addImm(R4, s));
    e.place(skip);
    nop();
  }
  // r4 = l = log2 - k; r1 = (n >> l) & mask; r0 = ((l + 1) << k) + r1 + 1
  e.emit(asm.addImm(R4, -k), asm.rsh(R1, R4), asm.andImm(R1, mask));
  e.emit(asm.mov(R0, R4), asm.addImm(R0, 1), asm.lshImm(R0, k), asm.add(R0, R1), asm.addImm(R0, 1));
  e.place(done);
  nop();
}
