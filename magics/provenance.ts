// The provenance of an output (magics/display/provenance.ts): this machine, the probes
// that ran, when and how long, what was lost.
import { hostname, release } from "node:os";
import type { Provenance } from "./display/index.ts";
import { VERSION } from "../kernel/version.ts";

export interface RunFacts {
  readonly origin?: string;
  readonly probes?: readonly string[];
  readonly started: Date;
  /** When the run ended; defaults to now. */
  readonly ended?: Date;
  /** exit, interrupt, timeout, process-exit, begin-only; "snapshot" for a map read without a run. */
  readonly reason: string;
  readonly lost?: bigint;
  readonly mapFull?: ReadonlyMap<string, bigint>;
}

export function provenance(f: RunFacts): Provenance {
  const ended = f.ended ?? new Date();
  return {
    tracebook: VERSION,
    kernel: release(),
    host: hostname(),
    ...(f.origin !== undefined && { origin: f.origin }),
    probes: [...(f.probes ?? [])],
    started: f.started.toISOString(),
    durationMs: Math.max(0, ended.getTime() - f.started.getTime()),
    ended: f.reason,
    eventsLost: Number(f.lost ?? 0n),
    mapFullDrops: Object.fromEntries([...(f.mapFull ?? [])].map(([m, n]) => [m, Number(n)])),
  };
}
