// /proc/PID/maps: which file (and file offset) each address of a process comes from.
//   55d1c0a00000-55d1c0a28000 r--p 00000000 08:01 1234   /usr/bin/python3.11

export interface MapsEntry {
  readonly start: bigint;
  readonly end: bigint;
  readonly perms: string;
  /** File offset of `start`. */
  readonly offset: bigint;
  readonly inode: number;
  /** The path, "[heap]"/"[vdso]"/... for special mappings, "" for anonymous ones. */
  readonly path: string;
  /** The file was deleted or replaced since it was mapped. */
  readonly deleted: boolean;
}

const LINE_RE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+\S+\s+(\d+)\s*(.*)$/;

export function parseMaps(text: string): MapsEntry[] {
  const out: MapsEntry[] = [];
  for (const line of text.split("\n")) {
    const m = LINE_RE.exec(line);
    if (!m) continue;
    let path = m[6] ?? "";
    const deleted = path.endsWith(" (deleted)");
    if (deleted) path = path.slice(0, -" (deleted)".length);
    out.push({
      start: BigInt(`0x${m[1]}`),
      end: BigInt(`0x${m[2]}`),
      perms: m[3]!,
      offset: BigInt(`0x${m[4]}`),
      inode: Number(m[5]),
      path,
      deleted,
    });
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** The mapping containing an address. */
export function findMapping(maps: readonly MapsEntry[], address: bigint): MapsEntry | undefined {
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const e = maps[mid]!;
    if (address < e.start) hi = mid - 1;
    else if (address >= e.end) lo = mid + 1;
    else return e;
  }
  return undefined;
}
