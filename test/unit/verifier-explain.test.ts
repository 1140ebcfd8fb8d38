// The log reader over real kernel 6.18 logs (test/fixtures/verifier/, recorded by
// test/system/verifier-explain.test.ts): the short reason with its instruction, the
// instruction's index, the plain-words explanation, and the source line once known.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { failingInsn, summarizeVerifierLog, VerifierError } from "../../native/index.ts";
import { describeError, explainVerifier } from "../../bpf/errors.ts";
import { asm, instructionAt, R0, R1, withComment } from "../../bpf/asm/index.ts";
import { VERIFIER_CASES } from "../helpers/verifier-cases.ts";

const log = (name: string) => readFileSync(join(import.meta.dirname, "../fixtures/verifier", `${name}.log`), "utf8");

describe("verifier logs of this kernel", () => {
  it.each(VERIFIER_CASES.map((c) => [c.name, c] as const))("%s: reason, instruction, plain words", (_, c) => {
    const text = log(c.name);
    expect(summarizeVerifierLog(text)).toMatch(c.reason);
    expect(c.insn).toContain(failingInsn(text));
    expect(explainVerifier(text)).toMatch(new RegExp(`^${c.plain.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  it("bpf_probe_write_user refused is explained as lockdown, other helpers as the program type's set", () => {
    const refused = (helper: string) => `93: (85) call ${helper}\nprogram of this type cannot use helper ${helper}\nprocessed 95 insns (limit 1000000)`;
    expect(explainVerifier(refused("bpf_probe_write_user#36"))).toMatch(/^bpf_probe_write_user \(write_user\(\)\) is withheld while the kernel is locked down/);
    expect(explainVerifier(refused("bpf_skb_output#111"))).toMatch(/^a helper this program type may not call/);
  });

  it("a log that overflowed its buffer (ENOSPC) is told in bpftrace's words, with the program's name and the log size", () => {
    const e = new VerifierError("func#0 @0\n0: R1=ctx() R10=fp0\n", 28, { context: 'load program "begin"', truncated: true, logSize: 64 });
    e.program = "begin_1";
    expect(describeError(e).text.split("\n").slice(0, 3)).toEqual([
      "ERROR: Error loading BPF program for begin_1. Error code: -28 (No space left on device).",
      "WARNING: Kernel log seems to be trimmed. This may be due to buffer not being big enough, try increasing the BPFTRACE_LOG_SIZE environment variable beyond the current value of 64 bytes. Or, add the configuration `config = { log_size = N; }` to the script.",
      "verifier log (last lines):",
    ]);
  });

  it("a read through a number is not called a missing NULL check", () => {
    expect(explainVerifier(log("mem"))).not.toContain("NULL");
    expect(explainVerifier(log("null-check"))).toContain("NULL");
  });

  it("each rejection has its own explanation", () => {
    const texts = VERIFIER_CASES.map((c) => explainVerifier(log(c.name)));
    expect(new Set(texts).size).toBe(VERIFIER_CASES.length);
  });

  it("describes the error with the source line that made the instruction", () => {
    const e = new VerifierError(log("null-check"), 13, { context: 'load program "BEGIN"' });
    e.source = "cell[3]:2: @x = *$p";
    expect(describeError(e).text.split("\n").slice(0, 3)).toEqual([
      "ERROR: load program \"BEGIN\": verifier rejected the program: R0 invalid mem access 'map_value_or_null' (at 6: (79) r0 = *(u64 *)(r0 +0))",
      "from cell[3]:2: @x = *$p",
      "in plain words: a map value was used without checking the lookup for NULL: bpf_map_lookup_elem returns NULL when the key is not in the map, so test it (`if r0 == 0 goto out`) before reading or writing through it",
    ]);
  });
});

describe("instructionAt", () => {
  it("finds the instruction at a verifier slot (lddw takes two) and the comment that covers it", () => {
    const insns = [
      withComment(asm.movImm(R0, 0), "cell[1]:1: $a = 0"),
      asm.ldImm64(R1, 1n << 40n),
      withComment(asm.movImm(R0, 1), "cell[1]:2: $b = 1"),
      asm.addImm(R0, 2),
      asm.exit(),
    ];
    expect(instructionAt(insns, 1)).toMatchObject({ index: 1, comment: "cell[1]:1: $a = 0" });
    expect(instructionAt(insns, 2)).toBeUndefined(); // the second half of lddw
    expect(instructionAt(insns, 4)).toMatchObject({ index: 3, comment: "cell[1]:2: $b = 1" });
    expect(instructionAt(insns, 9)).toBeUndefined();
  });
});
