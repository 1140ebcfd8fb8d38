// clock_gettime(2) for the clocks Node does not expose: CLOCK_BOOTTIME is what
// bpf_ktime_get_boot_ns() returns (bpftrace's nsecs and strftime() timestamps).
import { clockGettime } from "./libc.ts";
import { SyscallError } from "./errors.ts";

/** Clock ids of linux/time.h. */
export const Clock = {
  REALTIME: 0, // CLOCK_REALTIME
  MONOTONIC: 1, // CLOCK_MONOTONIC
  BOOTTIME: 7, // CLOCK_BOOTTIME
  TAI: 11, // CLOCK_TAI
} as const;

/** The clock's time in nanoseconds. */
export function clockNs(clock: number): bigint {
  const ts = new Uint8Array(16); // struct timespec { time_t tv_sec; long tv_nsec; }
  const r = clockGettime(clock, ts);
  if (r.value < 0) throw new SyscallError("clock_gettime", r.errno);
  const dv = new DataView(ts.buffer);
  return dv.getBigInt64(0, true) * 1_000_000_000n + dv.getBigInt64(8, true);
}

/**
 * CLOCK_TAI - CLOCK_BOOTTIME, read as bpftrace does for nsecs(sw_tai): TAI between two
 * boot-time reads (the "triple vdso sandwich"), against their midpoint.
 */
export function taiOffsetNs(): bigint {
  // the narrowest of a few sandwiches: the first calls are slow (FFI warm-up)
  let best: { window: bigint; offset: bigint } | undefined;
  for (let i = 0; i < 8; i++) {
    const before = clockNs(Clock.BOOTTIME);
    const tai = clockNs(Clock.TAI);
    const after = clockNs(Clock.BOOTTIME);
    if (!best || after - before < best.window) best = { window: after - before, offset: tai - (before + after) / 2n };
  }
  return best!.offset;
}
