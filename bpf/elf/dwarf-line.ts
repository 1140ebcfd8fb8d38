// .debug_line: the line-number programs of DWARF 2-5 (as gcc emits them), run into a table
// of address ranges → source file and line, for ustack's `func+off@file:line` frames.
// Only the file's own sections are read (no separate debug files).
import type { ElfFile } from "./elf-file.ts";
import { debugStrings, DwarfCursor, type DwarfStrings, MAX_DWARF_SECTION, readForm, unitsOf, type UnitShape } from "./dwarf-reader.ts";

export interface SourceLine {
  readonly file: string;
  readonly line: number;
}

interface LineRange extends SourceLine {
  readonly start: number;
  readonly end: number;
}

// DW_LNCT_*
const LNCT_PATH = 1;
const LNCT_DIRECTORY_INDEX = 2;

export class LineTable {
  private readonly ranges: readonly LineRange[];

  constructor(
    ranges: LineRange[],
    private readonly files: ReadonlyMap<number, readonly string[]> = new Map(),
  ) {
    this.ranges = ranges.sort((a, b) => a.start - b.start);
  }

  /** The file names of the line program at `offset` of .debug_line (a unit's DW_AT_stmt_list), by their number. */
  filesOf(offset: number): readonly string[] | undefined {
    return this.files.get(offset);
  }

  get size(): number {
    return this.ranges.length;
  }

  /** The file and line of the instruction at `address` (a link-time virtual address). */
  lookup(address: number): SourceLine | undefined {
    const r = this.ranges;
    let lo = 0;
    let hi = r.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid]!.start <= address) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0 || address >= r[best]!.end) return undefined;
    return { file: r[best]!.file, line: r[best]!.line };
  }
}

/**
 * The line table of an ELF file's .debug_line; undefined when it has none. `compDirs`: the
 * units' compilation directories by line program offset (dwarf-info.ts's compDirs), which
 * relative names of DWARF 2-4 programs are in.
 */
export function readLineTable(elf: ElfFile, compDirs: ReadonlyMap<number, string> = new Map()): LineTable | undefined {
  const sec = elf.section(".debug_line");
  if (!sec || sec.size > MAX_DWARF_SECTION) return undefined;
  const strings = debugStrings(elf);
  const ranges: LineRange[] = [];
  const files = new Map<number, readonly string[]>();
  for (const { start, offsetSize, cursor } of unitsOf(elf.sectionData(sec))) {
    files.set(start, runUnit(cursor, offsetSize, strings, compDirs.get(start) ?? "", ranges));
  }
  return new LineTable(ranges, files);
}

/** Runs one unit's line program into `out`; returns its file names by number. */
function runUnit(c: DwarfCursor, offsetSize: number, strings: DwarfStrings, compDir: string, out: LineRange[]): string[] {
  const version = c.u16();
  let addressSize = 8;
  if (version >= 5) {
    addressSize = c.u8();
    c.u8(); // segment_selector_size
  }
  const headerLength = c.uint(offsetSize);
  const programStart = c.pos + headerLength;
  const minInst = c.u8();
  if (version >= 4) c.u8(); // maximum_operations_per_instruction: 1 outside VLIW machines
  c.u8(); // default_is_stmt: every row is printed alike
  const lineBase = c.i8();
  const lineRange = c.u8();
  const opcodeBase = c.u8();
  const opLengths: number[] = [];
  for (let i = 1; i < opcodeBase; i++) opLengths.push(c.u8());
  const u: UnitShape = { offsetSize, addressSize, version };

  // Files by their number in the program: 1-based before DWARF 5, 0-based since.
  const files: string[] = [];
  if (version >= 5) {
    const dirs = entries(c, u, strings).map((e) => e.path);
    const compDir = dirs[0] ?? "";
    for (const e of entries(c, u, strings)) files.push(joinPath(resolveDir(dirs[e.dir] ?? "", compDir), e.path));
  } else {
    const dirs = [compDir];
    for (let d = c.cstr(); d !== ""; d = c.cstr()) dirs.push(resolveDir(d, compDir));
    files.push("");
    for (let f = c.cstr(); f !== ""; f = c.cstr()) {
      const dir = c.uleb();
      c.uleb(); // mtime
      c.uleb(); // length
      files.push(joinPath(dirs[dir] ?? "", f));
    }
  }
  c.pos = programStart;

  let address = 0;
  let file = 1;
  let line = 1;
  let seq: { address: number; file: number; line: number }[] = [];
  const row = () => seq.push({ address, file, line });
  const endSequence = () => {
    row();
    for (let i = 0; i + 1 < seq.length; i++) {
      const a = seq[i]!;
      const b = seq[i + 1]!;
      if (b.address > a.address) out.push({ start: a.address, end: b.address, file: files[a.file] ?? "", line: a.line });
    }
    seq = [];
    address = 0;
    file = 1;
    line = 1;
  };

  while (!c.atEnd) {
    const op = c.u8();
    if (op >= opcodeBase) {
      const adjusted = op - opcodeBase;
      address += Math.floor(adjusted / lineRange) * minInst;
      line += lineBase + (adjusted % lineRange);
      row();
      continue;
    }
    switch (op) {
      case 0: {
        const len = c.uleb();
        const next = c.pos + len;
        const sub = len > 0 ? c.u8() : 0;
        if (sub === 1) endSequence();
        else if (sub === 2) address = c.uint(len - 1);
        c.pos = next; // DW_LNE_define_file, set_discriminator and vendor opcodes change nothing we print
        break;
      }
      case 1: // DW_LNS_copy
        row();
        break;
      case 2: // advance_pc
        address += c.uleb() * minInst;
        break;
      case 3: // advance_line
        line += c.sleb();
        break;
      case 4: // set_file
        file = c.uleb();
        break;
      case 8: // const_add_pc
        address += Math.floor((255 - opcodeBase) / lineRange) * minInst;
        break;
      case 9: // fixed_advance_pc
        address += c.u16();
        break;
      case 6: // negate_stmt
      case 7: // set_basic_block
      case 10: // set_prologue_end
      case 11: // set_epilogue_begin
        break;
      default:
        // set_column, set_isa and opcodes this reader does not know: skip their ULEB operands
        for (let i = 0; i < (opLengths[op - 1] ?? 0); i++) c.uleb();
    }
  }
  return files;
}

/** A DWARF 5 directory or file name table: entries described by (content type, form) pairs. */
function entries(c: DwarfCursor, u: UnitShape, strings: (form: number, off: number) => string | undefined): { path: string; dir: number }[] {
  const formats: [number, number][] = [];
  const nFormats = c.u8();
  for (let i = 0; i < nFormats; i++) formats.push([c.uleb(), c.uleb()]);
  const count = c.uleb();
  const out: { path: string; dir: number }[] = [];
  for (let i = 0; i < count; i++) {
    let path = "";
    let dir = 0;
    for (const [type, form] of formats) {
      const v = readForm(c, form, u, strings);
      if (type === LNCT_PATH && typeof v === "string") path = v;
      else if (type === LNCT_DIRECTORY_INDEX && typeof v === "number") dir = v;
    }
    out.push({ path, dir });
  }
  return out;
}

function resolveDir(dir: string, compDir: string): string {
  if (dir === "" || dir.startsWith("/") || compDir === "" || dir === compDir) return dir;
  return `${compDir}/${dir}`;
}

function joinPath(dir: string, file: string): string {
  if (file.startsWith("/") || dir === "") return file;
  return `${dir}/${file}`;
}
