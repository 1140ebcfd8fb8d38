// User-space symbolisation for ustack: an address in a process → the mapping's file →
// the ELF virtual address → the function containing it. Pure given its inputs (the maps
// text and a way to read files); `forPid` wires it to /proc.
import { readFileSync } from "node:fs";
import { ElfFile } from "../elf/elf-file.ts";
import { AddressIndex } from "../elf/symbols.ts";
import { findMapping, parseMaps, type MapsEntry } from "./proc-maps.ts";

export interface UserFrame {
  readonly address: bigint;
  /** The mapped file ("" for anonymous memory, "[vdso]" etc. for special mappings). */
  readonly path: string;
  readonly symbol?: string;
  /** Offset into the symbol. */
  readonly offset?: number;
}

/** Reads a file of the target process's view (e.g. through /proc/PID/root). */
export type FileReader = (path: string) => Uint8Array | undefined;

interface Loaded {
  readonly elf: ElfFile;
  readonly index: AddressIndex;
}

export class UserSymbolizer {
  private readonly maps: readonly MapsEntry[];
  private readonly files = new Map<string, Loaded | null>();

  constructor(mapsText: string, private readonly read: FileReader) {
    this.maps = parseMaps(mapsText);
  }

  /** A symbolizer for a live process: /proc/PID/maps, files read through /proc/PID/root. */
  static forPid(pid: number): UserSymbolizer {
    const maps = readFileSync(`/proc/${pid}/maps`, "utf8");
    return new UserSymbolizer(maps, (path) => {
      for (const p of [`/proc/${pid}/root${path}`, path]) {
        try {
          return readFileSync(p);
        } catch {
          // try the next
        }
      }
      return undefined;
    });
  }

  resolve(address: bigint): UserFrame {
    const m = findMapping(this.maps, address);
    if (!m || m.path === "" || m.path.startsWith("[")) return { address, path: m?.path ?? "" };
    const loaded = this.load(m.path);
    if (!loaded) return { address, path: m.path };
    // Mapping → file offset → the ELF's virtual address (through the segment holding it).
    const fileOffset = Number(address - m.start + m.offset);
    const seg = loaded.elf.segments.find((s) => s.type === 1 && fileOffset >= s.offset && fileOffset < s.offset + s.filesz);
    if (!seg) return { address, path: m.path };
    const hit = loaded.index.lookup(fileOffset - seg.offset + seg.vaddr);
    if (!hit) return { address, path: m.path };
    return { address, path: m.path, symbol: hit.symbol.name, offset: hit.offset };
  }

  /** "PyEval_EvalFrameDefault+123", the symbol alone at offset 0, or "0x7f..." when unknown. */
  format(address: bigint): string {
    const f = this.resolve(address);
    if (f.symbol === undefined) return `0x${address.toString(16)}`;
    return f.offset ? `${f.symbol}+${f.offset}` : f.symbol;
  }

  private load(path: string): Loaded | undefined {
    const hit = this.files.get(path);
    if (hit !== undefined) return hit ?? undefined;
    let loaded: Loaded | null = null;
    try {
      const bytes = this.read(path);
      if (bytes) {
        const elf = ElfFile.parse(bytes);
        loaded = { elf, index: new AddressIndex(elf.symbols()) };
      }
    } catch {
      loaded = null; // not an ELF file, or unreadable: frames stay addresses
    }
    this.files.set(path, loaded);
    return loaded ?? undefined;
  }
}
