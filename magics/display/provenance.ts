// Where an output came from (DESIGN.md: a notebook is a record of an investigation): the
// machine, the probes, when and how long, what was lost. It travels in each output's
// metadata.tracebook and is shown in small type under the chart or table.

import { escapeHtml } from "./html.ts";

export interface Provenance {
  readonly tracebook: string;
  /** os.release() of the traced machine: "6.18.0-…". */
  readonly kernel: string;
  readonly host: string;
  /** The cell that produced the output ("cell[3]"), as the session names it. */
  readonly origin?: string;
  /** Attach points that ran, BEGIN/END included. */
  readonly probes: readonly string[];
  /** ISO 8601, when the probes were attached (or the run started). */
  readonly started: string;
  readonly durationMs: number;
  /** Why the run ended: exit, interrupt, timeout, process-exit, begin-only, snapshot. */
  readonly ended: string;
  /** Ring-buffer events the kernel had no room for. */
  readonly eventsLost: number;
  /** Updates dropped because the map was full, per map; only maps that dropped some. */
  readonly mapFullDrops: Readonly<Record<string, number>>;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** One line: "6.18.0 on host · 3 probes · 2026-12-02 18:40:01 UTC for 4.0 s · 0 events lost". */
export function provenanceLine(p: Provenance): string {
  const when = p.started.replace("T", " ").replace(/\.\d+Z$/, " UTC").replace(/Z$/, " UTC");
  const drops = Object.entries(p.mapFullDrops);
  return [
    `Linux ${p.kernel} on ${p.host}`,
    plural(p.probes.length, "probe"),
    `${when} for ${(p.durationMs / 1000).toFixed(1)} s (${p.ended})`,
    `${plural(p.eventsLost, "event")} lost`,
    ...(drops.length ? [`map full: ${drops.map(([m, n]) => `${m} dropped ${n}`).join(", ")}`] : []),
    `Tracebook ${p.tracebook}`,
  ].join(" · ");
}

/** The line in small type, with the probes in its tooltip. */
export function provenanceHtml(p: Provenance): string {
  const title = escapeHtml(p.probes.join("\n"));
  return `<div class="tracebook-provenance" title="${title}" style="font-size:11px;color:#6b6b6b;margin-top:2px">${escapeHtml(provenanceLine(p))}</div>`;
}
