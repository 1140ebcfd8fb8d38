// perf_event_open(2) and its ioctls against the running kernel: a tracepoint program that
// counts this process's fchmod(2) calls, attached by PERF_EVENT_IOC_SET_BPF and by
// BPF_LINK_CREATE, with exact counts from our own workload.
import { closeSync, fchmodSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import {
  AttachType,
  MapType,
  PerfSwConfig,
  PerfType,
  ProgType,
  SyscallError,
  disable,
  enable,
  linkCreate,
  mapCreate,
  mapLookup,
  mapUpdate,
  onlineCpus,
  openFdCount,
  perfEventOpen,
  progLoad,
  setBpf,
  type OwnedFd,
} from "../../native/index.ts";
import { insn, prog } from "../helpers/raw-insn.ts";


/**
 * if (bpf_get_current_pid_tgid() >> 32 != pid) return 0;
 * u32 k = 0; u64 *v = bpf_map_lookup_elem(map, &k); if (v) __sync_fetch_and_add(v, 1);
 */
function countingProgram(mapFd: number, pid: number): Uint8Array {
  return prog(
    insn(0x85, 0, 0, 0, 14), // 0: call bpf_get_current_pid_tgid
    insn(0x77, 0, 0, 0, 32), // 1: r0 >>= 32          BPF_ALU64 | BPF_RSH | BPF_K
    insn(0x55, 0, 0, 9, pid), // 2: if r0 != pid goto 12
    insn(0x62, 10, 0, -4, 0), // 3: *(u32 *)(fp - 4) = 0
    insn(0xbf, 2, 10, 0, 0), // 4: r2 = fp
    insn(0x07, 2, 0, 0, -4), // 5: r2 += -4
    insn(0x18, 1, 1, 0, mapFd), // 6: r1 = map         BPF_LD | BPF_IMM | BPF_DW, BPF_PSEUDO_MAP_FD
    insn(0, 0, 0, 0, 0), // 7
    insn(0x85, 0, 0, 0, 1), // 8: call bpf_map_lookup_elem
    insn(0x15, 0, 0, 3, 0), // 9: if r0 == 0 goto 13 (r0 is already 0)
    insn(0xb7, 1, 0, 0, 1), // 10: r1 = 1
    insn(0xdb, 0, 1, 0, 0), // 11: lock *(u64 *)(r0 + 0) += r1   BPF_STX | BPF_ATOMIC | BPF_DW, BPF_ADD
    insn(0xb7, 0, 0, 0, 0), // 12: r0 = 0
    insn(0x95, 0, 0, 0, 0), // 13: exit
  );
}

function tracepointId(category: string, name: string): number {
  for (const root of ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]) {
    try {
      return Number(readFileSync(`${root}/events/${category}/${name}/id`, "utf8").trim());
    } catch {
      // try the next mount point
    }
  }
  throw new Error(`no tracepoint ${category}:${name} in tracefs`);
}

const zero = new Uint8Array(4);
const count = (map: OwnedFd) => new DataView(mapLookup(map, zero, 8)!.buffer).getBigUint64(0, true);

describe.skipIf(skipWithoutBpf())("native perf_event_open", () => {
  let baseline = 0;
  let file = -1;
  beforeAll(() => {
    baseline = openFdCount();
    file = openSync(join(tmpdir(), `tracebook-perf-${process.pid}`), "w");
  });
  afterAll(() => {
    closeSync(file);
    expect(openFdCount()).toBe(baseline);
  });
  const workload = (n: number) => {
    for (let i = 0; i < n; i++) fchmodSync(file, 0o600);
  };

  it("lists online CPUs", () => {
    const cpus = onlineCpus();
    expect(cpus.length).toBeGreaterThan(0);
    expect(cpus[0]).toBe(0);
  });

  it("counts exactly the tracepoint hits of our workload (PERF_EVENT_IOC_SET_BPF)", () => {
    using map = mapCreate({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    using p = progLoad({ type: ProgType.TRACEPOINT, insns: countingProgram(map.fd, process.pid), name: "count_fchmod" });
    const ev = perfEventOpen(
      { type: PerfType.TRACEPOINT, config: tracepointId("syscalls", "sys_enter_fchmod"), samplePeriod: 1, wakeupEvents: 1, disabled: true },
      -1,
      0,
    );
    workload(3);
    setBpf(ev, p);
    // Kernel quirk: a BPF program on a tracepoint perf event runs from SET_BPF on, on every
    // CPU, whatever the event's enabled state (perf_trace_##call checks the prog array
    // before the per-CPU list of enabled events). Only closing the event detaches it.
    workload(5);
    enable(ev);
    workload(123);
    disable(ev);
    workload(7);
    ev.close();
    workload(11);
    expect(count(map)).toBe(5n + 123n + 7n);
  });

  it("attaches through BPF_LINK_CREATE with BPF_PERF_EVENT and detaches on close", () => {
    using map = mapCreate({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    mapUpdate(map, zero, new Uint8Array(8));
    using p = progLoad({ type: ProgType.TRACEPOINT, insns: countingProgram(map.fd, process.pid) });
    using ev = perfEventOpen({ type: PerfType.TRACEPOINT, config: tracepointId("syscalls", "sys_enter_fchmod"), samplePeriod: 1 }, -1, 0);
    const link = linkCreate({ progFd: p, targetFd: ev, attachType: AttachType.PERF_EVENT });
    workload(42);
    link.close();
    workload(8);
    expect(count(map)).toBe(42n);
  });

  it("opens, enables and disables a software event", () => {
    using ev = perfEventOpen({ type: PerfType.SOFTWARE, config: PerfSwConfig.CPU_CLOCK, sampleFreq: 99, disabled: true }, 0, -1);
    enable(ev);
    disable(ev);
    expect(ev.closed).toBe(false);
  });

  it("names perf_event_open failures", () => {
    let err: unknown;
    try {
      perfEventOpen({ type: PerfType.TRACEPOINT, config: 0x7fffffff }, -1, 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyscallError);
    expect((err as SyscallError).call).toBe("perf_event_open");
    expect(["ENOENT", "EINVAL"]).toContain((err as SyscallError).code);
  });
});
