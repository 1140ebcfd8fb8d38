// What a %%fleet cell shows: the hosts' table (live while it runs, then what each host did),
// each map merged over the fleet and the same map by host, both drawn by the display code
// DSL cells use, with a provenance that names every host and says when the result is
// incomplete; metadata.tracebook.fleet keeps each host's part.
import type { MimeBundle } from "../../kernel/interpreter.ts";
import { VERSION } from "../../kernel/version.ts";
import { mapDisplay, type Display, type Provenance } from "../display/index.ts";
import { htmlTable } from "../display/html.ts";
import type { HostRun } from "./host-run.ts";

/** The hosts as a table: name, what it does or did, its machine. */
export function hostsTable(runs: readonly HostRun[], headline: string): MimeBundle {
  const rows = runs.map((r) => [r.name, r.status(), r.facts ? `Linux ${r.facts.kernel} on ${r.facts.hostname}` : r.prov ? `Linux ${r.prov.kernel} on ${r.prov.host}` : ""]);
  const width = Math.max(4, ...runs.map((r) => r.name.length));
  const text = [headline, ...rows.map(([n, s, m]) => `  ${n!.padEnd(width)}  ${s}${m ? `  (${m})` : ""}`)].join("\n");
  const html = `<div class="tracebook-fleet"><div>${headline.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</div>${htmlTable({ columns: ["host", "status", "machine"], numeric: [false, false, false], rows })}</div>`;
  return { "text/plain": `${text}\n`, "text/html": html };
}

/** Hosts that did not run to the end, as "c lost (why)". */
export function missing(runs: readonly HostRun[]): string[] {
  return runs.filter((r) => r.phase !== "done").map((r) => `${r.name} ${r.phase === "lost" ? "lost" : "failed"} (${r.problem})`);
}

/** The provenance of a merged map: every host named, each machine's release, the union of probes. */
export function fleetProvenance(runs: readonly HostRun[], sent: readonly string[], origin: string, started: Date): Provenance {
  const provs = runs.flatMap((r) => (r.prov && sent.includes(r.name) ? [r.prov] : []));
  const uniq = (xs: readonly string[]) => [...new Set(xs)];
  const lost = runs.filter((r) => r.phase !== "done").map((r) => `${r.name} ${r.phase === "lost" ? "lost" : "failed"}`);
  const drops: Record<string, number> = {};
  for (const p of provs) for (const [m, n] of Object.entries(p.mapFullDrops ?? {})) drops[m] = (drops[m] ?? 0) + n;
  const firstStart = provs.map((p) => p.started).sort()[0];
  return {
    tracebook: VERSION,
    kernel: uniq(provs.map((p) => p.kernel)).join(", ") || "unknown",
    host: `fleet of ${runs.length}: ${runs.map((r) => r.name).join(", ")}${lost.length ? ` (incomplete: ${lost.join(", ")})` : ""}`,
    origin,
    probes: uniq(provs.flatMap((p) => p.probes ?? [])),
    started: firstStart ?? started.toISOString(),
    durationMs: Math.max(0, ...provs.map((p) => p.durationMs ?? 0)),
    ended: lost.length ? "incomplete" : uniq(provs.map((p) => p.ended)).join(", ") || "unknown",
    eventsLost: provs.reduce((n, p) => n + (p.eventsLost ?? 0), 0),
    mapFullDrops: drops,
  };
}

/** Each host's part, for metadata.tracebook.fleet. */
export function fleetRecord(runs: readonly HostRun[]): Record<string, unknown> {
  return {
    incomplete: runs.some((r) => r.phase !== "done"),
    hosts: Object.fromEntries(runs.map((r) => [r.name, {
      status: r.phase,
      ...(r.problem && { problem: r.problem }),
      ...(r.progress && { summary: r.progress }),
      ...(r.facts && { hostname: r.facts.hostname, kernel: r.facts.kernel, tracebook: r.facts.tracebook, cgroup: r.facts.cgroup }),
      ...(r.prov && { started: r.prov.started, durationMs: r.prov.durationMs, ended: r.prov.ended, eventsLost: r.prov.eventsLost }),
    }])),
  };
}

/** A map's display with the fleet's record in its metadata. */
export async function fleetMapDisplay(snap: Parameters<typeof mapDisplay>[0], prov: Provenance, record: Record<string, unknown>, view: "merged" | "by host"): Promise<Display> {
  const d = await mapDisplay(snap, prov);
  const tb = d.metadata.tracebook as Record<string, unknown>;
  return { data: d.data, metadata: { ...d.metadata, tracebook: { ...tb, fleet: { view, ...record } } } };
}
