// ELF symbols, PIE file offsets and USDT notes, on binaries gcc builds from
// test/fixtures/elf/usdt-demo.c and usdt-python.c (probes shaped like CPython 3.11's;
// needs gcc and <sys/sdt.h>: systemtap-sdt-dev). No binary of the machine is read.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ElfFile, ElfType, functionSymbols, symbolFileOffset, usdtProbes } from "../../bpf/elf/index.ts";

const SRC = join(import.meta.dirname, "../fixtures/elf/usdt-demo.c");
let dir = "";
let pie: ElfFile;
let exec: ElfFile;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tracebook-elf-"));
  execFileSync("gcc", ["-O2", "-DDEMO_SEMAPHORES", "-o", join(dir, "demo-pie"), SRC]);
  execFileSync("gcc", ["-O2", "-no-pie", "-o", join(dir, "demo-exec"), SRC]);
  pie = ElfFile.parse(readFileSync(join(dir, "demo-pie")));
  exec = ElfFile.parse(readFileSync(join(dir, "demo-exec")));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("elf symbols", () => {
  it("reads the build type", () => {
    expect(pie.type).toBe(ElfType.DYN);
    expect(pie.isDyn).toBe(true);
    expect(exec.type).toBe(ElfType.EXEC);
  });

  it("finds noinline functions in .symtab", () => {
    for (const elf of [pie, exec]) {
      const funcs = functionSymbols(elf);
      const add = funcs.get("demo_add");
      expect(add).toMatchObject({ type: "func", bind: "global", table: "symtab" });
      expect(add!.size).toBeGreaterThan(0);
      expect(funcs.has("main")).toBe(true);
    }
  });

  it("computes the file offset a uprobe attaches at (vaddr - p_vaddr + p_offset)", () => {
    for (const elf of [pie, exec]) {
      const add = functionSymbols(elf).get("demo_add")!;
      const text = elf.section(".text")!;
      const off = symbolFileOffset(elf, "demo_add");
      expect(off).toBe(add.value - text.addr + text.offset);
      // Same bytes at the file offset as in the section image.
      expect(elf.bytes.subarray(off!, off! + 4)).toEqual(elf.sectionData(text).subarray(add.value - text.addr, add.value - text.addr + 4));
    }
    expect(symbolFileOffset(exec, "demo_add")).toBeLessThan(functionSymbols(exec).get("demo_add")!.value); // ET_EXEC: vaddr ≠ offset
    expect(symbolFileOffset(pie, "no_such_function")).toBeUndefined();
  });

  it("finds a data symbol whose file offset differs from its address in a PIE", () => {
    const sem = pie.symbols().find((s) => s.name === "demo_tick_semaphore")!;
    expect(sem.type).toBe("object");
    const data = pie.segments.find((s) => s.type === 1 && sem.value >= s.vaddr && sem.value < s.vaddr + s.memsz)!;
    expect(pie.fileOffset(sem.value)).toBe(sem.value - data.vaddr + data.offset);
    expect(data.vaddr).not.toBe(data.offset);
  });

  it("maps a file offset back to its address (vaddrOf), as uaddr() needs for a PIE's load base", () => {
    const sem = pie.symbols().find((s) => s.name === "demo_tick_semaphore")!;
    expect(pie.vaddrOf(pie.fileOffset(sem.value)!)).toBe(sem.value);
    const add = functionSymbols(exec).get("demo_add")!;
    expect(exec.vaddrOf(exec.fileOffset(add.value)!)).toBe(add.value);
    expect(pie.vaddrOf(pie.bytes.length + 10)).toBeUndefined();
  });
});

describe("usdt notes", () => {
  it("reads provider, name, pc, semaphore and argument specs (PIE, semaphores)", () => {
    const probes = usdtProbes(pie);
    expect(probes.map((p) => `${p.provider}:${p.name}`)).toEqual(["demo:tick", "demo:done"]);
    const tick = probes[0]!;
    const sem = pie.symbols().find((s) => s.name === "demo_tick_semaphore")!;
    expect(tick.semaphore).toBe(sem.value);
    expect(tick.semaphoreOffset).toBe(pie.fileOffset(sem.value));
    expect(tick.offset).toBe(pie.fileOffset(tick.pc));
    // The probe is inside demo_loop.
    const loop = functionSymbols(pie).get("demo_loop")!;
    expect(tick.pc).toBeGreaterThanOrEqual(loop.value);
    expect(tick.pc).toBeLessThan(loop.value + loop.size);
    expect(tick.args).toHaveLength(2);
    for (const a of tick.args) expect(a).toMatchObject({ size: 8, signed: true });
    expect(tick.argsText.split(" ")).toHaveLength(2);
    expect(probes[1]!.args).toEqual([]);
  });

  it("has no semaphore offset when the probe has no semaphore (ET_EXEC)", () => {
    const probes = usdtProbes(exec);
    expect(probes).toHaveLength(2);
    expect(probes[0]!.semaphore).toBe(0);
    expect(probes[0]!.semaphoreOffset).toBeUndefined();
    expect(probes[0]!.offset).toBe(exec.fileOffset(probes[0]!.pc));
  });

  it("returns [] for a file without notes", () => {
    const obj = join(dir, "plain.o");
    execFileSync("gcc", ["-c", "-x", "c", "-o", obj, "-"], { input: "int f(void) { return 1; }\n" });
    const elf = ElfFile.parse(readFileSync(obj));
    expect(elf.type).toBe(ElfType.REL);
    expect(usdtProbes(elf)).toEqual([]);
    expect(functionSymbols(elf).has("f")).toBe(true);
  });

  it("rejects what is not a 64-bit little-endian ELF file", () => {
    expect(() => ElfFile.parse(new TextEncoder().encode("#!/bin/sh\necho hi\n".padEnd(80)))).toThrow(/not an ELF/);
  });
});

describe("USDT probes shaped like python3.11's (with semaphores)", () => {
  it("has python:function__entry with a semaphore in .probes", () => {
    const py = join(dir, "python-like");
    execFileSync("gcc", ["-O2", "-o", py, join(import.meta.dirname, "../fixtures/elf/usdt-python.c")]);
    const elf = ElfFile.parse(readFileSync(py));
    const probes = usdtProbes(elf);
    const entry = probes.find((p) => p.provider === "python" && p.name === "function__entry");
    expect(entry).toBeDefined();
    expect(entry!.semaphore).not.toBe(0);
    const probesSection = elf.section(".probes")!;
    expect(entry!.semaphore).toBeGreaterThanOrEqual(probesSection.addr);
    expect(entry!.semaphore).toBeLessThan(probesSection.addr + probesSection.size);
    expect(entry!.semaphoreOffset).toBe(entry!.semaphore - probesSection.addr + probesSection.offset);
    expect(entry!.args).toHaveLength(3); // filename, function name, line number
    expect(entry!.args[2]).toMatchObject({ size: 4, signed: true });
    expect(entry!.argErrors).toBeUndefined();
    expect(probes.map((p) => p.name)).toContain("function__return");
  });
});
