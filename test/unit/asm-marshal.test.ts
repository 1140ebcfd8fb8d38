import { describe, expect, it } from "vitest";
import {
  AsmError, asm, marshal, unmarshal, withComment, withLabel, R0, R1, R2, R6, R10, type Instruction,
} from "../../bpf/asm/index.ts";

const hex = (b: Uint8Array): string[] => Buffer.from(b).toString("hex").match(/.{16}/g) ?? [];
const offOf = (b: Uint8Array, slot: number): number => Buffer.from(b).readInt16LE(slot * 8 + 2);
const immOf = (b: Uint8Array, slot: number): number => Buffer.from(b).readInt32LE(slot * 8 + 4);

describe("marshal: labels", () => {
  it("resolves a forward jump relative to the next instruction", () => {
    const b = marshal([asm.jeqImm(R1, 0, "out"), asm.movImm(R0, 1), asm.movImm(R0, 2), withLabel(asm.exit(), "out")]);
    expect(offOf(b, 0)).toBe(2);
  });

  it("resolves a backward jump", () => {
    const b = marshal([withLabel(asm.addImm(R1, 1), "top"), asm.jltImm(R1, 10, "top"), asm.exit()]);
    expect(offOf(b, 1)).toBe(-2);
  });

  it("resolves a jump to the next instruction to +0", () => {
    const b = marshal([asm.ja("next"), withLabel(asm.exit(), "next")]);
    expect(offOf(b, 0)).toBe(0);
  });

  it("counts lddw as two slots, before and after the jump", () => {
    const b = marshal([
      withLabel(asm.ldImm64(R1, 1n), "back"), // slots 0-1
      asm.jeqImm(R2, 0, "fwd"), // slot 2
      asm.ldImm64(R2, 2n), // slots 3-4
      asm.ja("back"), // slot 5
      withLabel(asm.exit(), "fwd"), // slot 6
    ]);
    expect(b.length).toBe(7 * 8);
    expect(offOf(b, 2)).toBe(3);
    expect(offOf(b, 5)).toBe(-6);
  });

  it("resolves bpf-to-bpf calls and subprogram addresses into imm", () => {
    const b = marshal([
      asm.callLocal("fn"), // 0
      asm.ldFunc(R2, "fn"), // 1-2
      asm.exit(), // 3
      withLabel(asm.movImm(R0, 0), "fn"), // 4
      asm.exit(),
    ]);
    expect(immOf(b, 0)).toBe(3);
    expect(immOf(b, 1)).toBe(2);
    expect(offOf(b, 0)).toBe(0);
  });

  it("resolves gotol into imm, beyond the s16 range of ja", () => {
    const filler = Array.from({ length: 40_000 }, () => asm.movImm(R0, 0));
    const far = [asm.gotol("end"), ...filler, withLabel(asm.exit(), "end")];
    expect(immOf(marshal(far), 0)).toBe(40_000);
    const near = [asm.ja("end"), ...filler, withLabel(asm.exit(), "end")];
    expect(() => marshal(near)).toThrow(/jump to "end" out of range \(offset 40000 does not fit in s16\)/);
  });

  it("rejects an unknown label", () => {
    expect(() => marshal([asm.ja("nowhere"), asm.exit()])).toThrow(AsmError);
    expect(() => marshal([asm.ja("nowhere"), asm.exit()])).toThrow('instruction 0 (slot 0): unknown label "nowhere"');
  });

  it("rejects a duplicate label", () => {
    const p = [withLabel(asm.movImm(R0, 0), "x"), withLabel(asm.exit(), "x")];
    expect(() => marshal(p)).toThrow('duplicate label "x"');
  });

  it("rejects a target on an instruction that does not jump", () => {
    const bad: Instruction = { ...asm.movImm(R0, 0), target: "x" };
    expect(() => marshal([withLabel(bad, "x")])).toThrow(/is not a jump or call/);
  });

  it("withLabel refuses to relabel, withComment replaces", () => {
    const i = withLabel(asm.exit(), "a");
    expect(withLabel(i, "a")).toEqual(i);
    expect(() => withLabel(i, "b")).toThrow(AsmError);
    expect(withComment(withComment(i, "x"), "y").comment).toBe("y");
    expect(withComment(i, "x").label).toBe("a");
  });
});

describe("marshal: maps", () => {
  const maps = new Map([["@calls", 7], ["@data", 0x1234]]);

  it("patches the map fd into a BPF_PSEUDO_MAP_FD lddw", () => {
    expect(hex(marshal([asm.ldMapFd(R1, "@calls")], { maps }))).toEqual(["1811000007000000", "0000000000000000"]);
  });

  it("patches the fd and keeps the offset of a BPF_PSEUDO_MAP_VALUE lddw", () => {
    expect(hex(marshal([asm.ldMapValue(R1, "@data", 24)], { maps }))).toEqual(["1821000034120000", "0000000018000000"]);
  });

  it("rejects an unknown map, with and without a map table", () => {
    expect(() => marshal([asm.ldMapFd(R1, "@nope")], { maps })).toThrow('unknown map "@nope"');
    expect(() => marshal([asm.ldMapFd(R1, "@calls")])).toThrow('unknown map "@calls"');
  });

  it("rejects a map reference on anything but lddw of a map", () => {
    const bad: Instruction = { ...asm.movImm(R1, 0), mapRef: "@calls" };
    expect(() => marshal([bad], { maps })).toThrow(/not lddw of a map/);
  });
});

