// User-space symbolisation for ustack: an address in a process → the mapping's file →
// the ELF virtual address → the function containing it. Pure given its inputs (the maps
// text and a way to read files); `forPid` wires it to /proc.
import { readFileSync } from "node:fs";
import { ElfFile, type ElfSymbol } from "../elf/elf-file.ts";

import { AddressIndex } from "../elf/symbols.ts";
import { readLineTable, type LineTable, type SourceLine } from "../elf/dwarf-line.ts";
import { compDirs, readInlineTable, type InlineTable } from "../elf/dwarf-info.ts";
import { findMapping, parseMaps, type MapsEntry } from "./proc-maps.ts";

const NT_GNU_BUILD_ID = 3;
const ET_EXEC = 2;
const PT_LOAD = 1;

export interface UserFrame {
  readonly address: bigint;
  /** The mapped file ("" for anonymous memory, "[vdso]" etc. for special mappings). */
  readonly path: string;
  readonly symbol?: string;
  /** Offset into the symbol. */
  readonly offset?: number;
  /** The source file and line of the address, from the file's DWARF line table (when asked for and present). */
  readonly source?: SourceLine;
  /**
   * Functions inlined at the address, innermost first, each with the line it is at (the
   * line table's for the innermost, its callee's call site for the others); `source` is
   * then the outermost inlined call's site.
   */
  readonly inlined?: readonly { readonly name: string; readonly source?: SourceLine }[];
}

/** Reads a file of the target process's view (e.g. through /proc/PID/root). */
export type FileReader = (path: string) => Uint8Array | undefined;

export interface LoadedElf {
  readonly elf: ElfFile;
  readonly index: AddressIndex;
  /** The .debug_line table, read the first time a frame asks for its line (null: none). */
  lines?: LineTable | null;
  /** The inlined calls of .debug_info, read with the lines (null: none). */
  inlines?: InlineTable | null;
}

/** Parsed ELF files by path, shared by the symbolizers of several processes. */
export type ElfCache = Map<string, LoadedElf | null>;

export class UserSymbolizer {
  private readonly maps: readonly MapsEntry[];

  constructor(
    mapsText: string,
    private readonly read: FileReader,
    private readonly files: ElfCache = new Map(),
  ) {
    this.maps = parseMaps(mapsText);
  }

  /**
   * A symbolizer for a live process: /proc/PID/maps (read now: the process may exit
   * later and its frames must still resolve), files read through /proc/PID/root.
   */
  static forPid(pid: number, files?: ElfCache): UserSymbolizer {
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
    }, files);
  }

  /** The frame of `address`; with `debugInfo`, its source line too. */
  resolve(address: bigint, debugInfo = false): UserFrame {
    const m = findMapping(this.maps, address);
    if (!m || m.path === "" || m.path.startsWith("[")) return { address, path: m?.path ?? "" };
    const loaded = this.load(m.path);
    if (!loaded) return { address, path: m.path };
    // Mapping → file offset → the ELF's virtual address (through the segment holding it).
    const fileOffset = Number(address - m.start + m.offset);
    const seg = loaded.elf.segments.find((s) => s.type === PT_LOAD && fileOffset >= s.offset && fileOffset < s.offset + s.filesz);
    if (!seg) return { address, path: m.path };
    const vaddr = fileOffset - seg.offset + seg.vaddr;
    const hit = loaded.index.lookup(vaddr);
    if (!hit) return { address, path: m.path };
    return withSource({ address, path: m.path, symbol: hit.symbol.name, offset: hit.offset }, loaded, vaddr, debugInfo);
  }

  /** "PyEval_EvalFrameDefault+123", the symbol alone at offset 0, or "0x7f..." when unknown. */
  format(address: bigint): string {
    const f = this.resolve(address);
    if (f.symbol === undefined) return `0x${address.toString(16)}`;
    return f.offset ? `${f.symbol}+${f.offset}` : f.symbol;
  }

  private load(path: string): LoadedElf | undefined {
    return loadElf(path, this.read, this.files);
  }

  /**
   * An address of a process whose maps were never read (it exited before its event was
   * read), in one of `paths`: a non-PIE executable (ET_EXEC) is loaded at its link
   * addresses, so the address alone names the function, as bpftrace's per-program symbol
   * cache finds it. PIE files and libraries need the maps and stay unresolved.
   */
  static inExecutables(address: bigint, paths: readonly string[], read: FileReader, files: ElfCache, debugInfo = false): UserFrame | undefined {
    for (const path of paths) {
      const loaded = loadElf(path, read, files);
      if (!loaded || loaded.elf.type !== ET_EXEC) continue;
      const a = Number(address);
      if (!loaded.elf.segments.some((s) => s.type === PT_LOAD && a >= s.vaddr && a < s.vaddr + s.memsz)) continue;
      const hit = loaded.index.lookup(a);
      if (hit) return withSource({ address, path, symbol: hit.symbol.name, offset: hit.offset }, loaded, a, debugInfo);
    }
    return undefined;
  }
}

