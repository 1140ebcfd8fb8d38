// The DWARF readers on gcc builds of test/fixtures/elf/dwarf-demo.c: .debug_line (DWARF 4
// and 5 line programs) checked row by row against binutils' decoding of the same table, and
// .debug_info's inlined calls (inner inlined into outer inlined into demo_lines).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ElfFile, functionSymbols } from "../../bpf/elf/index.ts";
import { readLineTable } from "../../bpf/elf/dwarf-line.ts";
import { compDirs, readInlineTable } from "../../bpf/elf/dwarf-info.ts";

const SOURCE = join(import.meta.dirname, "../fixtures/elf/dwarf-demo.c");
const lineOf = (marker: string) => readFileSync(SOURCE, "utf8").split("\n").findIndex((l) => l.includes(marker)) + 1;

/** readelf's decoded rows: the last row at each address (the one that holds for it), end markers left out. */
function readelfRows(bin: string): Map<number, { file: string; line: number }> {
  const out = execFileSync("readelf", ["--debug-dump=decodedline", bin], { encoding: "utf8" });
  const rows = new Map<number, { file: string; line: number }>();
  for (const l of out.split("\n")) {
    const m = /^(\S+)\s+(\d+)\s+(0x[0-9a-f]+)/.exec(l);
    if (m) rows.set(Number(m[3]), { file: m[1]!, line: Number(m[2]) });
  }
  return rows;
}

describe("dwarf line table", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tracebook-dwarf-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const version of [4, 5]) {
    it(`maps addresses to file and line (DWARF ${version})`, () => {
      const bin = join(dir, `demo${version}`);
      execFileSync("gcc", ["-O0", "-g", `-gdwarf-${version}`, "-o", bin, SOURCE]);
      const elf = ElfFile.parse(readFileSync(bin));
      const table = readLineTable(elf)!;
      const rows = readelfRows(bin);
      expect(rows.size).toBeGreaterThan(5);
      for (const [address, row] of rows) {
        const got = table.lookup(address);
        expect(got && { file: basename(got.file), line: got.line }, `0x${address.toString(16)}`).toEqual(row);
      }
      const fn = functionSymbols(elf).get("demo_lines")!;
      // the full path gcc was given, and a line inside an instruction as well as at its start
      expect(table.lookup(fn.value + 1)).toEqual({ file: SOURCE, line: lineOf("demo_lines opens") });
      expect(table.lookup(0x10)).toBeUndefined();
    });
  }

  it("names a file compiled by a relative path by its full path: the compilation directory (DWARF 4 through .debug_info)", () => {
    for (const version of [4, 5]) {
      const bin = join(dir, `rel${version}`);
      execFileSync("gcc", ["-O0", "-g", `-gdwarf-${version}`, "-o", bin, basename(SOURCE)], { cwd: dirname(SOURCE) });
      const elf = ElfFile.parse(readFileSync(bin));
      const fn = functionSymbols(elf).get("demo_lines")!;
      expect(readLineTable(elf, compDirs(elf))!.lookup(fn.value)).toEqual({ file: SOURCE, line: lineOf("demo_lines opens") });
      if (version === 4) expect(readLineTable(elf)!.lookup(fn.value)?.file).toBe(basename(SOURCE));
    }
  });

  it("is absent from a file built without -g", () => {
    const bin = join(dir, "nodebug");
    execFileSync("gcc", ["-O0", "-o", bin, SOURCE]);
    expect(readLineTable(ElfFile.parse(readFileSync(bin)))).toBeUndefined();
  });

  // -Os splits an inlined call into range lists (.debug_rnglists in DWARF 5, .debug_ranges in 4)
  for (const [opt, version] of [["-O0", 5], ["-O2", 5], ["-O2", 4], ["-Os", 5], ["-Os", 4]] as const) {
    it(`finds the inlined calls covering an address, outermost first (${opt}, DWARF ${version})`, () => {
      const bin = join(dir, `inl${opt}${version}`);
      execFileSync("gcc", [opt, "-g", `-gdwarf-${version}`, "-o", bin, SOURCE]);
      const elf = ElfFile.parse(readFileSync(bin));
      const lines = readLineTable(elf)!;
      const inlines = readInlineTable(elf, lines)!;
      const fn = functionSymbols(elf).get("demo_lines")!;
      const addresses = Array.from({ length: fn.size }, (_, i) => fn.value + i);
      const deepest = addresses.find((a) => inlines.lookup(a).length === 2)!;
      expect(deepest).toBeDefined();
      expect(inlines.lookup(deepest)).toEqual([
        { name: "outer", call: { file: SOURCE, line: lineOf("demo_lines calls outer") } },
        { name: "inner", call: { file: SOURCE, line: lineOf("outer calls inner") } },
      ]);
      // the inner function's own line is the line table's
      expect(lines.lookup(deepest)).toEqual({ file: SOURCE, line: lineOf("inner body") });
      expect(inlines.lookup(fn.value + fn.size)).toEqual([]);
    });
  }
});
