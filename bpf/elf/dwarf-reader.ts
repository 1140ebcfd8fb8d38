// A cursor over DWARF section bytes (little-endian): fixed-size integers, LEB128, C strings,
// and the attribute forms the line and info readers share. Throws DwarfError past the end.

/**
 * Larger .debug_info/.debug_line sections are not read: the first stack of a file reads its
 * DWARF while the kernel waits (about 0.3 s each for 3.3 MB of .debug_info and 1.7 MB of
 * .debug_line, a 20,000-function gcc -O2 -g build, on the 2-CPU test VM).
 */
import type { ElfFile } from "./elf-file.ts";

export const MAX_DWARF_SECTION = 64 << 20;

export class DwarfError extends Error {
  override name = "DwarfError";
}

export class DwarfCursor {
  private readonly v: DataView;
  pos: number;

  constructor(readonly bytes: Uint8Array, pos = 0) {
    this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.length) throw new DwarfError(`dwarf: read of ${n} bytes at ${at} runs past the end (${this.bytes.length})`);
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.v.getUint8(this.need(1));
  }
  i8(): number {
    return this.v.getInt8(this.need(1));
  }
  u16(): number {
    return this.v.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.v.getUint32(this.need(4), true);
  }
  u64(): number {
    const at = this.need(8);
    return this.v.getUint32(at, true) + this.v.getUint32(at + 4, true) * 2 ** 32;
  }
  /** An unsigned integer of `size` bytes (1, 2, 4 or 8). */
  uint(size: number): number {
    if (size === 1) return this.u8();
    if (size === 2) return this.u16();
    if (size === 4) return this.u32();
    if (size === 8) return this.u64();
    throw new DwarfError(`dwarf: unsupported integer size ${size}`);
  }
  uleb(): number {
    return this.leb(false);
  }
  sleb(): number {
    return this.leb(true);
  }
  private leb(signed: boolean): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return signed && b & 0x40 ? result - mul : result;
    }
  }
  cstr(): string {
    const start = this.pos;
    let end = start;
    while (end < this.bytes.length && this.bytes[end] !== 0) end++;
    if (end >= this.bytes.length) throw new DwarfError(`dwarf: unterminated string at ${start}`);
    this.pos = end + 1;
    return Buffer.from(this.bytes.subarray(start, end)).toString("utf8");
  }
  skip(n: number): void {
    this.need(n);
  }

  /** A unit's initial length: the length and the size of offsets (4, or 8 for 64-bit DWARF). */
  unitLength(): { length: number; offsetSize: number } {
    const l = this.u32();
    if (l === 0xffffffff) return { length: this.u64(), offsetSize: 8 };
    return { length: l, offsetSize: 4 };
  }
}

/** The bytes of section `name`; undefined when the file has none. */
export function sectionBytes(elf: ElfFile, name: string): Uint8Array | undefined {
  const s = elf.section(name);
  return s ? elf.sectionData(s) : undefined;
}

/** A string form's text: DW_FORM_line_strp in .debug_line_str, the others in .debug_str. */
export type DwarfStrings = (form: number, offset: number) => string | undefined;

export function debugStrings(elf: ElfFile): DwarfStrings {
  const str = sectionBytes(elf, ".debug_str");
  const lineStr = sectionBytes(elf, ".debug_line_str");
  return (form, offset) => stringAt(form === Form.line_strp ? lineStr : str, offset);
}

/**
 * The units of a .debug_info or .debug_line section, each with its start, its offset size
 * and a cursor just after its length that cannot read past its end; a unit longer than the
 * section ends the walk.
 */
export function* unitsOf(data: Uint8Array): Generator<{ start: number; offsetSize: number; cursor: DwarfCursor }> {
  const c = new DwarfCursor(data);
  while (c.pos + 4 <= data.length) {
    const start = c.pos;
    const { length, offsetSize } = c.unitLength();
    const end = c.pos + length;
    if (end > data.length) return;
    yield { start, offsetSize, cursor: new DwarfCursor(data.subarray(0, end), c.pos) };
    c.pos = end;
  }
}

/** The NUL-terminated string at `offset` of a string section (.debug_str, .debug_line_str). */
export function stringAt(section: Uint8Array | undefined, offset: number): string | undefined {
  if (!section || offset >= section.length) return undefined;
  const c = new DwarfCursor(section, offset);
  try {
    return c.cstr();
  } catch {
    return undefined;
  }
}

