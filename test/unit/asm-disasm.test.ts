// Disassembly is a format we own (%bytecode): pinned by golden text.
// UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/asm-disasm.test.ts rewrites them.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  asm, disassemble, formatInstruction, marshal, unmarshal, withComment, withLabel,
  R0, R1, R2, R3, R4, R6, R7, R10, type Instruction,
} from "../../bpf/asm/index.ts";
import { golden } from "../helpers/golden.ts";

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), "golden", "asm");

/** One of every instruction form, shaped like what codegen emits for a small cell. */
const program: Instruction[] = [
  withComment(asm.mov(R6, R1), "cell[2]:1: tracepoint:syscalls:sys_enter_openat { @calls[pid] = count(); }"),
  asm.call(14),
  asm.stx(8, R10, -8, R0),
  asm.ldMapFd(R1, "@calls"),
  asm.mov(R2, R10),
  asm.addImm(R2, -8),
  asm.call(1),
  asm.jeqImm(R0, 0, "init"),
  asm.movImm(R1, 1),
  asm.atomic("add", 8, R0, 0, R1),
  asm.ja("done"),
  withComment(withLabel(asm.st(8, R10, -16, 1), "init"), "first event for this key"),
  asm.ldMapFd(R1, "@calls"),
  asm.mov(R2, R10),
  asm.addImm(R2, -8),
  asm.mov(R3, R10),
  asm.addImm(R3, -16),
  asm.movImm(R4, 0),
  asm.call(2),
  withLabel(asm.ldMapValue(R7, "@fmt", 16), "done"),
  asm.ldImm64(R1, 0x1122334455667788n),
  asm.ldImm64(R1, -1n),
  asm.ldFunc(R2, "cb"),
  asm.ldBtfId(R3, 42),
  asm.subImm(R1, 3), asm.sub(R1, R2), asm.mulImm(R1, 3), asm.mul(R1, R2),
  asm.divImm(R1, 3), asm.div(R1, R2), asm.sdivImm(R1, -3), asm.sdiv(R1, R2),
  asm.modImm(R1, 3), asm.mod(R1, R2), asm.smodImm(R1, 3), asm.smod(R1, R2),
  asm.orImm(R1, 0x10), asm.or(R1, R2), asm.andImm(R1, 0xff), asm.and(R1, R2),
  asm.xorImm(R1, 1), asm.xor(R1, R2), asm.lshImm(R1, 3), asm.lsh(R1, R2),
  asm.rshImm(R1, 3), asm.rsh(R1, R2), asm.arshImm(R1, 3), asm.arsh(R1, R2),
  asm.neg(R1), asm.neg32(R1), asm.movImm(R1, -1), asm.mov32Imm(R1, 0xffffffff), asm.mov32(R1, R2),
  asm.alu("add", R1, { imm: 7 }, true), asm.alu("sdiv", R1, R2, true), asm.alu("arsh", R1, { imm: 1 }, true),
  asm.movsx(R1, R2, 8), asm.movsx(R1, R2, 16), asm.movsx(R1, R2, 32), asm.movsx32(R1, R2, 8),
  asm.endian(R1, "be", 16), asm.endian(R1, "le", 32), asm.bswap(R1, 64),
  asm.ldx(1, R1, R6, 0), asm.ldx(2, R1, R6, 2), asm.ldx(4, R1, R6, 4), asm.ldx(8, R1, R10, -8),
  asm.ldxs(1, R1, R6, 0), asm.ldxs(2, R1, R6, 2), asm.ldxs(4, R1, R6, 4),
  asm.stx(1, R10, -1, R1), asm.stx(2, R10, -2, R1), asm.stx(4, R10, -4, R1),
  asm.st(1, R10, -1, 0), asm.st(2, R10, -2, 0xffff), asm.st(4, R10, -4, -1),
  asm.atomic("or", 4, R1, 8, R2), asm.atomic("and", 8, R1, 8, R2, true), asm.atomic("xor", 4, R1, 8, R2, true),
  asm.atomic("xchg", 8, R1, 0, R2), asm.atomic("cmpxchg", 4, R1, 0, R2),
  asm.loadAcquire(8, R2, R1, 0), asm.storeRelease(4, R1, 0, R2),
  asm.ldAbs(2, 12), asm.ldInd(4, R1, -4),
  withLabel(asm.jeq(R1, R2, "done"), "jumps"), asm.jneImm(R1, -1, "jumps"), asm.jgtImm(R1, 0x7fffffff, "jumps"),
  asm.jge(R1, R2, "jumps"), asm.jltImm(R1, 1, "jumps"), asm.jle(R1, R2, "jumps"),
  asm.jsgtImm(R1, 1, "jumps"), asm.jsge(R1, R2, "jumps"), asm.jsltImm(R1, 1, "jumps"), asm.jsle(R1, R2, "jumps"),
  asm.jsetImm(R1, 4, "jumps"), asm.jmp("jeq", R1, { imm: 5 }, "jumps", true), asm.jmp("jsgt", R1, R2, "jumps", true),
  asm.gotol("end"), asm.mayGoto("end"),
  asm.callLocal("cb"), asm.callKfunc(1234), asm.call(999_999),
  withLabel(asm.movImm(R0, 0), "end"),
  asm.exit(),
  withComment(withLabel(asm.movImm(R0, 1), "cb"), "bpf_loop callback\nreturns 1 to stop"),
  asm.exit(),
];

describe("disassemble", () => {
  it("prints every instruction form (golden)", () => {
    golden(join(goldenDir, "all-instructions.txt"), disassemble(program));
  });

  it("prints an unmarshalled program with fds and synthesized labels (golden)", () => {
    const maps = new Map([["@calls", 3], ["@fmt", 4]]);
    golden(join(goldenDir, "unmarshalled.txt"), disassemble(unmarshal(marshal(program, { maps }))));
  });

  it("never throws, whatever it is given", () => {
    expect(disassemble([])).toBe("");
    expect(formatInstruction({ opcode: 0xff, dst: R1, src: 2, off: 3, imm: 4n })).toBe(
      "<invalid opcode 0xff dst=r1 src=2 off=3 imm=4>",
    );
    expect(formatInstruction({ opcode: 0x86, dst: R0, src: 0, off: 0, imm: 1n })).toMatch(/^<invalid opcode 0x86/);
    expect(disassemble([asm.ja("missing")])).toBe("   0: goto ?? <missing>\n");
    expect(formatInstruction({ ...asm.add(R1, R2), off: 1 })).toMatch(/^<invalid opcode 0x0f/);
    expect(formatInstruction({ ...asm.movsx32(R1, R2, 8), off: 32 })).toMatch(/^<invalid opcode 0xbc/);
  });

  it("matches the examples in the design brief", () => {
    const text = disassemble([
      asm.ldx(8, R1, R10, -8),
      asm.jeqImm(R1, 0, "out"),
      asm.ldMapFd(R0, "@calls"),
      asm.call(1),
      asm.movImm(R0, 0),
      withLabel(asm.exit(), "out"),
    ]);
    expect(text).toContain("   0: r1 = *(u64 *)(r10 - 8)\n");
    expect(text).toContain("   1: if r1 == 0x0 goto +4 <out>\n");
    expect(text).toContain("   2: r0 = map[@calls] ll\n");
    expect(text).toContain("   4: call 1 ; bpf_map_lookup_elem\n");
    expect(text).toContain("<out>:\n   6: exit\n");
  });
});
