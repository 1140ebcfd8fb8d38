// perf_event_open(2) and the ioctls that attach a BPF program to a perf event. Used by
// classic tracepoints, uprobes (the uprobe PMU) and profile/interval/software probes.
import { readFileSync, readSync } from "node:fs";
import * as libc from "./libc.ts";
import { OwnedFd, rawFd } from "./fd.ts";
import { SyscallError } from "./errors.ts";
import { PerfType } from "./perf-constants.ts";

export { PerfType };

/** enum perf_sw_ids */
export const PerfSwConfig = {
  CPU_CLOCK: 0, // PERF_COUNT_SW_CPU_CLOCK: profile:hz
  TASK_CLOCK: 1, // PERF_COUNT_SW_TASK_CLOCK
  PAGE_FAULTS: 2, // PERF_COUNT_SW_PAGE_FAULTS
  CONTEXT_SWITCHES: 3, // PERF_COUNT_SW_CONTEXT_SWITCHES
  CPU_MIGRATIONS: 4, // PERF_COUNT_SW_CPU_MIGRATIONS
  PAGE_FAULTS_MIN: 5, // PERF_COUNT_SW_PAGE_FAULTS_MIN
  PAGE_FAULTS_MAJ: 6, // PERF_COUNT_SW_PAGE_FAULTS_MAJ
  ALIGNMENT_FAULTS: 7, // PERF_COUNT_SW_ALIGNMENT_FAULTS
  EMULATION_FAULTS: 8, // PERF_COUNT_SW_EMULATION_FAULTS
  DUMMY: 9, // PERF_COUNT_SW_DUMMY
  BPF_OUTPUT: 10, // PERF_COUNT_SW_BPF_OUTPUT
} as const;

/** PERF_SAMPLE_RAW: the sample carries the raw tracepoint record. */
export const PERF_SAMPLE_RAW = 1 << 10;
/** PERF_FLAG_FD_CLOEXEC */
export const PERF_FLAG_FD_CLOEXEC = 1 << 3;

/** _IOW('$', 8, __u32) and friends, from linux/perf_event.h. */
export const PerfIoctl = {
  ENABLE: 0x2400, // PERF_EVENT_IOC_ENABLE
  DISABLE: 0x2401, // PERF_EVENT_IOC_DISABLE
  SET_BPF: 0x40042408, // PERF_EVENT_IOC_SET_BPF
} as const;

/** PERF_ATTR_SIZE_VER7: through sig_data; newer kernels accept it, older ones up to 4.x too. */
export const PERF_ATTR_SIZE = 128;

export interface PerfEventAttr {
  type: number;
  config: bigint | number;
  /** Sample every N events (or N Hz with `freq`). sample_period and sample_freq share a slot. */
  samplePeriod?: bigint | number;
  sampleFreq?: bigint | number;
  sampleType?: bigint | number;
  /** Start disabled; enable with enable(). */
  disabled?: boolean;
  inherit?: boolean;
  excludeKernel?: boolean;
  excludeUser?: boolean;
  excludeHv?: boolean;
  excludeIdle?: boolean;
  /** Interpret the sample slot as a frequency. Set automatically when sampleFreq is given. */
  freq?: boolean;
  /** Wake up every N events (wakeup_events). */
  wakeupEvents?: number;
  /** config1: uprobe_path / kprobe_func pointer for the probe PMUs. */
  config1?: bigint | number;
  /** config2: probe_offset for the probe PMUs. */
  config2?: bigint | number;
  /** bp_type (PERF_TYPE_BREAKPOINT): HW_BREAKPOINT_R 1, W 2, X 4; bp_addr is config1, bp_len config2. */
  bpType?: number;
}

/** Bit numbers in the flags word at offset 40 of struct perf_event_attr. */
const BIT = { disabled: 0, inherit: 1, excludeUser: 4, excludeKernel: 5, excludeHv: 6, excludeIdle: 7, freq: 10 };

