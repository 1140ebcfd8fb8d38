// The network family's rows (bpf/functions/network.ts) through check and codegen: bswap's
// type and the byte swap of its width, pton's bytes, ntop's and macaddr's value types.
// (What the values print as: functions-format.test.ts; against the kernel:
// test/system/engine-functions.test.ts.)
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { disassemble } from "../../bpf/asm/index.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";

const env = recordedEnv(join(dirname(fileURLToPath(import.meta.url)), "../fixtures/tracefs"));

function typeOf(source: string, callee: string): unknown {
  const r = compile(source, { env, origin: "cell[1]" });
  for (const [e, t] of r.checked!.probes[0]!.types) if (e.kind === "CallExpr" && e.callee === callee) return t;
  return undefined;
}

function errors(source: string): string[] {
  return compile(source, { env, origin: "cell[1]" }).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
}

function text(source: string): string {
  const r = compile(source, { env, origin: "cell[1]" });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.spec!.programs.map((p) => disassemble(p.insns)).join("\n");
}

describe("bswap", () => {
  it("keeps its argument's type and swaps that many bytes", () => {
    expect(typeOf("BEGIN { $x = bswap((uint16)0x1234); }", "bswap")).toEqual({ k: "int", bits: 16, signed: false });
    expect(typeOf("BEGIN { $x = bswap((uint32)1); }", "bswap")).toEqual({ k: "int", bits: 32, signed: false });
    expect(text("BEGIN { @x = bswap((uint16)0x1234); }")).toMatch(/r0 = bswap16 r0/);
    expect(text("BEGIN { @x = bswap((uint32)0x1234); }")).toMatch(/r0 = bswap32 r0/);
    expect(text("BEGIN { @x = bswap(0x1234); }")).toMatch(/r0 = bswap64 r0/);
    // one byte is its own swap
    expect(typeOf("BEGIN { $x = bswap((int8)0x12); }", "bswap")).toEqual({ k: "int", bits: 8, signed: true });
    expect(text("BEGIN { @x = bswap((int8)0x12); }")).not.toMatch(/= bswap\d+ /);
  });

  it("takes one integer", () => {
    expect(errors('BEGIN { @x = bswap("ab"); }')).toEqual(["bswap() argument 1 must be an integer, not string[3]"]);
    expect(errors("BEGIN { @x = bswap(1, 2); }")).toEqual(["bswap() takes 1 argument, got 2"]);
  });
});

describe("addresses", () => {
  it("pton is the address's bytes; ntop and macaddr have value types of their own", () => {
    expect(typeOf('BEGIN { $a = pton("10.0.0.1"); }', "pton")).toEqual({ k: "array", element: { k: "int", bits: 8, signed: true }, length: 4 });
    expect(typeOf('BEGIN { $a = pton("::1"); }', "pton")).toEqual({ k: "array", element: { k: "int", bits: 8, signed: true }, length: 16 });
    expect(errors('BEGIN { $a = pton("10.0.0"); }')).toHaveLength(1);
    expect(typeOf("BEGIN { @a = ntop(2, 0x0100007f); }", "ntop")).toEqual({ k: "inet" });
    expect(errors("BEGIN { @a = ntop(pton(\"1.2.3\")); }")).toHaveLength(1);
  });
});
