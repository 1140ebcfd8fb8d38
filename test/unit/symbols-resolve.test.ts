// Kernel (kallsyms) and user (maps + ELF) symbolisation on recorded text and a gcc build.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ElfFile, functionSymbols } from "../../bpf/elf/index.ts";
import { findMapping, Kallsyms, parseMaps, UserSymbolizer } from "../../bpf/symbols/index.ts";
import { ProcessSymbolizer } from "../../bpf/runtime/symbolize.ts";

const KALLSYMS = [
  "ffffffff81000000 T srso_alias_untrain_ret",
  "ffffffff81000000 T _stext",
  "ffffffff81001000 T vfs_read",
  "ffffffff81001200 t helper",
  "ffffffffc0201000 t ftrace_trampoline\t[__builtin__ftrace]",
  "ffffffffc0300000 t xfs_iread\t[xfs]",
  "",
].join("\n");

describe("kallsyms", () => {
  const k = Kallsyms.parse(KALLSYMS);

  it("looks addresses up by binary search, sym+off like kstack", () => {
    expect(k.size).toBe(6);
    expect(k.restricted).toBe(false);
    expect(k.format(0xffffffff81001010n)).toBe("vfs_read+16");
    expect(k.format(0xffffffff81001000n)).toBe("vfs_read");
    expect(k.format(0xffffffff81001234n, false)).toBe("helper");
    expect(k.lookup(0xffffffffc0300008n)).toEqual({
      symbol: { name: "xfs_iread", address: 0xffffffffc0300000n, type: "t", module: "xfs" },
      offset: 8n,
    });
    // Of several symbols at one address, the first printed wins.
    expect(k.format(0xffffffff81000004n)).toBe("srso_alias_untrain_ret+4");
    expect(k.format(0x1000n)).toBe("0x1000");
    expect(k.address("vfs_read")).toBe(0xffffffff81001000n);
  });

  it("notices addresses hidden by kptr_restrict", () => {
    const hidden = Kallsyms.parse("0000000000000000 T _stext\n0000000000000000 T vfs_read\n");
    expect(hidden.restricted).toBe(true);
    expect(hidden.lookup(0xffffffff81001000n)).toBeUndefined();
  });
});

describe("proc maps", () => {
  const text = [
    "55d1c0a00000-55d1c0a01000 r--p 00000000 08:01 1234                       /opt/demo",
    "55d1c0a01000-55d1c0a02000 r-xp 00001000 08:01 1234                       /opt/demo",
    "7f0000000000-7f0000021000 rw-p 00000000 00:00 0                          [heap]",
    "7f1000000000-7f1000001000 r-xp 00000000 08:01 99                         /tmp/my lib.so (deleted)",
    "7ffc00000000-7ffc00002000 r-xp 00000000 00:00 0                          [vdso]",
    "7ffd00000000-7ffd00002000 rw-p 00000000 00:00 0 ",
  ].join("\n");

  it("parses entries, paths with spaces and deleted files", () => {
    const maps = parseMaps(text);
    expect(maps).toHaveLength(6);
    expect(maps[1]).toMatchObject({ start: 0x55d1c0a01000n, perms: "r-xp", offset: 0x1000n, inode: 1234, path: "/opt/demo", deleted: false });
    expect(maps[3]).toMatchObject({ path: "/tmp/my lib.so", deleted: true });
    expect(maps[5]!.path).toBe("");
    expect(findMapping(maps, 0x55d1c0a01800n)?.perms).toBe("r-xp");
    expect(findMapping(maps, 0x1n)).toBeUndefined();
  });
});

