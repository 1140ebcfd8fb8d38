// BEGIN and END (bpf/probes/special.ts): written bare, run once by the run itself
// (BPF_PROG_TEST_RUN of a raw tracepoint program), no arguments, nothing to list, and
// synchronous: their bodies split at map actions so that clear()/print() happen where written.
import { describe, expect, it } from "vitest";
import { splitAttachPoint } from "../../bpf/lang/attach-point.ts";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { compiled, disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();

describe("BEGIN and END", () => {
  it("are written bare, in upper or lower case, and take no fields", () => {
    expect([splitAttachPoint("begin"), splitAttachPoint("END")].map((a) => [a.provider, a.parts, a.problems])).toEqual([
      ["BEGIN", [], []],
      ["END", [], []],
    ]);
    expect(expanded(env, "BEGIN:now")).toBe("BEGIN takes no arguments");
  });

  it("are raw tracepoint programs that the run starts itself, at its start and at its end", () => {
    expect(probe(env, "begin")).toMatchObject({ name: "begin", progType: 17, context: "none", attach: { kind: "run", when: "begin" } });
    expect(probe(env, "end")).toMatchObject({ name: "end", progType: 17, attach: { kind: "run", when: "end" } });
  });

  it("list nothing", () => {
    expect(listProbes(env, "BEGIN", true)).toEqual([]);
    expect(listProbes(env, "end:*", false)).toEqual([]);
  });

  it("have no arguments, and run in kernel space in user mode (usermode is 1, probetype special)", () => {
    expect(messages(env, "BEGIN { @a = arg0; @b = retval; @c = args; @d = func; }")).toEqual([
      "error: arg0 is not available in BEGIN probes",
      "error: retval is only available in return probes (kretprobe, uretprobe, fexit), not BEGIN",
      "error: args is not available in BEGIN probes",
      "error: func is not available in BEGIN probes",
    ]);
    expect(inUserSpace(probe(env, "END"))).toBe(false);
    expect(disasm(env, "BEGIN { @u = usermode; }")).toMatch(/r0 = 1\n\s+\d+: \*\(u64 \*\)\(r10 - 16\) = r0/);
    expect(disasm(env, 'END { printf("%s\\n", probetype); }')).toContain("0x6c616963657073"); // "special"
  });

  it("split at each map action, where other probes do not", () => {
    const body = "{ @a = 1; clear(@a); @a = 2; print(@a); @b = 3; }";
    expect(compiled(env, `BEGIN ${body}`).programs.length).toBe(3);
    expect(compiled(env, `END ${body}`).programs.length).toBe(3);
    expect(compiled(env, `interval:s:1 ${body}`).programs.length).toBe(1);
  });
});
