// A minimal ELF64 little-endian reader: header, program headers (for file offsets),
// section headers, symbols from .symtab and .dynsym, and notes. Pure: it reads the bytes
// it is handed. Layouts are <elf.h>'s Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr, Elf64_Sym.

export class ElfError extends Error {
  override readonly name = "ElfError";
}

/** e_type */
export const ElfType = { REL: 1, EXEC: 2, DYN: 3, CORE: 4 } as const; // ET_REL, ET_EXEC, ET_DYN, ET_CORE
/** p_type */
export const PT_LOAD = 1;
/** sh_type */
export const SHT = { SYMTAB: 2, STRTAB: 3, NOTE: 7, NOBITS: 8, DYNSYM: 11 } as const;
/** STT_* */
export const SymbolType = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, COMMON: 5, TLS: 6, GNU_IFUNC: 10 } as const;
const SHN_UNDEF = 0;
const SHN_XINDEX = 0xffff;

export interface Segment {
  readonly type: number;
  readonly flags: number; // PF_X 1, PF_W 2, PF_R 4
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

export interface Section {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly entsize: number;
}

export type SymbolKind = "notype" | "object" | "func" | "section" | "file" | "common" | "tls" | "ifunc" | "other";
export type SymbolBind = "local" | "global" | "weak" | "unique" | "other";

export interface ElfSymbol {
  readonly name: string;
  /** st_value: a virtual address in ET_EXEC and ET_DYN files. */
  readonly value: number;
  readonly size: number;
  readonly type: SymbolKind;
  readonly bind: SymbolBind;
  /** Index of the section it is defined in (0: undefined). */
  readonly section: number;
  /** Where it came from: a stripped binary still has .dynsym. */
  readonly table: "symtab" | "dynsym";
}

export interface ElfNote {
  readonly name: string;
  readonly type: number;
  readonly desc: Uint8Array;
}

const SYM_KIND: Record<number, SymbolKind> = { 0: "notype", 1: "object", 2: "func", 3: "section", 4: "file", 5: "common", 6: "tls", 10: "ifunc" };
const SYM_BIND: Record<number, SymbolBind> = { 0: "local", 1: "global", 2: "weak", 10: "unique" };

export class ElfFile {
  /** e_type: ET_EXEC (2) or ET_DYN (3: PIE executables and shared libraries), ... */
  readonly type: number;
  readonly machine: number; // EM_X86_64 62, EM_AARCH64 183
  readonly entry: number;
  readonly segments: readonly Segment[];
  readonly sections: readonly Section[];
  private readonly view: DataView;
  private symbolCache: readonly ElfSymbol[] | undefined;

  private constructor(readonly bytes: Uint8Array) {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = v;
    if (bytes.length < 64 || v.getUint32(0, false) !== 0x7f454c46) throw new ElfError("elf: not an ELF file");
    if (bytes[4] !== 2) throw new ElfError("elf: only 64-bit ELF files are supported"); // EI_CLASS = ELFCLASS64
    if (bytes[5] !== 1) throw new ElfError("elf: only little-endian ELF files are supported"); // EI_DATA = ELFDATA2LSB
    this.type = v.getUint16(16, true);
    this.machine = v.getUint16(18, true);
    this.entry = this.u64(24);
    const phoff = this.u64(32);
    const shoff = this.u64(40);
    const phentsize = v.getUint16(54, true);
    const phnum = v.getUint16(56, true);
    const shentsize = v.getUint16(58, true);
    let shnum = v.getUint16(60, true);
    let shstrndx = v.getUint16(62, true);

    const segments: Segment[] = [];
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      if (o + 56 > bytes.length) throw new ElfError("elf: program headers run past the end of the file");
      segments.push({
        type: v.getUint32(o, true),
        flags: v.getUint32(o + 4, true),
        offset: this.u64(o + 8),
        vaddr: this.u64(o + 16),
        filesz: this.u64(o + 32),
        memsz: this.u64(o + 40),
      });
    }
    this.segments = segments;

    // Extended numbering: more than 0xff00 sections keep the counts in section 0.
    if (shoff !== 0 && shoff + 64 <= bytes.length) {
      if (shnum === 0) shnum = this.u64(shoff + 32);
      if (shstrndx === SHN_XINDEX) shstrndx = v.getUint32(shoff + 40, true);
    } else {
      shnum = 0;
    }
    const raw: Omit<Section, "name">[] = [];
    const nameOffs: number[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      if (o + 64 > bytes.length) throw new ElfError("elf: section headers run past the end of the file");
      nameOffs.push(v.getUint32(o, true));
      raw.push({
        index: i,
        type: v.getUint32(o + 4, true),
        flags: this.u64(o + 8),
        addr: this.u64(o + 16),
        offset: this.u64(o + 24),
        size: this.u64(o + 32),
        link: v.getUint32(o + 40, true),
        entsize: this.u64(o + 56),
      });
    }
    const shstr = raw[shstrndx];
    this.sections = raw.map((s, i) => ({ ...s, name: shstr ? this.cstr(shstr.offset + nameOffs[i]!, shstr.offset + shstr.size) : "" }));
  }