/** struct perf_event_attr, PERF_ATTR_SIZE bytes. Pure, for unit tests. */
export function encodePerfEventAttr(a: PerfEventAttr): Uint8Array {
  const buf = new Uint8Array(PERF_ATTR_SIZE);
  const dv = new DataView(buf.buffer);
  const freq = a.freq ?? a.sampleFreq !== undefined;
  dv.setUint32(0, a.type, true); // type
  dv.setUint32(4, PERF_ATTR_SIZE, true); // size
  dv.setBigUint64(8, BigInt(a.config), true); // config
  dv.setBigUint64(16, BigInt((freq ? a.sampleFreq : a.samplePeriod) ?? 0), true); // sample_period / sample_freq
  dv.setBigUint64(24, BigInt(a.sampleType ?? 0), true); // sample_type
  let flags = 0n;
  const set = (on: boolean | undefined, bit: number) => {
    if (on) flags |= 1n << BigInt(bit);
  };
  set(a.disabled, BIT.disabled);
  set(a.inherit, BIT.inherit);
  set(a.excludeUser, BIT.excludeUser);
  set(a.excludeKernel, BIT.excludeKernel);
  set(a.excludeHv, BIT.excludeHv);
  set(a.excludeIdle, BIT.excludeIdle);
  set(freq, BIT.freq);
  dv.setBigUint64(40, flags, true); // disabled:1, inherit:1, ..., freq:1 (bit 10), ...
  dv.setUint32(48, a.wakeupEvents ?? 0, true); // wakeup_events
  dv.setUint32(52, a.bpType ?? 0, true); // bp_type
  dv.setBigUint64(56, BigInt(a.config1 ?? 0), true); // config1 (uprobe_path)
  dv.setBigUint64(64, BigInt(a.config2 ?? 0), true); // config2 (probe_offset)
  return buf;
}

/**
 * perf_event_open(2). `pid` -1 with a `cpu` ≥ 0 watches every task on that CPU; a
 * tracepoint event with cpu 0 and pid -1 runs its BPF program on every CPU. The fd is
 * opened with PERF_FLAG_FD_CLOEXEC unless `flags` says otherwise. `config1` may be given
 * as bytes (a NUL-terminated uprobe path); its address is taken for the call.
 */
export function perfEventOpen(
  attr: Omit<PerfEventAttr, "config1"> & { config1?: bigint | number | Uint8Array },
  pid: number,
  cpu: number,
  groupFd = -1,
  flags = PERF_FLAG_FD_CLOEXEC,
): OwnedFd {
  const path = attr.config1 instanceof Uint8Array ? attr.config1 : undefined;
  const { config1: c1, ...rest } = attr;
  const config1 = path ? libc.addressOf(path) : (c1 as bigint | number | undefined);
  const buf = encodePerfEventAttr({ ...rest, ...(config1 !== undefined && { config1 }) });
  const r = libc.perfEventOpen(buf, pid, cpu, groupFd, flags, ...(path ? [path] : []));
  if (r.value < 0) throw new SyscallError("perf_event_open", r.errno);
  return new OwnedFd(r.value, "perf_event");
}

function ioctlOrThrow(fd: OwnedFd | number, request: number, arg: number, name: string): void {
  const r = libc.ioctl(rawFd(fd), request, arg);
  if (r.value < 0) throw new SyscallError(name, r.errno);
}

/** PERF_EVENT_IOC_SET_BPF: run `prog` on every event of `fd` (the perf event owns the ref). */
export function setBpf(fd: OwnedFd | number, prog: OwnedFd | number): void {
  ioctlOrThrow(fd, PerfIoctl.SET_BPF, rawFd(prog), "PERF_EVENT_IOC_SET_BPF");
}

/** PERF_EVENT_IOC_ENABLE */
export function enable(fd: OwnedFd | number): void {
  ioctlOrThrow(fd, PerfIoctl.ENABLE, 0, "PERF_EVENT_IOC_ENABLE");
}

/**
 * Whether a hardware write breakpoint fires here: one on an 8-byte buffer of this thread
 * (PERF_TYPE_BREAKPOINT, HW_BREAKPOINT_W, user space only) counts a write to it. Some
 * virtual machines accept the perf event but never deliver the debug trap.
 */
export function breakpointFires(): boolean {
  const target = new BigUint64Array(1);
  const bytes = new Uint8Array(target.buffer);
  const fd = perfEventOpen({ type: PerfType.BREAKPOINT, config: 0, samplePeriod: 1, bpType: 2 /* HW_BREAKPOINT_W */, config1: libc.addressOf(bytes), config2: 8, excludeKernel: true, excludeHv: true }, 0, -1);
  try {
    for (let i = 0; i < 4; i++) target[0] = BigInt(i + 1);
    const count = Buffer.alloc(8);
    readSync(fd.fd, count, 0, 8, null);
    return count.readBigUInt64LE() > 0n;
  } finally {
    fd.close();
  }
}

/** PERF_EVENT_IOC_DISABLE */
export function disable(fd: OwnedFd | number): void {
  ioctlOrThrow(fd, PerfIoctl.DISABLE, 0, "PERF_EVENT_IOC_DISABLE");
}

/** Parses a kernel CPU list such as "0-3,5,7-8". */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`bad cpu list "${text.trim()}"`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus;
}

/** The online CPUs, from /sys/devices/system/cpu/online. */
export function onlineCpus(): number[] {
  return parseCpuList(readFileSync("/sys/devices/system/cpu/online", "utf8"));
}

/** The possible CPUs: per-CPU map values have one slot for each. */
export function possibleCpus(): number[] {
  return parseCpuList(readFileSync("/sys/devices/system/cpu/possible", "utf8"));
}
