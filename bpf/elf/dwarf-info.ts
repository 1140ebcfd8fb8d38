// .debug_info/.debug_abbrev: the inlined calls (DW_TAG_inlined_subroutine) covering an
// address, outermost first, with the function each inlines (through abstract_origin) and
// the file and line it was called from, for ustack's `[inlined] name@file:line` frames.
// Only units of DWARF 2-5 compile type in the file itself are read.
import type { ElfFile } from "./elf-file.ts";
import { debugStrings, DwarfCursor, type DwarfStrings, Form, MAX_DWARF_SECTION, readForm, sectionBytes, unitsOf, type FormValue, type UnitShape } from "./dwarf-reader.ts";
import type { LineTable, SourceLine } from "./dwarf-line.ts";

// DW_TAG_*, DW_AT_* (DWARF 5 sections 7.5.3, 7.5.4)
const TAG_INLINED_SUBROUTINE = 0x1d;
const AT_NAME = 0x03;
const AT_COMP_DIR = 0x1b;
const AT_STMT_LIST = 0x10;
const AT_LOW_PC = 0x11;
const AT_HIGH_PC = 0x12;
const AT_SPECIFICATION = 0x47;
const AT_ABSTRACT_ORIGIN = 0x31;
const AT_CALL_FILE = 0x58;
const AT_CALL_LINE = 0x59;
const AT_RANGES = 0x55;
// DW_UT_compile, DW_UT_partial
const UNIT_TYPES = new Set([1, 3]);

interface Abbrev {
  readonly tag: number;
  readonly children: boolean;
  readonly attrs: readonly (readonly [name: number, form: number, implicit: number | undefined])[];
}

interface Inlined {
  readonly ranges: readonly (readonly [number, number])[];
  readonly depth: number;
  readonly origin: number;
  readonly call?: SourceLine;
}

/** One inlined call at an address: the function inlined, and where its caller called it. */
export interface InlinedCall {
  readonly name: string;
  readonly call?: SourceLine;
}

export class InlineTable {
  /** Every range of every call, by start; `reach[i]` is the furthest end of ranges 0..i. */
  private readonly spans: readonly { readonly lo: number; readonly hi: number; readonly call: Inlined }[];
  private readonly reach: readonly number[];

  constructor(
    private readonly calls: readonly Inlined[],
    private readonly names: ReadonlyMap<number, string>,
    private readonly refs: ReadonlyMap<number, number>,
  ) {
    this.spans = calls.flatMap((call) => call.ranges.map(([lo, hi]) => ({ lo, hi, call }))).sort((a, b) => a.lo - b.lo);
    let far = 0;
    this.reach = this.spans.map((s) => (far = Math.max(far, s.hi)));
  }

  get size(): number {
    return this.calls.length;
  }

  /** The inlined calls covering `address`, outermost first. */
  lookup(address: number): InlinedCall[] {
    // the last range starting at or before the address, then back while an earlier one may still reach it
    let lo = 0;
    let hi = this.spans.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.spans[mid]!.lo <= address) {
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const hits: Inlined[] = [];
    for (let i = last; i >= 0 && this.reach[i]! > address; i--) {
      const s = this.spans[i]!;
      if (address < s.hi && !hits.includes(s.call)) hits.push(s.call);
    }
    hits.sort((a, b) => a.depth - b.depth);
    return hits.map((c) => ({ name: this.nameOf(c.origin) ?? "??", ...(c.call && { call: c.call }) }));
  }

  private nameOf(die: number): string | undefined {
    for (let d: number | undefined = die, hops = 0; d !== undefined && hops < 8; d = this.refs.get(d), hops++) {
      const n = this.names.get(d);
      if (n !== undefined) return n;
    }
    return undefined;
  }
}

interface Unit {
  readonly start: number;
  readonly shape: UnitShape;
  readonly abbrevs: ReadonlyMap<number, Abbrev>;
  /** At the unit's first DIE, ending with the unit. */
  readonly cursor: DwarfCursor;
}

interface InfoSections {
  readonly info: Uint8Array;
  readonly abbrev: Uint8Array;
  readonly strings: DwarfStrings;
}

function infoSections(elf: ElfFile): InfoSections | undefined {
  const info = sectionBytes(elf, ".debug_info");
  const abbrev = sectionBytes(elf, ".debug_abbrev");
  if (!info || !abbrev || info.length > MAX_DWARF_SECTION) return undefined;
  return { info, abbrev, strings: debugStrings(elf) };
}

