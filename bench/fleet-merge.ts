// How %%fleet's merge (magics/fleet/merge.ts) grows with hosts and keys: H hosts each send
// one keyed count map of K keys (the same keys on every host, or half of them their own),
// as JSON text the way their outputs arrive over the WebSocket; the coordinator parses
// each, folds it in as it arrives, and builds the merged map and the by-host view. Medians
// of RUNS, wall time and this process's CPU time (the machine may be shared).
//   npx esbuild bench/fleet-merge.ts --bundle --platform=node --format=esm --packages=external --outfile=dist/bench-fleet-merge.mjs && node dist/bench-fleet-merge.mjs
import { snapshotToJson } from "../bpf/maps/snapshot-json.ts";
import type { MapSnapshot } from "../bpf/types/snapshot.ts";
import { FleetMerge } from "../magics/fleet/merge.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function hostMessage(host: number, keys: number, ownShare: number): string {
  const snap: MapSnapshot = {
    name: "@calls",
    valueKind: "count",
    keyed: true,
    keyNames: ["comm", "pid"],
    entries: Array.from({ length: keys }, (_, i) => {
      const shared = i < keys * (1 - ownShare);
      return {
        key: [{ kind: "tuple" as const, elements: [{ kind: "str" as const, value: shared ? `proc-${i}` : `own-${host}-${i}` }, { kind: "int" as const, value: BigInt(i), signed: false }] }],
        value: { kind: "count" as const, value: BigInt(host + i) },
      };
    }),
  };
  return JSON.stringify({ metadata: { tracebook: { snapshot: snapshotToJson(snap) } } });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function once(messages: readonly string[]): { parse: number; fold: number; views: number; cpu: number } {
  // JSON.parse is the transport's (services parses every WebSocket message); timed apart
  const p0 = performance.now();
  const parsed = messages.map((text) => (JSON.parse(text) as { metadata: { tracebook: { snapshot: unknown } } }).metadata.tracebook.snapshot);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const m = new FleetMerge();
  parsed.forEach((snap, h) => m.add(`host-${h}`, snap));
  const t1 = performance.now();
  const merged = m.merged("@calls")!;
  const hosts = messages.map((_, h) => `host-${h}`);
  const by = m.byHost("@calls", hosts, hosts)!.snap;
  const t2 = performance.now();
  const c = process.cpuUsage(c0);
  if (merged.entries.length === 0 || by.entries.length === 0) throw new Error("nothing merged");
  return { parse: t0 - p0, fold: t1 - t0, views: t2 - t1, cpu: (c.user + c.system) / 1000 };
}

console.log("hosts  keys/host  own keys  merged keys  JSON.parse ms  fold ms  merged+by-host ms  merge total ms  merge cpu ms");
const cases: [number, number, number][] = [[1, 10_000, 0], [10, 10_000, 0], [50, 10_000, 0], [100, 10_000, 0], [50, 50_000, 0], [10, 10_000, 0.5], [50, 10_000, 0.5]];
for (const [hosts, keys, own] of cases) {
  const messages = Array.from({ length: hosts }, (_, h) => hostMessage(h, keys, own));
  const runs = Array.from({ length: RUNS }, () => once(messages));
  const parse = median(runs.map((r) => r.parse));
  const fold = median(runs.map((r) => r.fold));
  const views = median(runs.map((r) => r.views));
  const cpu = median(runs.map((r) => r.cpu));
  const merged = keys * (1 - own) + hosts * keys * own;
  const pad = (x: number | string, n: number) => String(x).padStart(n);
  console.log(`${pad(hosts, 5)}  ${pad(keys, 9)}  ${pad(`${own * 100}%`, 8)}  ${pad(merged, 11)}  ${pad(parse.toFixed(0), 13)}  ${pad(fold.toFixed(0), 7)}  ${pad(views.toFixed(0), 17)}  ${pad((fold + views).toFixed(0), 14)}  ${pad(cpu.toFixed(0), 12)}`);
}
