// Values beyond the 512-byte BPF stack (bpf/codegen/frame.ts, scratch.ts): the frame's
// two regions, the rewrite of virtual offsets to the scratch pointer r7, and what compile
// adds (the per-CPU scratch map, the entry lookup) only when a program needs it.
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MapType } from "../../bpf/types/abi.ts";
import { asm, dropUnreachable, opcodes, R0, R1, R2, R3, R6, R7, R9, R10, type Instruction } from "../../bpf/asm/index.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import { Frame, FrameOverflow, MAX_SCRATCH, SCRATCH_BASE } from "../../bpf/codegen/frame.ts";
import { toScratch, withScratch } from "../../bpf/codegen/scratch.ts";
import { type ProgramSpec } from "../../bpf/codegen/spec.ts";
import { SCRATCH_MAP } from "../../bpf/types/internal-maps.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";

const here = dirname(fileURLToPath(import.meta.url));
const env = recordedEnv(join(here, "../fixtures/tracefs"));

function compileClean(source: string): ProgramSpec {
  const r = compile(source, { env, origin: "cell[1]" });
  expect(renderDiagnostics(r.diagnostics, source, "cell[1]")).toBe("");
  if (!r.spec) throw new Error(`no spec: ${source}`);
  return r.spec;
}

const cls = (i: Instruction) => i.opcode & 0x07;
const isMovR10 = (i: Instruction) => i.opcode === (opcodes.CLASS_ALU64 | opcodes.ALU_MOV | opcodes.SRC_X) && i.src === R10;

/** Every way an instruction reaches memory below r10: direct accesses and stackAddr pairs. */
function stackOffsets(insns: readonly Instruction[]): number[] {
  const out: number[] = [];
  insns.forEach((i, n) => {
    if (cls(i) === opcodes.CLASS_LDX && i.src === R10) out.push(i.off);
    if ((cls(i) === opcodes.CLASS_ST || cls(i) === opcodes.CLASS_STX) && i.dst === R10) out.push(i.off);
    const next = insns[n + 1];
    if (isMovR10(i) && next && next.dst === i.dst) out.push(Number(next.imm));
  });
  return out;
}

const uses = (insns: readonly Instruction[], r: number) => insns.some((i) => i.dst === r || (i.src === r && i.mapRef === undefined));

describe("the frame", () => {
  it("keeps small slots on the stack and puts large ones in the scratch area", () => {
    const f = new Frame();
    expect(f.alloc(8)).toBe(-8);
    expect(f.alloc(64)).toBe(-72);
    expect(f.alloc(1024)).toBe(SCRATCH_BASE);
    expect(f.alloc(65)).toBe(SCRATCH_BASE + 1024);
    expect(f.alloc(8)).toBe(-80);
    expect(f.highWater).toBe(80);
    expect(f.scratchSize).toBe(1096);
  });

  it("mark and release cover both regions", () => {
    const f = new Frame();
    f.alloc(8);
    const m = f.mark();
    f.alloc(2000);
    f.alloc(8);
    f.release(m);
    expect(f.alloc(8)).toBe(-16);
    expect(f.alloc(100)).toBe(SCRATCH_BASE);
    expect(f.scratchSize).toBe(2000);
  });

  it("moves records of 9-64 bytes to scratch when the stack is full, but never slots of 8 bytes or less", () => {
    const f = new Frame();
    for (let i = 0; i < 64; i++) f.alloc(8);
    expect(f.alloc(16)).toBe(SCRATCH_BASE);
    expect(f.alloc(64)).toBe(SCRATCH_BASE + 16);
    expect(() => f.alloc(8)).toThrow(FrameOverflow);
    expect(() => new Frame().alloc(8, 8, "stack")).not.toThrow();
  });

  it("fails cleanly past the scratch area's limit", () => {
    const f = new Frame();
    f.alloc(MAX_SCRATCH);
    expect(() => f.alloc(65)).toThrow(/more than 32256 bytes of scratch/);
  });
});

