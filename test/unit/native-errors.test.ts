import { describe, expect, it } from "vitest";
import {
  SyscallError,
  VerifierError,
  errnoName,
  errnoNumber,
  errnoText,
  hintsFor,
  summarizeVerifierLog,
} from "../../native/errors.ts";

describe("errno naming", () => {
  it.each([
    [1, "EPERM", "operation not permitted"],
    [2, "ENOENT", "no such file or directory"],
    [7, "E2BIG", "argument list too long"],
    [13, "EACCES", "permission denied"],
    [22, "EINVAL", "invalid argument"],
    [28, "ENOSPC", "no space left on device"],
    [95, "EOPNOTSUPP", "operation not supported"],
  ])("%i is %s", (n, name, text) => {
    expect(errnoName(n)).toBe(name);
    expect(errnoText(n)).toBe(text);
    expect(errnoNumber(name)).toBe(n);
  });
  it("names the kernel-internal ENOTSUPP and falls back for unknown numbers", () => {
    expect(errnoName(524)).toBe("ENOTSUPP");
    expect(errnoName(4242)).toBe("E4242");
    expect(errnoText(4242)).toBe("errno 4242");
    expect(errnoNumber("EWHATEVER")).toBeUndefined();
  });
});

describe("SyscallError", () => {
  it("formats call, code and text", () => {
    const e = new SyscallError("BPF_PROG_LOAD", 1);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("SyscallError");
    expect(e.message).toBe("BPF_PROG_LOAD: EPERM (operation not permitted)");
    expect(e.call).toBe("BPF_PROG_LOAD");
    expect(e.code).toBe("EPERM");
    expect(e.errno).toBe(1);
    expect(e.hints.some((h) => h.includes("CAP_BPF"))).toBe(true);
    expect(e.hints.some((h) => h.includes("trampolines"))).toBe(true);
  });
  it("puts the context first and keeps caller hints first", () => {
    const e = new SyscallError("BPF_MAP_CREATE", 12, { context: 'create map "@us"', hints: ["mine"] });
    expect(e.message).toBe('create map "@us": BPF_MAP_CREATE: ENOMEM (cannot allocate memory)');
    expect(e.hints[0]).toBe("mine");
    expect(e.hints.length).toBeGreaterThan(1);
  });
  it("has hints for the usual failures", () => {
    expect(hintsFor("perf_event_open", "EPERM")[0]).toContain("CAP_PERFMON");
    expect(hintsFor("BPF_MAP_UPDATE_ELEM", "ENOSPC")[0]).toContain("map is full");
    expect(hintsFor("BPF_PROG_LOAD", "ENOSPC")[0]).toContain("log");
    expect(hintsFor("BPF_MAP_CREATE", "E2BIG")[0]).toContain("newer than this kernel");
    expect(hintsFor("BPF_PROG_LOAD", "E2BIG")[0]).toContain("too large");
    expect(hintsFor("BPF_RAW_TRACEPOINT_OPEN", "ENOENT")[0]).toContain("raw tracepoint");
    expect(hintsFor("BPF_MAP_LOOKUP_ELEM", "ENOENT")).toEqual([]);
  });
});

describe("verifier log summary", () => {
  it("takes the reason and its instruction, skipping statistics", () => {
    const log = [
      "func#0 @0",
      "0: R1=ctx() R10=fp0",
      "0: (95) exit",
      "R0 !read_ok",
      "processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
      "",
    ].join("\n");
    expect(summarizeVerifierLog(log)).toBe("R0 !read_ok (at 0: (95) exit)");
    const e = new VerifierError(log, 13, { context: 'load program "BEGIN"' });
    expect(e.name).toBe("VerifierError");
    expect(e.summary).toBe("R0 !read_ok (at 0: (95) exit)");
    expect(e.message).toBe('load program "BEGIN": verifier rejected the program: R0 !read_ok (at 0: (95) exit)');
    expect(e.log).toBe(log);
    expect(e.code).toBe("EACCES");
    expect(e.truncated).toBe(false);
  });
  it("keeps a lone last line and handles an empty log", () => {
    expect(summarizeVerifierLog("unknown opcode 8d\nprocessed 0 insns (limit 1000000)\n")).toBe("unknown opcode 8d");
    expect(summarizeVerifierLog("\n\n")).toBe("rejected with an empty log");
  });
  it("skips the register states printed after an infinite loop", () => {
    const log = [
      "27: (05) goto pc-27",
      "infinite loop detected at insn 1",
      "cur state: R0=map_value(map=x,ks=8,vs=8) R1=scalar() R10=fp0",
      "old state: R0=map_value(map=x,ks=8,vs=8) R1=scalar() R10=fp0",
      "processed 34 insns (limit 1000000) max_states_per_insn 1 total_states 3 peak_states 3 mark_read 0",
    ].join("\n");
    expect(summarizeVerifierLog(log)).toBe("infinite loop detected at insn 1 (at 27: (05) goto pc-27)");
  });
});