/** The compile (and partial) units of .debug_info, DWARF 2-5. */
function* units({ info, abbrev }: InfoSections): Generator<Unit> {
  for (const { start, offsetSize, cursor: c } of unitsOf(info)) {
    const version = c.u16();
    let unitType = 1;
    let addressSize: number;
    let abbrevOffset: number;
    if (version >= 5) {
      unitType = c.u8();
      addressSize = c.u8();
      abbrevOffset = c.uint(offsetSize);
    } else {
      abbrevOffset = c.uint(offsetSize);
      addressSize = c.u8();
    }
    if (UNIT_TYPES.has(unitType)) {
      const shape: UnitShape = { offsetSize, addressSize, version };
      yield { start, shape, abbrevs: readAbbrevs(abbrev, abbrevOffset), cursor: c };
    }
  }
}

/**
 * Each unit's compilation directory by its line program's offset (DW_AT_stmt_list): before
 * DWARF 5 a line program does not name it, and its file and directory number 0 mean it.
 */
export function compDirs(elf: ElfFile): Map<number, string> {
  const out = new Map<number, string>();
  const sections = infoSections(elf);
  if (!sections) return out;
  for (const unit of units(sections)) {
    const die = readDie(unit.cursor, unit.abbrevs, unit.shape, sections.strings);
    const stmt = die?.vals.get(AT_STMT_LIST)?.v;
    const dir = die?.vals.get(AT_COMP_DIR)?.v;
    if (typeof stmt === "number" && typeof dir === "string") out.set(stmt, dir);
  }
  return out;
}

/** The inlined calls of an ELF file's .debug_info; undefined when it has none. */
export function readInlineTable(elf: ElfFile, lines: LineTable | undefined): InlineTable | undefined {
  const sections = infoSections(elf);
  if (!sections) return undefined;
  const ranges = { v5: sectionBytes(elf, ".debug_rnglists"), v4: sectionBytes(elf, ".debug_ranges") };
  const sink: Sink = { calls: [], names: new Map(), refs: new Map() };
  for (const unit of units(sections)) readUnit(unit, sections.strings, ranges, lines, sink);
  return new InlineTable(sink.calls, sink.names, sink.refs);
}

type Attrs = Map<number, { v: FormValue; form: number }>;

/** The DIE at the cursor: its offset, abbreviation and attributes; null for a null entry, undefined for an unknown code. */
function readDie(c: DwarfCursor, abbrevs: ReadonlyMap<number, Abbrev>, u: UnitShape, strings: InfoSections["strings"]): { offset: number; abbrev: Abbrev; vals: Attrs } | null | undefined {
  const offset = c.pos;
  const code = c.uleb();
  if (code === 0) return null;
  const abbrev = abbrevs.get(code);
  if (!abbrev) return undefined;
  const vals: Attrs = new Map();
  for (const [name, form, implicit] of abbrev.attrs) vals.set(name, { v: readForm(c, form, u, strings, implicit), form });
  return { offset, abbrev, vals };
}

function readAbbrevs(data: Uint8Array, offset: number): Map<number, Abbrev> {
  const c = new DwarfCursor(data, offset);
  const out = new Map<number, Abbrev>();
  for (let code = c.uleb(); code !== 0; code = c.uleb()) {
    const tag = c.uleb();
    const children = c.u8() !== 0;
    const attrs: [number, number, number | undefined][] = [];
    for (;;) {
      const name = c.uleb();
      const form = c.uleb();
      if (name === 0 && form === 0) break;
      attrs.push([name, form, form === Form.implicit_const ? c.sleb() : undefined]);
    }
    out.set(code, { tag, children, attrs });
  }
  return out;
}

interface Sink {
  readonly calls: Inlined[];
  readonly names: Map<number, string>;
  readonly refs: Map<number, number>;
}

const REF_FORMS: ReadonlySet<number> = new Set([Form.ref1, Form.ref2, Form.ref4, Form.ref8, Form.ref_udata]);

