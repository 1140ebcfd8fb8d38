// "Map full" counting: an update of a user map that fails with -E2BIG (a hash map at its
// max_entries) bumps that map's slot of the DROPS_MAP counters, the way lost ring-buffer
// events bump slot 0 (generator.output). The runtime reads the slots when the run ends and
// warns once per map, in bpftrace's words (bpf/runtime/map-full.ts).
import { asm, R0, R1, R2, R10, H } from "../asm/index.ts";
import type { GenContext } from "./emit-context.ts";
import { DROPS_MAP } from "../types/internal-maps.ts";

/** -E2BIG: what bpf_map_update_elem returns for a new key in a full hash map. */
const E2BIG = 7;

/** The DROPS_MAP slot of a user map: 1 + its index among the program's maps. */
export function mapFullSlot(mapNames: Iterable<string>, name: string): number {
  return [...mapNames].indexOf(name) + 1;
}

/** After a map_update_elem call (its result in r0): count -E2BIG in the map's slot. */
export function countMapFull(g: GenContext, map: string): void {
  const slot = mapFullSlot(g.shared.maps.keys(), map);
  if (slot === 0) return;
  const { e } = g;
  const done = e.label("full_ok");
  e.emit(asm.jneImm(R0, -E2BIG, done));
  const key = g.frame.alloc(8);
  e.emit(asm.st(4, R10, key, slot), asm.ldMapFd(R1, DROPS_MAP));
  e.stackAddr(R2, key);
  e.emit(asm.call(H.map_lookup_elem), asm.jeqImm(R0, 0, done), asm.movImm(R1, 1), asm.atomic("add", 8, R0, 0, R1));
  e.place(done);
  g.placeNop();
}
