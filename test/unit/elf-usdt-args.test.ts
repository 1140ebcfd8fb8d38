import { describe, expect, it } from "vitest";
import { parseUsdtArg, parseUsdtArgs, X86_64_PT_REGS } from "../../bpf/elf/index.ts";

describe("usdt argument specs (x86-64)", () => {
  const cases: [string, unknown][] = [
    ["-4@%edi", { size: 4, signed: true, loc: { kind: "reg", reg: "rdi" } }],
    ["8@%rax", { size: 8, signed: false, loc: { kind: "reg", reg: "rax" } }],
    ["1@%al", { size: 1, signed: false, loc: { kind: "reg", reg: "rax" } }],
    ["2@%r8w", { size: 2, signed: false, loc: { kind: "reg", reg: "r8" } }],
    ["-4@%r12d", { size: 4, signed: true, loc: { kind: "reg", reg: "r12" } }],
    ["8@-16(%rbp)", { size: 8, signed: false, loc: { kind: "mem", reg: "rbp", offset: -16 } }],
    ["-4@112(%rsp)", { size: 4, signed: true, loc: { kind: "mem", reg: "rsp", offset: 112 } }],
    ["8@(%rdi)", { size: 8, signed: false, loc: { kind: "mem", reg: "rdi", offset: 0 } }],
    ["8@0x10(%rdi)", { size: 8, signed: false, loc: { kind: "mem", reg: "rdi", offset: 16 } }],
    ["4@8(%rax,%rbx,4)", { size: 4, signed: false, loc: { kind: "mem", reg: "rax", offset: 8, index: "rbx", scale: 4 } }],
    ["-4@counter+4(%rip)", { size: 4, signed: true, loc: { kind: "mem", reg: "rip", offset: 4, symbol: "counter" } }],
    ["-4@$-1", { size: 4, signed: true, loc: { kind: "const", value: -1n } }],
    ["8@$42", { size: 8, signed: false, loc: { kind: "const", value: 42n } }],
  ];
  it.each(cases)("%s", (spec, want) => {
    expect(parseUsdtArg(spec)).toEqual({ ...(want as object), text: spec });
  });

  it("splits a probe's argument string and keeps argument order", () => {
    const r = parseUsdtArgs("-4@%edi 8@-16(%rbp)");
    expect(r.errors).toEqual([]);
    expect(r.args.map((a) => a.loc.kind)).toEqual(["reg", "mem"]);
    expect(parseUsdtArgs("").args).toEqual([]);
  });

  it("stops at the first spec it cannot read", () => {
    const r = parseUsdtArgs("8@%rdi 3@%rsi 8@%rdx");
    expect(r.args).toHaveLength(1);
    expect(r.errors).toEqual(["unsupported USDT argument spec '3@%rsi'"]);
  });

  it("has pt_regs offsets for every register it names", () => {
    for (const r of ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r15", "rip"]) expect(X86_64_PT_REGS[r]).toBeTypeOf("number");
    expect(X86_64_PT_REGS.rdi).toBe(112);
  });
});

describe("usdt argument specs (arm64)", () => {
  it("reads registers, [reg, off] memory and constants", () => {
    expect(parseUsdtArgs("-4@x0 8@[sp, 8] 4@[x1] -4@5", "arm64").args.map((a) => a.loc)).toEqual([
      { kind: "reg", reg: "x0" },
      { kind: "mem", reg: "sp", offset: 8 },
      { kind: "mem", reg: "x1", offset: 0 },
      { kind: "const", value: 5n },
    ]);
  });
});
