// The checker's types for memory as C sees it: pointer arithmetic, arrays, structs and
// tuples laid out in bytes (bpf/check, bpf/types), against a recorded machine.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { check, type CheckedProgram } from "../../bpf/check/checker.ts";
import { typeName } from "../../bpf/types/types.ts";
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
