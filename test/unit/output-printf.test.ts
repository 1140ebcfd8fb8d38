// printf's user-space half (bpf/output/printf.ts): C's conversions applied to decoded
// values, with what C's printf does for the length modifiers bpftrace passes through
// (`%hhd` of 257 is 1, `%hx` of 0x12345 is 2345, `%x` of a 64-bit value its low 32 bits).
import { describe, expect, it } from "vitest";
import { applyFormat } from "../../bpf/output/printf.ts";
import type { Value } from "../../bpf/types/snapshot.ts";

const i = (v: bigint, signed = true): Value => ({ kind: "int", value: v, signed });

describe("printf conversions", () => {
  it.each([
    ["%d %u %x %X %o", [i(-1n), i(5n), i(255n), i(255n), i(8n)], "-1 5 ff FF 10"],
    ["%5d|%-5d|%05d|%+d|% d", [i(3n), i(3n), i(-3n), i(3n), i(3n)], "    3|3    |-0003|+3| 3"],
    ["%hhd %hd %hhu %hx", [i(257n), i(65537n), i(-1n), i(0x12345n)], "1 1 255 2345"],
    ["%lu %lld %llx", [i(-1n), i(-2n), i(-1n)], "18446744073709551615 -2 ffffffffffffffff"],
    // no length modifier: a C int, as bpftrace HEAD casts (call:printf_length_modifiers)
    ["%hhx %hx %x %jx", [i(0x12345678abcdefn), i(0x12345678abcdefn), i(0x12345678abcdefn), i(0x12345678abcdefn)], "ef cdef 78abcdef 12345678abcdef"],
    ["%d %u %zd %td", [i(0x1ffffffffn), i(-1n), i(0x1ffffffffn), i(-3n)], "-1 4294967295 8589934591 -3"],
    ["%#x %#o %c %%", [i(255n), i(8n), i(65n)], "0xff 010 A %"],
    // %gr: gfp flags named as the kernel's tracepoints name them (call:printf_gr)
    ["%gr|%gr|%gr|%gr|%gr", [i(1n), i(0xcc0n), i(0xdc0n), i(0n), i(0x100000cc0n)], "GFP_DMA|GFP_KERNEL|GFP_KERNEL|__GFP_ZERO|0|GFP_KERNEL|0x100000000"],
    ["%gr %g", [i(0x400cc0n), i(2n)], "GFP_KERNEL_ACCOUNT %g"],
    ["%s|%10s|%-4s|%.2s", [{ kind: "str", value: "hi" }, { kind: "str", value: "hi" }, { kind: "str", value: "hi" }, { kind: "str", value: "hello" }], "hi|        hi|hi  |he"],
    // bpftrace HEAD's bool: a number to the integer conversions, a word to %s
    ["%d %u %x %s %s", [{ kind: "bool", value: true }, { kind: "bool", value: false }, { kind: "bool", value: true }, { kind: "bool", value: true }, { kind: "bool", value: false }], "1 0 1 true false"],
  ] as [string, Value[], string][])("%s", (fmt, values, want) => {
    expect(applyFormat(fmt, values)).toBe(want);
  });

  it("keeps the literal text around conversions, prints a conversion without a value as written, and reuses a split format", () => {
    const fmt = "a%%b %d c%%%x d %s%%";
    expect(applyFormat(fmt, [i(1n), i(255n), { kind: "str", value: "e" }])).toBe("a%b 1 c%ff d e%");
    expect(applyFormat(fmt, [i(2n), i(16n)])).toBe("a%b 2 c%10 d %s%");
    expect(applyFormat("no conversions%%\n", [])).toBe("no conversions%\n");
    expect(applyFormat("%d%d", [i(1n), i(2n)])).toBe("12");
  });
});