describe("marshal: field checks", () => {
  it("rejects fields the wire format cannot hold", () => {
    const base = asm.movImm(R0, 0);
    expect(() => marshal([{ ...base, off: 40_000 }])).toThrow(/does not fit in s16/);
    expect(() => marshal([{ ...base, imm: 2n ** 32n }])).toThrow(/does not fit in 32 bits/);
    expect(() => marshal([{ ...base, src: 16 }])).toThrow(/invalid src/);
    expect(() => marshal([{ ...base, opcode: 256 }])).toThrow(/invalid opcode/);
  });

  it("builders reject out-of-range operands", () => {
    expect(() => asm.movImm(R1, 0xffffffff)).toThrow(/does not fit in s32/); // would sign-extend to -1
    expect(() => asm.mov32Imm(R1, 2 ** 32)).toThrow(/does not fit in 32 bits/);
    expect(() => asm.st(8, R10, -8, 0x80000000)).toThrow(/does not fit in s32/);
    expect(() => asm.ldx(8, R1, R10, -40_000)).toThrow(/does not fit in s16/);
    expect(() => asm.mov(R1, 11 as never)).toThrow(/invalid register r11/);
    expect(() => asm.ldImm64(R1, 2n ** 64n)).toThrow(/does not fit in 64 bits/);
    expect(() => asm.ldMapValue(R1, "m", -1)).toThrow(/invalid offset/);
    expect(() => asm.ja("")).toThrow(/empty jump target/);
    expect(() => asm.movsx(R1, R2, 64 as never)).toThrow(/invalid width/);
  });

  it("normalizes immediates to the signed form the kernel sees", () => {
    expect(asm.mov32Imm(R1, 0xffffffff).imm).toBe(-1n);
    expect(asm.ldImm64(R1, 0xffffffffffffffffn).imm).toBe(-1n);
    expect(asm.ldMapValue(R1, "m", 0x80000000).imm).toBe(-(2n ** 63n));
  });
});

describe("unmarshal", () => {
  const maps = new Map([["@calls", 5]]);
  const program: Instruction[] = [
    asm.movImm(R6, 0),
    withLabel(asm.ldMapFd(R1, "@calls"), "loop"),
    asm.stx(8, R10, -8, R6),
    asm.mov(R2, R10),
    asm.addImm(R2, -8),
    asm.call(1),
    asm.jeqImm(R0, 0, "skip"),
    asm.atomic("add", 8, R0, 0, R6),
    withLabel(asm.addImm(R6, 1), "skip"),
    asm.jltImm(R6, 4, "loop"),
    asm.callLocal("sub"),
    asm.gotol("end"),
    withLabel(asm.ldImm64(R0, 0x1122334455667788n), "sub"),
    asm.exit(),
    withLabel(asm.movImm(R0, 0), "end"),
    asm.exit(),
  ];

  it("round-trips marshal -> unmarshal -> marshal byte for byte", () => {
    const bytes = marshal(program, { maps });
    const back = unmarshal(bytes);
    expect(back).toHaveLength(program.length);
    expect(marshal(back)).toEqual(bytes);
  });

  it("recovers fields and synthesizes labels at jump targets", () => {
    const back = unmarshal(marshal(program, { maps }));
    const strip = ({ label: _l, target: _t, mapRef: _m, comment: _c, ...rest }: Instruction) => rest;
    expect(back[0]).toEqual(asm.movImm(R6, 0));
    expect(strip(back[1]!)).toEqual({ opcode: 0x18, dst: R1, src: 1, off: 0, imm: 5n });
    expect(back[1]!.label).toBe("L1");
    expect(back[6]).toMatchObject({ target: "L9", off: 1 });
    expect(back[8]!.label).toBe("L9");
    expect(back[9]).toMatchObject({ target: "L1", off: -10 });
    expect(back[10]).toMatchObject({ target: "L13", imm: 1n });
    expect(back[11]).toMatchObject({ target: "L16", imm: 3n });
    expect(back[14]!.label).toBe("L16");
    expect(strip(back[12]!)).toEqual(strip(asm.ldImm64(R0, 0x1122334455667788n)));
  });

  it("leaves jumps into the middle of lddw unlabelled", () => {
    // ja +1 at slot 0 lands on slot 2, the second half of the lddw at slots 1-2.
    const bytes = Uint8Array.from(Buffer.from("0500010000000000" + "1801000001000000" + "0000000000000000" + "9500000000000000", "hex"));
    const back = unmarshal(bytes);
    expect(back[0]!.target).toBeUndefined();
    expect(back[0]!.off).toBe(1);
  });

  it("rejects malformed input", () => {
    expect(() => unmarshal(new Uint8Array(12))).toThrow(/not a multiple of 8/);
    expect(() => unmarshal(Uint8Array.from(Buffer.from("1801000001000000", "hex")))).toThrow(/missing its second slot/);
    expect(() => unmarshal(Uint8Array.from(Buffer.from("18010000010000009500000000000000", "hex")))).toThrow(/second slot of lddw/);
    expect(() => unmarshal(Uint8Array.from(Buffer.from("b70b000000000000", "hex")))).toThrow(/invalid dst register r11/);
  });

  it("accepts a view into a larger buffer", () => {
    const big = new Uint8Array(24);
    big.set(marshal([asm.movImm(R0, 3), asm.exit()]), 8);
    expect(unmarshal(big.subarray(8))).toEqual([asm.movImm(R0, 3), asm.exit()]);
  });
});