describe("toScratch", () => {
  const v = SCRATCH_BASE + 40; // scratch byte 40
  it.each([
    ["ldx", asm.ldx(8, R0, R10, v), asm.ldx(8, R0, R7, 40)],
    ["stx", asm.stx(4, R10, v + 4, R1), asm.stx(4, R7, 44, R1)],
    ["st", asm.st(1, R10, v + 1, 0x41), asm.st(1, R7, 41, 0x41)],
    ["ldx on the stack", asm.ldx(8, R0, R10, -512), asm.ldx(8, R0, R10, -512)],
    ["st on the stack", asm.st(8, R10, -8, 0), asm.st(8, R10, -8, 0)],
    ["a map value", asm.ldx(8, R1, R0, 8), asm.ldx(8, R1, R0, 8)],
  ])("%s", (_name, input, expected) => {
    expect(toScratch([input])).toEqual([expected]);
  });

  it("rewrites the address pairs stackAddr emits, and only those", () => {
    const out = toScratch([asm.mov(R2, R10), asm.addImm(R2, v), asm.mov(R3, R10), asm.addImm(R3, -16), asm.mov(R1, R10), asm.addImm(R2, v)]);
    expect(out).toEqual([asm.mov(R2, R7), asm.addImm(R2, 40), asm.mov(R3, R10), asm.addImm(R3, -16), asm.mov(R1, R10), asm.addImm(R2, v)]);
  });

  it("withScratch looks the area up right after r6 = r1 and leaves a program without scratch alone", () => {
    const prog = [asm.mov(R6, R1), asm.st(8, R10, v, 0), asm.movImm(R0, 0), asm.exit()];
    const none = [asm.mov(R6, R1), asm.movImm(R0, 0), asm.exit()];
    expect(withScratch(none, { size: 0, callbacks: false, exitLabel: "x", map: SCRATCH_MAP })).toEqual(none);
    expect(withScratch(none, { size: 0, callbacks: true, exitLabel: "x", map: SCRATCH_MAP })[1]).toEqual(asm.movImm(R7, 0));
    const out = withScratch(prog, { size: 48, callbacks: false, exitLabel: "x", map: SCRATCH_MAP });
    expect(out[0]).toEqual(asm.mov(R6, R1));
    expect(out.find((i) => i.mapRef !== undefined)?.mapRef).toBe(SCRATCH_MAP);
    expect(out).toContainEqual(asm.jeqImm(R0, 0, "x"));
    expect(out).toContainEqual(asm.mov(R7, R0));
    expect(out).toContainEqual(asm.st(8, R7, 40, 0));
  });
});

describe("compile", () => {
  it("a program of small values has no scratch map and never names r7", () => {
    const spec = compileClean('tracepoint:syscalls:sys_enter_openat { @[pid, comm] = count(); printf("%d %s\\n", pid, comm); }');
    expect(spec.maps.map((m) => m.name)).not.toContain(SCRATCH_MAP);
    for (const p of spec.programs) {
      expect(p.scratchSize).toBe(0);
      expect(uses(p.insns, R7)).toBe(false);
    }
  });

  it("several large strings in one statement go to the scratch area; nothing reaches below the 512-byte stack", () => {
    const args = Array.from({ length: 10 }, (_, i) => `str(args->filename, ${900 + i})`).join(", ");
    const spec = compileClean(
      `tracepoint:syscalls:sys_enter_openat { printf("${"%s ".repeat(10)}\\n", ${args}); @[str(args->filename, 1000)] = count(); if (str(args->filename, 1000) == str(args->filename, 999)) { @eq = count(); } }`,
    );
    const scratch = spec.maps.find((m) => m.name === SCRATCH_MAP);
    expect(scratch).toEqual({ name: SCRATCH_MAP, type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: spec.programs[0]!.scratchSize, maxEntries: 1 });
    const p = spec.programs[0]!;
    expect(p.scratchSize).toBeGreaterThan(9000);
    expect(p.stackSize).toBeLessThanOrEqual(512);
    const offs = stackOffsets(p.insns);
    expect(offs.length).toBeGreaterThan(0);
    expect(Math.min(...offs)).toBeGreaterThanOrEqual(-512);
    // the entry: r6 = r1, then r7 = the looked-up scratch value
    expect(p.insns[0]).toMatchObject({ dst: R6, src: R1 });
    expect(p.insns.slice(0, 9).some((i) => i.mapRef === SCRATCH_MAP)).toBe(true);
    // zeroing and comparing 1000-byte strings is a call and a loop, not thousands of instructions
    expect(p.insns.length).toBeLessThan(600);
  });

  it("for-map callbacks get the scratch pointer back from the probe's frame", () => {
    const spec = compileClean(
      'tracepoint:syscalls:sys_enter_openat { @files[str(args->filename, 1000)] = count(); } END { for ($kv : @files) { printf("%s %d\\n", $kv.0, $kv.1); } }',
    );
    const end = spec.programs.find((p) => p.probe.name === "end")!;
    expect(end.scratchSize).toBeGreaterThan(1000);
    const entry = end.insns.findIndex((i) => i.label !== undefined && i.label.includes("for_each_cb"));
    const cb = end.insns.slice(entry);
    expect(cb.slice(0, 5).some((i) => cls(i) === opcodes.CLASS_LDX && i.dst === R7 && i.src === R9)).toBe(true);
    expect(cb.some((i) => i.dst === R10 || i.src === R10)).toBe(false);
    expect(Math.min(...stackOffsets(end.insns))).toBeGreaterThanOrEqual(-512);
  });

  it("strcontains with a needle longer than the haystack holds leaves no unreachable code (small max_strlen)", () => {
    for (const maxStrlen of [1, 7]) {
      const r = compile('tracepoint:syscalls:sys_enter_openat { if (strcontains(str(args->filename), "needle/")) { @n = count(); } }', { env, origin: "cell[1]", maxStrlen });
      const p = r.spec!.programs[0]!;
      expect(dropUnreachable(p.insns)).toHaveLength(p.insns.length);
    }
    const spec = compileClean('tracepoint:syscalls:sys_enter_openat { if (strcontains(comm, "longer than sixteen")) { @n = count(); } }');
    expect(dropUnreachable(spec.programs[0]!.insns)).toHaveLength(spec.programs[0]!.insns.length);
  });
});