function readUnit(
  { start: unitStart, shape: u, abbrevs, cursor: c }: Unit,
  strings: InfoSections["strings"],
  rangeSections: { v5: Uint8Array | undefined; v4: Uint8Array | undefined },
  lines: LineTable | undefined,
  sink: Sink,
): void {
  let depth = 0;
  let base = 0;
  let files: readonly string[] = [];
  let first = true;
  while (!c.atEnd) {
    const die = readDie(c, abbrevs, u, strings);
    if (die === null) {
      if (--depth <= 0) return;
      continue;
    }
    if (!die) return; // a malformed unit: stop reading it
    const { offset, abbrev: a, vals } = die;
    const num = (at: number) => {
      const v = vals.get(at)?.v;
      return typeof v === "number" ? v : undefined;
    };
    if (first) {
      // the compile unit: its base address for ranges, its line program's file names
      first = false;
      base = num(AT_LOW_PC) ?? 0;
      const stmt = num(AT_STMT_LIST);
      if (stmt !== undefined && lines) files = lines.filesOf(stmt) ?? [];
    }
    const name = vals.get(AT_NAME)?.v;
    if (typeof name === "string") sink.names.set(offset, name);
    for (const at of [AT_ABSTRACT_ORIGIN, AT_SPECIFICATION]) {
      const r = vals.get(at);
      if (r && typeof r.v === "number") sink.refs.set(offset, REF_FORMS.has(r.form) ? unitStart + r.v : r.v);
    }
    if (a.tag === TAG_INLINED_SUBROUTINE && sink.refs.has(offset)) {
      const ranges = pcRanges(vals, num, base, u, rangeSections);
      const file = num(AT_CALL_FILE);
      const line = num(AT_CALL_LINE);
      const call = file !== undefined && line !== undefined && files[file] !== undefined ? { file: files[file]!, line } : undefined;
      if (ranges.length) sink.calls.push({ ranges, depth, origin: sink.refs.get(offset)!, ...(call && { call }) });
    }
    if (a.children) depth++;
    else if (depth === 0) return;
  }
}

function pcRanges(
  vals: ReadonlyMap<number, { v: FormValue; form: number }>,
  num: (at: number) => number | undefined,
  base: number,
  u: UnitShape,
  sections: { v5: Uint8Array | undefined; v4: Uint8Array | undefined },
): [number, number][] {
  const low = num(AT_LOW_PC);
  const high = vals.get(AT_HIGH_PC);
  if (low !== undefined && high && typeof high.v === "number") {
    // DWARF 4+: a constant high_pc is the length, an address form the end
    return [[low, high.form === Form.addr ? high.v : low + high.v]];
  }
  const r = vals.get(AT_RANGES);
  if (!r || typeof r.v !== "number" || r.form === Form.rnglistx) return [];
  try {
    return u.version >= 5 ? rangeList(sections.v5, r.v, base, u.addressSize) : rangePairs(sections.v4, r.v, base, u.addressSize);
  } catch {
    return [];
  }
}

/** A DWARF 5 range list (.debug_rnglists); the DW_RLE_*x kinds need .debug_addr and are skipped. */
function rangeList(data: Uint8Array | undefined, offset: number, base: number, addressSize: number): [number, number][] {
  if (!data) return [];
  const c = new DwarfCursor(data, offset);
  const out: [number, number][] = [];
  for (;;) {
    const kind = c.u8();
    switch (kind) {
      case 0: // end_of_list
        return out;
      case 1: // base_addressx
        c.uleb();
        break;
      case 2: // startx_endx
      case 3: // startx_length
        c.uleb();
        c.uleb();
        break;
      case 4: {
        // offset_pair
        const lo = c.uleb();
        const hi = c.uleb();
        out.push([base + lo, base + hi]);
        break;
      }
      case 5: // base_address
        base = c.uint(addressSize);
        break;
      case 6: {
        const lo = c.uint(addressSize);
        out.push([lo, c.uint(addressSize)]);
        break;
      }
      case 7: {
        const lo = c.uint(addressSize);
        out.push([lo, lo + c.uleb()]);
        break;
      }
      default:
        return out;
    }
  }
}

/** A DWARF 2-4 range list (.debug_ranges): pairs relative to the unit's base, an all-ones start sets a new base. */
function rangePairs(data: Uint8Array | undefined, offset: number, base: number, addressSize: number): [number, number][] {
  if (!data) return [];
  const c = new DwarfCursor(data, offset);
  const max = 2 ** (addressSize * 8) - 1;
  const out: [number, number][] = [];
  for (;;) {
    const lo = c.uint(addressSize);
    const hi = c.uint(addressSize);
    if (lo === 0 && hi === 0) return out;
    if (lo === max) base = hi;
    else out.push([base + lo, base + hi]);
  }
}
