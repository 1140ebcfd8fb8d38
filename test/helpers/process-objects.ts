// What one process holds of the kernel's objects, read from /proc (leak checks of the
// kernel process; other developers load BPF programs on the same machine at the same time,
// so a check looks at one process's fds, never at the whole system's count): its fds, the
// ids of the BPF programs, maps and links behind them, its perf events, the mappings of
// BPF maps (ring buffers) and its resident memory.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { mapGetNextId, loadedProgIds } from "../../native/index.ts";

export interface ProcessObjects {
  /** Every open fd. */
  readonly fds: number;
  readonly progs: readonly number[];
  readonly maps: readonly number[];
  readonly links: readonly number[];
  readonly perfEvents: number;
  /** Mappings of BPF maps in /proc/PID/maps (a ring buffer's consumer and data pages). */
  readonly bpfMappings: number;
  /** VmRSS, KiB. */
  readonly rssKb: number;
}

export function processObjects(pid: number): ProcessObjects {
  const ids = { progs: [] as number[], maps: [] as number[], links: [] as number[] };
  let fds = 0;
  let perfEvents = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    fds++;
    if (target === "anon_inode:[perf_event]") perfEvents++;
    // the kernel names them bpf-prog, bpf-map and bpf_link
    const kind = /^anon_inode:bpf[-_](prog|map|link)$/.exec(target)?.[1];
    if (!kind) continue;
    try {
      const m = new RegExp(`^${kind}_id:\\s*(\\d+)$`, "m").exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"));
      if (m) ids[`${kind}s` as keyof typeof ids].push(Number(m[1]));
    } catch {
      // closed while we looked
    }
  }
  const bpfMappings = readFileSync(`/proc/${pid}/maps`, "utf8").split("\n").filter((l) => l.includes("anon_inode:bpf-map")).length;
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  return { fds, progs: sorted(ids.progs), maps: sorted(ids.maps), links: sorted(ids.links), perfEvents, bpfMappings, rssKb };
}

/** The objects without memory: what must come back exactly after a cell ended. */
export function heldObjects(o: ProcessObjects): Omit<ProcessObjects, "rssKb"> {
  const { rssKb: _rss, ...held } = o;
  return held;
}

/**
 * Whether `now` holds no more than `base`: the same BPF objects, perf events and mappings,
 * and no more fds (fewer is no leak: a font or a pipe the kernel still had open when `base`
 * was read, on a busy machine, may have closed since).
 */
export function holdsNoMore(now: ProcessObjects, base: ProcessObjects): boolean {
  const { fds: a, ...x } = heldObjects(now);
  const { fds: b, ...y } = heldObjects(base);
  return a <= b && JSON.stringify(x) === JSON.stringify(y);
}

/** Ids of the BPF programs and maps loaded on the whole machine now. */
export function systemBpfIds(): { progs: Set<number>; maps: Set<number> } {
  const maps = new Set<number>();
  for (let id = mapGetNextId(0); id !== undefined; id = mapGetNextId(id)) maps.add(id);
  return { progs: new Set(loadedProgIds()), maps };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The process's objects once the cells before have let go of their probes: no program,
 * link or perf event held, and two readings 300 ms apart agree (links close off the reply
 * path, and slowly on a busy machine).
 */
export async function settledObjects(pid: number, timeoutMs = 30_000): Promise<ProcessObjects> {
  let last = "";
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(300)) {
    const now = processObjects(pid);
    const held = JSON.stringify(heldObjects(now));
    if (held === last && now.progs.length === 0 && now.links.length === 0 && now.perfEvents === 0) return now;
    last = held;
  }
  throw new Error(`process ${pid} never settled: ${last}`);
}

/** Waits until the process holds no more than it held at `base` (holdsNoMore); the last reading. */
export async function heldAgain(pid: number, base: ProcessObjects, timeoutMs = 15_000): Promise<ProcessObjects> {
  let now = processObjects(pid);
  for (const end = Date.now() + timeoutMs; !holdsNoMore(now, base) && Date.now() < end; now = processObjects(pid)) await sleep(50);
  return now;
}
