// The notebook's fleet: the hosts %hosts named (and what their check found), and the
// remote kernels running now, so the coordinating kernel's shutdown can end them all. One
// per session; no import of @jupyterlab/services here, so the kernel's start-up does not
// load it (magics/fleet/remote.ts is loaded on first use).
import type { FleetHost } from "./hosts.ts";
import type { HostFacts } from "../host-magic.ts";

/** What checking a host found: its facts, or why it cannot run a fleet cell. */
export interface HostCheck {
  readonly host: string;
  /** The server's base URL (no token). */
  readonly url: string;
  readonly ok: boolean;
  readonly facts?: HostFacts;
  /** Why not (a line, no token), or what is odd. */
  readonly problem?: string;
  readonly ms: number;
}

/** A remote kernel as the shutdown hook sees it. */
export interface Closable {
  shutdown(): Promise<void>;
}

export class Fleet {
  hosts: FleetHost[] = [];
  readonly checks = new Map<string, HostCheck>();
  readonly live = new Set<Closable>();

  /** Shut every remote kernel down (the coordinating kernel is exiting). */
  async close(): Promise<void> {
    const all = [...this.live];
    this.live.clear();
    await Promise.allSettled(all.map((k) => k.shutdown()));
  }
}

const fleets = new WeakMap<object, Fleet>();

/** The fleet of a session (created on first use). */
export function fleetOf(session: object): Fleet {
  let f = fleets.get(session);
  if (!f) fleets.set(session, (f = new Fleet()));
  return f;
}

/** Shut down the session's remote kernels, if it has a fleet. */
export async function closeFleet(session: object): Promise<void> {
  await fleets.get(session)?.close();
}
