// What charts call a map's keys and values (bpf/check/map-labels.ts): the key expressions
// as written, and the unit a program makes plain, recorded on the map by the checker.
import { describe, expect, it } from "vitest";
import { check } from "../../bpf/check/checker.ts";
import { keyLabel, valueUnit } from "../../bpf/check/map-labels.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { parse, type Expr } from "../../bpf/lang/index.ts";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const env = recordedEnv(join(dirname(fileURLToPath(import.meta.url)), "../fixtures/tracefs"), {
  features: { kprobes: false, trampolines: false, hardwarePmu: false },
});

function maps(source: string) {
  const parsed = parse(source);
  if (!parsed.program) throw new Error(JSON.stringify(parsed.diagnostics));
  const c = check(parsed.program, { env, origin: "cell[1]" });
  expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return c.maps;
}

/** The value expression of `BEGIN { @x = EXPR; }`. */
function expr(text: string): Expr {
  const p = parse(`BEGIN { @x = ${text}; }`).program!;
  const st = p.probes[0]!.body.statements[0] as unknown as { value: Expr };
  return st.value;
}

describe("key names", () => {
  it("are the key expressions as written", () => {
    const m = maps("tracepoint:syscalls:sys_enter_openat { @[pid, comm] = count(); @f[args.filename] = count(); }");
    expect(m.get("@")?.keyNames).toEqual(["pid", "comm"]);
    expect(m.get("@f")?.keyNames).toEqual(["args.filename"]);
    expect(keyLabel(expr("curtask->parent->pid"))).toBe("curtask->parent->pid");
    expect(keyLabel(expr("str(args.filename)"))).toBe("str(args.filename)");
    expect(keyLabel(expr("pid + 1"))).toBe("pid + 1");
  });

  it("a scalar map has none", () => {
    expect(maps("BEGIN { @c = count(); }").get("@c")?.keyNames).toEqual([]);
  });
});

describe("value units", () => {
  it.each([
    ["nsecs", "ns"],
    ["nsecs - @start[tid]", "ns"],
    ["(nsecs - @start[tid]) / 1000", "µs"],
    ["(nsecs - $t) / 1000000", "ms"],
    ["elapsed / 1000000000", "s"],
    ["args.count", "bytes"],
    ["args.ret", undefined],
    ["pid", undefined],
    ["nsecs / 7", undefined],
    ["nsecs - pid", undefined],
  ])("%s is %s", (text, unit) => {
    expect(valueUnit(expr(text))).toBe(unit);
  });

  it("are recorded on the maps that hold them", () => {
    const m = maps(`tracepoint:syscalls:sys_enter_read { @start[tid] = nsecs; @req = hist(args.count); }
      tracepoint:syscalls:sys_exit_read /@start[tid]/ { @us = hist((nsecs - @start[tid]) / 1000); @n = count(); delete(@start[tid]); }`);
    expect(m.get("@us")?.unit).toBe("µs");
    expect(m.get("@req")?.unit).toBe("bytes");
    expect(m.get("@start")?.unit).toBe("ns");
    expect(m.get("@n")?.unit).toBeUndefined();
  });
});