// DW_FORM_* (DWARF 5 section 7.5.6)
export const Form = {
  addr: 0x01,
  block2: 0x03,
  block4: 0x04,
  data2: 0x05,
  data4: 0x06,
  data8: 0x07,
  string: 0x08,
  block: 0x09,
  block1: 0x0a,
  data1: 0x0b,
  flag: 0x0c,
  sdata: 0x0d,
  strp: 0x0e,
  udata: 0x0f,
  ref_addr: 0x10,
  ref1: 0x11,
  ref2: 0x12,
  ref4: 0x13,
  ref8: 0x14,
  ref_udata: 0x15,
  indirect: 0x16,
  sec_offset: 0x17,
  exprloc: 0x18,
  flag_present: 0x19,
  strx: 0x1a,
  addrx: 0x1b,
  ref_sup4: 0x1c,
  strp_sup: 0x1d,
  data16: 0x1e,
  line_strp: 0x1f,
  ref_sig8: 0x20,
  implicit_const: 0x21,
  loclistx: 0x22,
  rnglistx: 0x23,
  ref_sup8: 0x24,
  strx1: 0x25,
  strx2: 0x26,
  strx3: 0x27,
  strx4: 0x28,
  addrx1: 0x29,
  addrx2: 0x2a,
  addrx3: 0x2b,
  addrx4: 0x2c,
} as const;

/** What a unit's attribute values need to be read. */
export interface UnitShape {
  readonly offsetSize: number;
  readonly addressSize: number;
  readonly version: number;
}

/** An attribute value: a number, a string (inline or through a string section), or bytes (blocks, data16). */
export type FormValue = number | string | Uint8Array;

/**
 * Reads a value of `form`. Strings held in a string section are looked up through
 * `strings`; ref forms come back as the offset within the unit (ref_addr: within the section).
 */
export function readForm(c: DwarfCursor, form: number, u: UnitShape, strings: DwarfStrings, implicit?: number): FormValue {
  switch (form) {
    case Form.addr:
      return c.uint(u.addressSize);
    case Form.data1:
    case Form.ref1:
    case Form.flag:
    case Form.strx1:
    case Form.addrx1:
      return c.u8();
    case Form.data2:
    case Form.ref2:
    case Form.strx2:
    case Form.addrx2:
      return c.u16();
    case Form.strx3:
    case Form.addrx3:
      return c.u16() + c.u8() * 65536;
    case Form.data4:
    case Form.ref4:
    case Form.ref_sup4:
    case Form.strx4:
    case Form.addrx4:
      return c.u32();
    case Form.data8:
    case Form.ref8:
    case Form.ref_sig8:
    case Form.ref_sup8:
      return c.u64();
    case Form.data16:
      return c.bytes.subarray(c.pos, (c.skip(16), c.pos));
    case Form.sdata:
      return c.sleb();
    case Form.udata:
    case Form.ref_udata:
    case Form.strx:
    case Form.addrx:
    case Form.loclistx:
    case Form.rnglistx:
      return c.uleb();
    case Form.string:
      return c.cstr();
    case Form.strp:
    case Form.line_strp:
    case Form.strp_sup: {
      const off = c.uint(u.offsetSize);
      return strings(form, off) ?? "";
    }
    case Form.ref_addr:
      return c.uint(u.version <= 2 ? u.addressSize : u.offsetSize);
    case Form.sec_offset:
      return c.uint(u.offsetSize);
    case Form.flag_present:
      return 1;
    case Form.implicit_const:
      return implicit ?? 0;
    case Form.block1:
      return block(c, c.u8());
    case Form.block2:
      return block(c, c.u16());
    case Form.block4:
      return block(c, c.u32());
    case Form.block:
    case Form.exprloc:
      return block(c, c.uleb());
    case Form.indirect:
      return readForm(c, c.uleb(), u, strings, implicit);
    default:
      throw new DwarfError(`dwarf: unsupported attribute form 0x${form.toString(16)}`);
  }
}

function block(c: DwarfCursor, n: number): Uint8Array {
  const at = c.pos;
  c.skip(n);
  return c.bytes.subarray(at, at + n);
}
