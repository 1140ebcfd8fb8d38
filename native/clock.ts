// clock_gettime(2) for the clocks Node does not expose: CLOCK_BOOTTIME is what
// bpf_ktime_get_boot_ns() returns (bpftrace's nsecs and strftime() timestamps).
import { clockGettime } from "./libc.ts";
import { SyscallError } from "./errors.ts";

/** Clock ids of linux/time.h. */
export const Clock = {
  REALTIME: 0, // CLOCK_REALTIME
  MONOTONIC: 1, // CLOCK_MONOTONIC
  BOOTTIME: 7, // CLOCK_BOOTTIME
} as const;

/** The clock's time in nanoseconds. */
export function clockNs(clock: number): bigint {
  const ts = new Uint8Array(16); // struct timespec { time_t tv_sec; long tv_nsec; }
  const r = clockGettime(clock, ts);
  if (r.value < 0) throw new SyscallError("clock_gettime", r.errno);
  const dv = new DataView(ts.buffer);
  return dv.getBigInt64(0, true) * 1_000_000_000n + dv.getBigInt64(8, true);
}