function withSource(frame: UserFrame, loaded: LoadedElf, vaddr: number, debugInfo: boolean): UserFrame {
  if (!debugInfo) return frame;
  if (loaded.lines === undefined) {
    try {
      loaded.lines = readLineTable(loaded.elf, compDirs(loaded.elf)) ?? null;
    } catch {
      loaded.lines = null; // malformed DWARF: frames go without lines
    }
    try {
      loaded.inlines = readInlineTable(loaded.elf, loaded.lines ?? undefined) ?? null;
    } catch {
      loaded.inlines = null;
    }
  }
  let source = loaded.lines?.lookup(vaddr);
  const calls = loaded.inlines?.lookup(vaddr) ?? [];
  if (calls.length === 0) return source ? { ...frame, source } : frame;
  // innermost first: each inlined function is at the line its callee was called from
  const inlined: { name: string; source?: SourceLine }[] = [];
  for (let i = calls.length - 1; i >= 0; i--) {
    inlined.push({ name: calls[i]!.name, ...(source && { source }) });
    source = calls[i]!.call;
  }
  return { ...frame, inlined, ...(source && { source }) };
}

/** .symtab of /usr/lib/debug/.build-id/NN/REST.debug when the file has no .symtab. */
function debugSymbols(elf: ElfFile, read: FileReader): readonly ElfSymbol[] | undefined {
  if (elf.section(".symtab")) return undefined;
  const id = elf.notes(".note.gnu.build-id").find((n) => n.name === "GNU" && n.type === NT_GNU_BUILD_ID);
  if (!id || id.desc.length < 2) return undefined;
  const hex = Buffer.from(id.desc).toString("hex");
  const bytes = read(`/usr/lib/debug/.build-id/${hex.slice(0, 2)}/${hex.slice(2)}.debug`);
  if (!bytes) return undefined;
  try {
    return ElfFile.parse(bytes).symbols().filter((s) => s.table === "symtab");
  } catch {
    return undefined;
  }
}

function loadElf(path: string, read: FileReader, files: ElfCache): LoadedElf | undefined {
  const hit = files.get(path);
  if (hit !== undefined) return hit ?? undefined;
  let loaded: LoadedElf | null = null;
  try {
    const bytes = read(path);
    if (bytes) {
      const elf = ElfFile.parse(bytes);
      // A stripped library's local functions (__libc_start_call_main) are in its
      // detached debug file, found by build id as bcc finds it.
      const debug = debugSymbols(elf, read);
      loaded = { elf, index: new AddressIndex(debug ? [...elf.symbols(), ...debug] : elf.symbols()) };
    }
  } catch {
    loaded = null; // not an ELF file, or unreadable: frames stay addresses
  }
  files.set(path, loaded);
  return loaded ?? undefined;
}
