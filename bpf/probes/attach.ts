// The runtime side of the probe providers: attach a loaded program to what its
// AttachSpec names. Returns the fds that keep it attached; closing them detaches.
import { readFileSync } from "node:fs";
import * as native from "../../native/index.ts";
import type { OwnedFd } from "../../native/index.ts";
import type { AttachSpec } from "./provider.ts";

export class AttachError extends Error {
  constructor(
    message: string,
    readonly hints: readonly string[] = [],
    /** The probe that did not attach (its name as `probe` prints it), where one did not. */
    readonly probe?: string,
  ) {
    super(probe === undefined ? message : `attach "${probe}": ${message}`);
    this.reason = message;
  }

  /** The message without the probe's name. */
  readonly reason: string;
}

function pmuType(name: string): number {
  try {
    return Number(readFileSync(`/sys/bus/event_source/devices/${name}/type`, "utf8").trim());
  } catch {
    throw new AttachError(`this kernel has no ${name} PMU (/sys/bus/event_source/devices/${name})`);
  }
}

/** Bit of config that marks a return probe ("config:0" in format/retprobe). */
function retprobeBit(pmu: string): bigint {
  try {
    const m = /config:(\d+)/.exec(readFileSync(`/sys/bus/event_source/devices/${pmu}/format/retprobe`, "utf8"));
    return 1n << BigInt(m ? Number(m[1]) : 0);
  } catch {
    return 1n;
  }
}

/** Where the uprobe PMU takes the reference-counter (USDT semaphore) offset: "config:32-63". */
function refCtrShift(): bigint | undefined {
  try {
    const m = /config:(\d+)-/.exec(readFileSync("/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset", "utf8"));
    return m ? BigInt(Number(m[1])) : undefined;
  } catch {
    return undefined;
  }
}

function withPerf(fd: OwnedFd, prog: OwnedFd): OwnedFd {
  try {
    native.setBpf(fd, prog);
    native.enable(fd);
    return fd;
  } catch (e) {
    fd.close();
    throw e;
  }
}

export function attach(spec: AttachSpec, prog: OwnedFd): OwnedFd[] {
  switch (spec.kind) {
    case "run":
    case "signal":
      return [];
    case "perf": {
      const cpus = spec.cpus === "one" ? [native.onlineCpus()[0] ?? 0] : native.onlineCpus();
      const fds: OwnedFd[] = [];
      try {
        for (const cpu of cpus) {
          const fd = native.perfEventOpen(
            {
              type: spec.type,
              config: spec.config,
              ...(spec.freq !== undefined ? { sampleFreq: spec.freq } : { samplePeriod: spec.period ?? 1 }),
              ...(spec.breakpoint && { bpType: spec.breakpoint.type, config1: spec.breakpoint.addr, config2: spec.breakpoint.len }),
              disabled: true,
              // -p PID: count that process (and the threads it starts) on every CPU, as bpftrace does
              ...(spec.pid !== undefined && { inherit: true }),
            },
            spec.pid ?? -1,
            cpu,
          );
          fds.push(withPerf(fd, prog));
        }
      } catch (e) {
        for (const f of fds) f.close();
        throw e;
      }
      return fds;
    }
    case "tracepoint": {
      const fd = native.perfEventOpen({ type: 2 /* PERF_TYPE_TRACEPOINT */, config: spec.id, samplePeriod: 1, disabled: true }, -1, 0);
      return [withPerf(fd, prog)];
    }
    case "raw_tracepoint":
      return [native.rawTracepointOpen(spec.name, prog)];
    case "iter":
      // no iter_info: task iterators walk every task of the pid namespace
      return [native.linkCreate({ progFd: prog, targetFd: 0, attachType: native.AttachType.TRACE_ITER })];
    case "tp_btf":
    case "fentry":
      return [native.rawTracepointOpen(null, prog)];
    case "kprobe": {
      const type = pmuType("kprobe");
      const name = new TextEncoder().encode(`${spec.func}\0`);
      const fd = native.perfEventOpen(
        { type, config: spec.ret ? retprobeBit("kprobe") : 0n, config1: name, config2: spec.offset, samplePeriod: 1, disabled: true },
        -1,
        0,
      );
      return [withPerf(fd, prog)];
    }
    case "uprobe": {
      const type = pmuType("uprobe");
      const path = new TextEncoder().encode(`${spec.path}\0`);
      let config = spec.ret ? retprobeBit("uprobe") : 0n;
      if (spec.refCtrOffset !== undefined) {
        const shift = refCtrShift();
        if (shift === undefined) throw new AttachError("this kernel's uprobe PMU has no ref_ctr_offset: USDT semaphores are not supported");
        config |= BigInt(spec.refCtrOffset) << shift;
      }
      const pid = spec.pid ?? -1;
      const fd = native.perfEventOpen(
        { type, config, config1: path, config2: spec.offset, samplePeriod: 1, disabled: true },
        pid,
        pid === -1 ? 0 : -1,
      );
      return [withPerf(fd, prog)];
    }
  }
}
