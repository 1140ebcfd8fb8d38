// Which processes a map's user stacks and usym values belong to: their pids sit in the
// key and value bytes (a ustack's high 32 bits, a usym's second u64). The session reads
// them while a program runs, to snapshot those processes' memory maps before they exit.
import { type MapInfo, keyLayout } from "../types/map-info.ts";
import { type Type, tupleLayout } from "../types/types.ts";

/** Byte offsets of the u32 pids inside a value of type `t` at `base`. */
export function pidOffsets(t: Type, base = 0): number[] {
  if (t.k === "stack" && t.user) return [base + 4];
  if (t.k === "sym" && t.user) return [base + 8];
  if (t.k === "tuple") {
    const { offsets } = tupleLayout(t.elements);
    return t.elements.flatMap((e, i) => pidOffsets(e, base + offsets[i]!));
  }
  return [];
}

/** Where the pids are in a map's keys and values; undefined when it holds none. */
export function mapPidOffsets(info: MapInfo): { key: number[]; value: number[] } | undefined {
  const layout = keyLayout(info);
  const key = info.keyTypes.flatMap((t, i) => pidOffsets(t, layout.offsets[i]!));
  const value = info.valueKind === "value" ? pidOffsets(info.valueType) : [];
  return key.length || value.length ? { key, value } : undefined;
}

/** Whether a map's keys or values are stacks of either kind (they refer to the stack map). */
export function holdsStacks(info: MapInfo): boolean {
  const has = (t: Type): boolean => t.k === "stack" || (t.k === "tuple" && t.elements.some(has));
  return info.keyTypes.some(has) || (info.valueKind === "value" && has(info.valueType));
}

/** The pids in raw entries, given their offsets. */
export function pidsIn(entries: Iterable<{ key: Uint8Array; value: Uint8Array }>, at: { key: number[]; value: number[] }): Set<number> {
  const out = new Set<number>();
  const read = (b: Uint8Array, off: number) => {
    if (off + 4 > b.byteLength) return;
    const pid = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true);
    if (pid > 0) out.add(pid);
  };
  for (const { key, value } of entries) {
    for (const o of at.key) read(key, o);
    for (const o of at.value) read(value, o);
  }
  return out;
}
