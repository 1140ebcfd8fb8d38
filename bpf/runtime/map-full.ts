// The end-of-run side of "map full" counting (bpf/codegen/map-full.ts): read each user
// map's slot of the DROPS_MAP counters and word a warning as bpftrace does for a failed
// map update (-E2BIG), once per map, with how often it happened.
import * as native from "../../native/index.ts";
import type { OwnedFd } from "../../native/index.ts";
import type { ProgramSpec } from "../codegen/spec.ts";

/** Failed updates per user map name, for the maps that had any. */
export function mapFullCounts(spec: ProgramSpec, drops: OwnedFd): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const user = spec.maps.filter((m) => m.info);
  user.forEach((m, i) => {
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, i + 1, true);
    const v = native.mapLookup(drops, key, 8);
    const n = v ? new DataView(v.buffer, v.byteOffset).getBigUint64(0, true) : 0n;
    if (n > 0n) out.set(m.name, n);
  });
  return out;
}

/** bpftrace's text for a map_update_elem that returned -E2BIG (as it starts), then the map and a count. */
export function mapFullWarning(map: string, count: bigint): string {
  return (
    `WARNING: Map full; can't update element. Try increasing max_map_keys config or manually ` +
    `setting the max entries in a map declaration e.g. \`let ${map} = hash(5000)\` ` +
    `(${map}: ${count} failed update${count === 1n ? "" : "s"})\n`
  );
}