describe("user symbolizer", () => {
  let dir = "";
  let bin = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tracebook-sym-"));
    bin = join(dir, "demo");
    execFileSync("gcc", ["-O2", "-o", bin, join(import.meta.dirname, "../fixtures/elf/usdt-demo.c")]);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("maps a process address to function+offset through the PIE's segments", () => {
    const elf = ElfFile.parse(readFileSync(bin));
    const text = elf.segments.find((s) => s.type === 1 && (s.flags & 1) !== 0)!; // PT_LOAD, PF_X
    const base = 0x555555554000n;
    // The loader maps the executable segment page-aligned at base + its p_vaddr page.
    const pageOff = BigInt(text.offset & ~0xfff);
    const start = base + BigInt(text.vaddr & ~0xfff);
    const maps = `${start.toString(16)}-${(start + 0x1000n).toString(16)} r-xp ${pageOff.toString(16).padStart(8, "0")} 08:01 42 /opt/demo\n`;
    const sym = new UserSymbolizer(maps, (p) => (p === "/opt/demo" ? readFileSync(bin) : undefined));
    const add = functionSymbols(elf).get("demo_add")!;
    const addr = base + BigInt(add.value);
    expect(sym.format(addr)).toBe("demo_add");
    expect(sym.format(addr + 2n)).toBe("demo_add+2");
    expect(sym.resolve(addr + 2n)).toEqual({ address: addr + 2n, path: "/opt/demo", symbol: "demo_add", offset: 2 });
    expect(sym.format(0x1234n)).toBe("0x1234");
  });

  it("resolves a gone process's address in a non-PIE executable it probed, not in a PIE one", () => {
    const nopie = join(dir, "demo-nopie");
    execFileSync("gcc", ["-O2", "-no-pie", "-o", nopie, join(import.meta.dirname, "../fixtures/elf/usdt-demo.c")]);
    const read = (p: string) => readFileSync(p);
    const add = (file: string) => BigInt(functionSymbols(ElfFile.parse(readFileSync(file))).get("demo_add")!.value);
    expect(UserSymbolizer.inExecutables(add(nopie) + 3n, [bin, nopie], read, new Map())).toEqual({ address: add(nopie) + 3n, path: nopie, symbol: "demo_add", offset: 3 });
    // A PIE's symbol values are offsets from a load base only the process's maps know.
    expect(UserSymbolizer.inExecutables(add(bin), [bin], read, new Map())).toBeUndefined();
    expect(UserSymbolizer.inExecutables(0x10n, [nopie], read, new Map())).toBeUndefined();

    // A session's symbolizer falls back to the probed files for a pid whose maps it never read.
    const gone = spawnSync("true").pid!;
    const procs = new ProcessSymbolizer(() => [add(nopie)]);
    expect(procs.stack(1n, true, { pid: gone })).toEqual(["0x" + add(nopie).toString(16)]);
    procs.probedFiles([nopie]);
    expect(procs.stack(1n, true, { pid: gone })).toEqual(["demo_add+0"]);
  });

  it("formats the functions inlined at an address before it, each at its line, as bpftrace does; perf mode marks them without lines", () => {
    const src = join(import.meta.dirname, "../fixtures/elf/dwarf-demo.c");
    const line = (marker: string) => readFileSync(src, "utf8").split("\n").findIndex((l) => l.includes(marker)) + 1;
    const bin = join(dir, "dwarf-demo");
    execFileSync("gcc", ["-O2", "-g", "-no-pie", "-o", bin, src]);
    const elf = ElfFile.parse(readFileSync(bin));
    const fn = functionSymbols(elf).get("demo_lines")!;
    const gone = spawnSync("true").pid!;
    const at = (a: number) => new ProcessSymbolizer(() => [BigInt(a)]);
    // the first address of demo_lines inside inner (inlined into outer, inlined into demo_lines)
    const addr = Array.from({ length: fn.size }, (_, i) => fn.value + i).find((a) => {
      const p = at(a);
      p.probedFiles([bin]);
      return p.stack(1n, true, { pid: gone })[0]!.startsWith("[inlined] inner");
    })!;
    const procs = at(addr);
    procs.probedFiles([bin]);
    const off = addr - fn.value;
    expect(procs.stack(1n, true, { pid: gone })).toEqual([
      `[inlined] inner@${src}:${line("inner body")}`,
      `[inlined] outer@${src}:${line("outer calls inner")}`,
      `demo_lines+${off}@${src}:${line("demo_lines calls outer")}`,
    ]);
    const hex = addr.toString(16);
    expect(procs.stack(1n, true, { pid: gone, mode: "perf" })).toEqual([`${hex} inner (inlined)`, `${hex} outer (inlined)`, `${hex} demo_lines+${off} (${bin})`]);
    expect(procs.stack(1n, true, { pid: gone, debugInfo: false })).toEqual([`demo_lines+${off}`]);
  });

  it("frames of a file whose DWARF is garbled still resolve, without lines or with what could be read", () => {
    const src = join(import.meta.dirname, "../fixtures/elf/dwarf-demo.c");
    const bin = join(dir, "dwarf-garbled");
    execFileSync("gcc", ["-O2", "-g", "-no-pie", "-o", bin, src]);
    const bytes = readFileSync(bin);
    const elf = ElfFile.parse(bytes);
    const fn = functionSymbols(elf).get("demo_lines")!;
    const debug = [".debug_info", ".debug_abbrev", ".debug_line", ".debug_line_str", ".debug_rnglists"].flatMap((n) => elf.section(n) ?? []);
    let seed = 1;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 60; round++) {
      const copy = Uint8Array.from(bytes);
      for (let k = 0; k < 8; k++) {
        const sec = debug[rand(debug.length)]!;
        copy[sec.offset + rand(sec.size)] = rand(256);
      }
      const frame = UserSymbolizer.inExecutables(BigInt(fn.value + 1), [bin], () => copy, new Map(), true);
      expect(frame).toMatchObject({ symbol: "demo_lines", offset: 1 });
    }
  });
});