  static parse(bytes: Uint8Array): ElfFile {
    return new ElfFile(bytes);
  }

  /** True for ET_DYN: a PIE executable or shared library, loaded at a base chosen at run time. */
  get isDyn(): boolean {
    return this.type === ElfType.DYN;
  }

  section(name: string): Section | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** Bytes of a section (empty for SHT_NOBITS). */
  sectionData(s: Section): Uint8Array {
    if (s.type === SHT.NOBITS) return new Uint8Array(0);
    if (s.offset + s.size > this.bytes.length) throw new ElfError(`elf: section ${s.name} runs past the end of the file`);
    return this.bytes.subarray(s.offset, s.offset + s.size);
  }

  /**
   * The file offset of a virtual address: vaddr - p_vaddr + p_offset of the PT_LOAD segment
   * that maps it. This is the offset a uprobe is attached at (and a USDT semaphore's
   * ref_ctr_offset; the kernel maps it back through the vma, so an address in the bss
   * tail of a segment works too). Undefined when no segment maps the address.
   */
  fileOffset(vaddr: number): number | undefined {
    for (const s of this.segments) {
      if (s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + Math.max(s.memsz, s.filesz)) return vaddr - s.vaddr + s.offset;
    }
    // Files without program headers (ET_REL): fall back to the section that holds it.
    for (const s of this.sections) {
      if (s.addr !== 0 && s.type !== SHT.NOBITS && vaddr >= s.addr && vaddr < s.addr + s.size) return vaddr - s.addr + s.offset;
    }
    return undefined;
  }

  /** The virtual address a file offset is loaded at (fileOffset's inverse), through its PT_LOAD segment. */
  vaddrOf(offset: number): number | undefined {
    for (const s of this.segments) {
      if (s.type === PT_LOAD && offset >= s.offset && offset < s.offset + s.filesz) return offset - s.offset + s.vaddr;
    }
    return undefined;
  }

  /** Every symbol of .symtab and .dynsym (.symtab first), undefined and empty names dropped. */
  symbols(): readonly ElfSymbol[] {
    if (this.symbolCache) return this.symbolCache;
    const out: ElfSymbol[] = [];
    for (const s of this.sections) {
      if (s.type !== SHT.SYMTAB && s.type !== SHT.DYNSYM) continue;
      const strtab = this.sections[s.link];
      if (!strtab) continue;
      const table = s.type === SHT.SYMTAB ? "symtab" : "dynsym";
      const ent = s.entsize || 24;
      const strEnd = strtab.offset + strtab.size;
      for (let o = s.offset + ent; o + 24 <= s.offset + s.size; o += ent) {
        const shndx = this.view.getUint16(o + 6, true);
        if (shndx === SHN_UNDEF) continue;
        const nameOff = this.view.getUint32(o, true);
        if (nameOff === 0) continue;
        const info = this.view.getUint8(o + 4);
        out.push({
          name: this.cstr(strtab.offset + nameOff, strEnd),
          value: this.u64(o + 8),
          size: this.u64(o + 16),
          type: SYM_KIND[info & 0xf] ?? "other",
          bind: SYM_BIND[info >> 4] ?? "other",
          section: shndx,
          table,
        });
      }
    }
    out.sort((a, b) => (a.table === b.table ? 0 : a.table === "symtab" ? -1 : 1));
    this.symbolCache = out;
    return out;
  }

  /** The notes of one section (or of all SHT_NOTE sections). */
  notes(sectionName?: string): ElfNote[] {
    const out: ElfNote[] = [];
    for (const s of this.sections) {
      if (s.type !== SHT.NOTE || (sectionName !== undefined && s.name !== sectionName)) continue;
      const end = s.offset + s.size;
      let o = s.offset;
      while (o + 12 <= end) {
        const namesz = this.view.getUint32(o, true);
        const descsz = this.view.getUint32(o + 4, true);
        const type = this.view.getUint32(o + 8, true);
        const nameAt = o + 12;
        const descAt = nameAt + align4(namesz);
        if (descAt + descsz > end) break;
        out.push({ name: this.cstr(nameAt, nameAt + namesz), type, desc: this.bytes.subarray(descAt, descAt + descsz) });
        o = descAt + align4(descsz);
      }
    }
    return out;
  }

  private u64(o: number): number {
    const lo = this.view.getUint32(o, true);
    const hi = this.view.getUint32(o + 4, true);
    // Addresses in user-space binaries fit in 53 bits; kernel-half values lose low bits.
    return hi * 0x1_0000_0000 + lo;
  }

  private cstr(start: number, limit: number): string {
    let end = start;
    const max = Math.min(limit, this.bytes.length);
    while (end < max && this.bytes[end] !== 0) end++;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, end - start).toString("utf8");
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
