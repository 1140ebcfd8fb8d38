// The checker's types for memory as C sees it: pointer arithmetic, arrays, structs and
// tuples laid out in bytes (bpf/check, bpf/types), against a recorded machine.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { check, type CheckedProgram } from "../../bpf/check/checker.ts";
import { sizeOf, typeName } from "../../bpf/types/types.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { parse } from "../../bpf/lang/index.ts";

const env = recordedEnv(join(dirname(fileURLToPath(import.meta.url)), "../fixtures/tracefs"));

function checked(source: string, positional: readonly string[] = []): { c: CheckedProgram; errors: string } {
  const parsed = parse(source);
  expect(parsed.diagnostics, `parse: ${source}`).toEqual([]);
  const c = check(parsed.program!, { env, origin: "cell[1]", positional });
  return { c, errors: renderDiagnostics(c.diagnostics, source, "cell[1]") };
}

/** The types of the first probe's variables, by name. */
function varTypes(source: string, positional: readonly string[] = []): Record<string, string> {
  const { c, errors } = checked(source, positional);
  expect(errors).toBe("");
  return Object.fromEntries([...c.probes[0]!.vars].map(([n, t]) => [n, typeName(t)]));
}

describe("pointer arithmetic", () => {
  it("a pointer plus or minus an integer is a pointer of the same type, on either side of +", () => {
    expect(varTypes("BEGIN { $p = (int16 *)8; $a = $p + 1; $b = 2 + $p; $c = $p - 1; }")).toMatchObject({
      $a: "int16 *",
      $b: "int16 *",
      $c: "int16 *",
    });
  });
});

describe("tuples", () => {
  it("elements keep their own width and align as in a C struct; an integer literal is the smallest signed integer that holds it", () => {
    const { c, errors } = checked('BEGIN { $a = ((int8)1, (int16)1, (int32)1); $b = ((int32)1, (int16)1, (int8)1); $c = (1, 300, -70000, 5000000000, "ab"); }');
    expect(errors).toBe("");
    const vars = c.probes[0]!.vars;
    expect(sizeOf(vars.get("$a")!)).toBe(8);
    expect(sizeOf(vars.get("$b")!)).toBe(8);
    expect(typeName(vars.get("$c")!)).toBe("(int8, int16, int32, int64, string[3])");
    expect(sizeOf(vars.get("$c")!)).toBe(24);
  });

  it("$t[i] is $t.i when i is known here", () => {
    expect(varTypes('BEGIN { $t = (1, "ab", (int64)3); $a = $t[1]; $b = $t[1 + 1]; }')).toMatchObject({ $a: "string[3]", $b: "int64" });
    expect(checked("BEGIN { $t = (1, 2); $i = 1; $a = $t[$i]; }").errors).toContain("error: a tuple index must be a constant");
    expect(checked("BEGIN { $t = (1, 2); $a = $t[2]; }").errors).toContain("error: tuple index 2 out of range: the tuple has 2 elements");
  });

  it("a known index past a fixed-size array's end is an error, as in bpftrace", () => {
    const prog = (i: string) => `struct A { int x[4]; } BEGIN { $a = (struct A *) 0; $v = $a->x[${i}]; }`;
    expect(checked(prog("5")).errors).toContain("error: the index 5 is out of bounds for array of size 4");
    expect(checked(prog("3")).errors).toBe("");
  });
});

describe("array comparison", () => {
  it("arrays of the same type compare with == and !=; others are errors", () => {
    expect(varTypes("struct A { int x[4]; short y[4]; } BEGIN { $p = (struct A *)0; $e = $p->x == $p->x; $n = $p->x != $p->x; }")).toMatchObject({ $e: "bool", $n: "bool" });
    expect(checked("struct A { int x[4]; short y[4]; } BEGIN { $p = (struct A *)0; $e = $p->x == $p->y; }").errors).toContain("error: cannot compare int32[4] with int16[4]");
    expect(checked("struct A { int x[4]; } BEGIN { $p = (struct A *)0; $e = $p->x < $p->x; }").errors).toContain("error: cannot compare int32[4] with int32[4]");
  });
});
