// syscall_name() and strerror() as bpftrace's stdlib computes them (src/stdlib/strings.bt):
// a string[64] copied in the kernel from a constant table — here one BPF array map per
// table, filled when the program is loaded — indexed by the number (strerror takes the
// absolute value). Numbers outside the table, or without a name, read "Unknown syscall" /
// "Unknown error". The result is an ordinary string: it compares with "read", keys maps.
import { asm, R0, R1, R2, R10, H } from "../asm/index.ts";
import { MapType } from "../types/abi.ts";
import { ERRNO_NAMES, SYSCALL_NAMES } from "../maps/name-tables.ts";
import type { GenContext } from "./emit-context.ts";
import type { MapSpec } from "./spec.ts";
import type * as A from "../lang/ast.ts";

/** bpftrace's string[64] for these names. */
export const NAME_STRLEN = 64;

type Table = "syscall_name" | "strerror";

const TABLES: Record<Table, { map: string; unknown: string; names: () => ReadonlyMap<number, string> }> = {
  syscall_name: { map: "__syscall_names", unknown: "Unknown syscall", names: () => SYSCALL_NAMES },
  strerror: { map: "__errno_names", unknown: "Unknown error", names: () => new Map([...ERRNO_NAMES].map(([n, [, msg]]) => [n, msg])) },
};

export function isNameTableCall(callee: string): callee is Table {
  return callee === "syscall_name" || callee === "strerror";
}

/** The kernel map of a table, with its values: entry n is the name of n, NUL-padded. */
export function nameTableMap(table: Table): MapSpec & { readonly init: readonly Uint8Array[] } {
  const { map, unknown, names } = TABLES[table];
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
export function nameTablesUsed(mapRefs: ReadonlySet<string>): Table[] {
  return (Object.keys(TABLES) as Table[]).filter((t) => mapRefs.has(TABLES[t].map));
}

/** Write the name of `x.args[0]` (as a C int) into the string slot at r10+off. */
export function emitTableName(g: GenContext, x: A.CallExpr, table: Table, off: number): void {
  const { e } = g;
  const { map, unknown } = TABLES[table];
  const key = g.frame.alloc(8);
  const miss = e.label("nt_miss");
  const done = e.label("nt_done");
  g.scalar(x.args[0]!);
  e.emit(asm.lshImm(R0, 32), asm.arshImm(R0, 32)); // bpftrace casts the argument to int32
  if (table === "strerror") {
    const pos = e.label("nt_pos");
    e.emit(asm.jsgeImm(R0, 0, pos), asm.neg(R0));
    e.place(pos);
  }
  e.emit(asm.stx(4, R10, key, R0), asm.ldMapFd(R1, map));
  e.stackAddr(R2, key);
  e.emit(asm.call(H.map_lookup_elem), asm.jeqImm(R0, 0, miss));
  for (let i = 0; i < NAME_STRLEN; i += 8) e.emit(asm.ldx(8, R1, R0, i), asm.stx(8, R10, off + i, R1));
  e.emit(asm.ja(done));
  e.place(miss);
  e.storeBytes(off, Buffer.from(unknown), NAME_STRLEN);
  e.place(done);
  g.placeNop();
}
