// The CLI's command line as bpftrace's getopt_long reads it (bpf/cli-args.ts): options after
// the program, attached and clustered short options, long options with = or a separate
// value and unambiguous abbreviations, `--` handing the rest to the program, and -p's
// checks in bpftrace's words.
import { describe, expect, it } from "vitest";
import { parseArgs, parsePidArg, UsageError } from "../../bpf/cli-args.ts";

describe("cli args", () => {
  it("takes options anywhere: before, between and after the program and its arguments", () => {
    const a = parseArgs(["-e", "BEGIN {}", "--cmd", "./prog 1", "arg1", "-q", "arg2", "--no-warnings"]);
    expect(a.prog).toBe("BEGIN {}");
    expect(a.cmd).toBe("./prog 1");
    expect(a.quiet).toBe(true);
    expect(a.warnings).toBe(0);
    expect(a.positional).toEqual(["arg1", "arg2"]);
  });

  it("reads a program file, `-` as stdin, and the rest as positional parameters", () => {
    expect(parseArgs(["script.bt", "1", "two"])).toMatchObject({ file: "script.bt", positional: ["1", "two"] });
    expect(parseArgs(["-", "x"])).toMatchObject({ file: "/dev/stdin", positional: ["x"] });
  });

  it("long options take =VALUE or the next word, and may be abbreviated while unambiguous", () => {
    expect(parseArgs(["--output=/tmp/o", "-e", "x"]).out).toBe("/tmp/o");
    expect(parseArgs(["--output", "/tmp/o", "-e", "x"]).out).toBe("/tmp/o");
    expect(parseArgs(["--incl", "errno.h", "--include=stdint.h", "-e", "x"]).includes).toEqual(["errno.h", "stdint.h"]);
    expect(parseArgs(["--pid", "12", "-e", "x"]).pid).toBe("12");
    expect(parseArgs(["--probe-filter", ":200", "-e", "x"]).probeFilter).toBe(":200");
    expect(parseArgs(["--probe=a|b", "-e", "x"]).probeFilter).toBe("a|b");
    expect(() => parseArgs(["--in", "-e", "x"])).toThrow("option '--in' is ambiguous; possibilities: '--include' '--info'");
    expect(() => parseArgs(["--bogus"])).toThrow(UsageError);
    expect(() => parseArgs(["--quiet=1"])).toThrow("option '--quiet' doesn't allow an argument");
    expect(() => parseArgs(["-e", "x", "--output"])).toThrow("option '--output' requires an argument");
  });

  it("short options cluster (-lv, -qe PROG) and take attached values (-ePROG, -I/usr/local/include)", () => {
    expect(parseArgs(["-lv", "tracepoint:*"])).toMatchObject({ list: true, verbose: true, file: "tracepoint:*" });
    expect(parseArgs(["-qe", "BEGIN {}"])).toMatchObject({ quiet: true, prog: "BEGIN {}" });
    expect(parseArgs(["-eBEGIN {}", "-I/usr/local/include", "-I", "inc"])).toMatchObject({ prog: "BEGIN {}", includeDirs: ["/usr/local/include", "inc"] });
    expect(() => parseArgs(["-x"])).toThrow("invalid option -- 'x'");
    expect(() => parseArgs(["-e"])).toThrow("option requires an argument -- 'e'");
  });

  it("after `--` everything is the program's: positional parameters and getopt() options", () => {
    const a = parseArgs(["-e", "x", "1", "--", "--depth=5", "-q", "2"]);
    expect(a.quiet).toBe(false);
    expect(a.positional).toEqual(["1", "-q", "2"]);
    expect(a.options).toEqual(["depth=5"]);
  });

  it("-k and --no-warnings conflict, as in bpftrace", () => {
    expect(parseArgs(["-k", "-e", "x"]).warnings).toBe(2);
    expect(() => parseArgs(["-k", "--no-warnings", "-e", "x"])).toThrow("USAGE: -k, --warnings conflicts with --no-warnings");
  });

  it("-p: bpftrace's integer rules and words", () => {
    expect(parsePidArg("1234")).toBe(1234);
    expect(parsePidArg("0x10")).toBe(16);
    expect(parsePidArg("010")).toBe(8);
    expect(parsePidArg("a1111")).toBe("Failed to parse pid: invalid integer: a1111");
    expect(parsePidArg("111a1")).toBe("Failed to parse pid: invalid trailing bytes: 111a1");
    expect(parsePidArg("not_a_pid")).toBe("Failed to parse pid: invalid integer: not_a_pid");
    expect(parsePidArg("5000000")).toBe("Pid out of range: 5000000");
    expect(parsePidArg(String(0x400000))).toBe(0x400000);
  });
});
