// Each usual rejection provoked against this kernel's verifier (test/helpers/verifier-cases.ts):
// the error names the instruction, explains it in plain words, and, for a DSL program,
// names the source line. RECORD_VERIFIER_LOGS=1 writes the logs the unit test reads.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as native from "../../native/index.ts";
import { marshal } from "../../bpf/asm/index.ts";
import { describeError } from "../../bpf/errors.ts";
import { Session } from "../../bpf/session.ts";
import { machineEnv } from "../../bpf/runtime/features.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { VERIFIER_CASES } from "../helpers/verifier-cases.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/verifier");

function rejection(insns: Parameters<typeof marshal>[0], progType: number): native.VerifierError {
  const m = native.mapCreate({ type: native.MapType.HASH, keySize: 8, valueSize: 8, maxEntries: 16, name: "m" });
  try {
    const { fd } = native.progLoadWithLog({ type: progType, insns: marshal(insns, { maps: new Map([["@m", native.rawFd(m)]]) }), name: "case", license: "GPL" });
    fd.close();
  } catch (e) {
    if (e instanceof native.VerifierError) return e;
    throw e;
  } finally {
    m.close();
  }
  throw new Error("the verifier accepted the program");
}

describe.skipIf(skipWithoutBpf())("the verifier's usual rejections, explained", () => {
  it.each(VERIFIER_CASES.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const e = rejection(c.insns, c.progType ?? native.ProgType.RAW_TRACEPOINT);
    if (process.env.RECORD_VERIFIER_LOGS === "1") {
      // "too large" logs run to 300,000 lines; the reason and the instructions before it are at the end
      writeFileSync(join(FIXTURES, `${c.name}.log`), `${e.log.trimEnd().split("\n").slice(-40).join("\n")}\n`);
    }
    expect(e.summary).toMatch(c.reason);
    expect(c.insn).toContain(e.insn);
    const d = describeError(e);
    expect(d.ename).toBe("VerifierError");
    expect(d.text).toContain(`in plain words: ${c.plain}`);
    // the instruction, as the verifier printed it
    expect(d.text.split("\n")[0]).toMatch(/\(at \d+: \([0-9a-f]{2}\) .+\)$/);
  }, 30_000);

  it("a DSL program's rejection names its source line", async () => {
    const session = new Session(machineEnv());
    const program = ["BEGIN {", "  $i = 0;", "  while ($i < 3000000) {", "    $i++;", "  }", "  exit();", "}"].join("\n");
    try {
      const err = await session.run(program, { origin: "cell[7]", output: () => {} }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(native.VerifierError);
      const d = describeError(err);
      expect(d.text).toMatch(/^ERROR: load program "begin": verifier rejected the program: BPF program is too large\. Processed 1000001 insn \(at \d+: /);
      expect(d.text.split("\n")[1]).toMatch(/^from cell\[7\]:[34]: /);
      expect(d.text).toContain("in plain words: too many instructions to verify");
    } finally {
      session.close();
    }
  }, 60_000);
});
