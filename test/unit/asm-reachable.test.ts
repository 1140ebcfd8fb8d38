// dropUnreachable (bpf/asm/reachable.ts): what a path from the first instruction reaches.
// The verifier refuses the rest ("unreachable insn N"), so generated callbacks are trimmed.
import { describe, expect, it } from "vitest";
import { AsmError, asm, dropUnreachable, withLabel, R0, R1, type Instruction } from "../../bpf/asm/index.ts";

const labels = (fn: Instruction[]) => dropUnreachable(fn).map((i) => i.label ?? "-");

describe("dropUnreachable", () => {
  const cases: [string, Instruction[], string[]][] = [
    ["keeps straight-line code", [withLabel(asm.movImm(R0, 0), "a"), withLabel(asm.exit(), "b")], ["a", "b"]],
    [
      "drops what follows exit until a jump target",
      [asm.movImm(R0, 0), asm.exit(), withLabel(asm.movImm(R0, 1), "dead"), asm.exit()],
      ["-", "-"],
    ],
    [
      "keeps both sides of a conditional jump",
      [asm.jeqImm(R1, 0, "t"), withLabel(asm.movImm(R0, 0), "f"), asm.exit(), withLabel(asm.movImm(R0, 1), "t"), asm.exit()],
      ["-", "f", "-", "t", "-"],
    ],
    [
      "an unconditional ja does not fall through",
      [asm.ja("t"), withLabel(asm.movImm(R0, 0), "skipped"), withLabel(asm.movImm(R0, 1), "t"), asm.exit()],
      ["-", "t", "-"],
    ],
    [
      "a gotol (JMP32 ja) does not fall through either",
      [asm.gotol("t"), withLabel(asm.movImm(R0, 0), "skipped"), withLabel(asm.exit(), "t")],
      ["-", "t"],
    ],
    [
      "helper calls fall through; the lddw of a subprogram is not a jump",
      [asm.ldFunc(R1, "elsewhere"), asm.call(164), withLabel(asm.exit(), "x")],
      ["-", "-", "x"],
    ],
    [
      "an unused loop epilogue (break: r0 = 1; exit) is dropped",
      [
        asm.jeqImm(R1, 0, "cont"),
        withLabel(asm.movImm(R0, 0), "cont"),
        asm.exit(),
        withLabel(asm.movImm(R0, 1), "break"),
        asm.exit(),
      ],
      ["-", "cont", "-"],
    ],
  ];
  for (const [name, fn, want] of cases) it(name, () => expect(labels(fn)).toEqual(want));

  it("refuses a jump out of the function", () => {
    expect(() => dropUnreachable([asm.ja("other"), asm.exit()])).toThrow(AsmError);
  });
});
