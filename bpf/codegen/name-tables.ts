// The kernel maps behind syscall_name() and strerror() (bpf/functions/names.ts): one BPF
// array map per table, entry n the name of n, added to a compile whose programs use it.
import { MapType } from "../types/abi.ts";
import { NAME_STRLEN, NAME_TABLES, type NameTable } from "../functions/names.ts";
import type { MapSpec } from "./spec.ts";

/** The kernel map of a table, with its values: entry n is the name of n, NUL-padded. */
export function nameTableMap(table: NameTable): MapSpec & { readonly init: readonly Uint8Array[] } {
  const { map, unknown, names } = NAME_TABLES[table];
  const all = names();
  const count = Math.max(...all.keys()) + 1;
  const init = Array.from({ length: count }, (_, n) => {
    const v = new Uint8Array(NAME_STRLEN);
    v.set(Buffer.from((all.get(n) ?? unknown).slice(0, NAME_STRLEN - 1)));
    return v;
  });
  return { name: map, type: MapType.ARRAY, keySize: 4, valueSize: NAME_STRLEN, maxEntries: count, init };
}

/** The tables whose maps `insns` refer to. */
export function nameTablesUsed(mapRefs: ReadonlySet<string>): NameTable[] {
  return (Object.keys(NAME_TABLES) as NameTable[]).filter((t) => mapRefs.has(NAME_TABLES[t].map));
}
