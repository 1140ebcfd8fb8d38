// max_strlen: the one size of strings a program does not size itself (bpf/check/types.ts
// DEFAULT_STRLEN, bpftrace's 1024), and the compile option that overrides it. Every size
// from 1 to 4096 must compile: what does not fit the BPF stack goes to the scratch area.
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { marshal } from "../../bpf/asm/index.ts";
import { DEFAULT_STRLEN, str, type Type } from "../../bpf/types/types.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import { type ProgramSpec } from "../../bpf/codegen/spec.ts";
import { SCRATCH_MAP } from "../../bpf/types/internal-maps.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";

const here = dirname(fileURLToPath(import.meta.url));
const env = recordedEnv(join(here, "../fixtures/tracefs"));

function compileClean(source: string, maxStrlen?: number): ProgramSpec {
  const r = compile(source, { env, origin: "cell[1]", maxStrlen });
  expect(renderDiagnostics(r.diagnostics, source, "cell[1]")).toBe("");
  if (!r.spec) throw new Error(`no spec: ${source}`);
  return r.spec;
}

const SOURCE = `
tracepoint:sched:sched_process_exec {
  @loc[args->filename] = count();
  @probe = probe;
  let $s: string = "x";
  @decl = $s;
}
tracepoint:syscalls:sys_enter_openat {
  @str[str(args->filename)] = count();
  @capped = str(args->filename, 100000);
  @buf = buf(args->filename, 100000);
  printf("%s %s\\n", str(args->filename), comm);
  if (str(args->filename) == str(args->filename)) { @same = count(); }
}`;

function types(spec: ProgramSpec): Record<string, Type> {
  const m = (name: string) => spec.maps.find((x) => x.name === name)?.info;
  return {
    loc: m("@loc")!.keyTypes[0]!,
    probe: m("@probe")!.valueType,
    decl: m("@decl")!.valueType,
    str: m("@str")!.keyTypes[0]!,
    capped: m("@capped")!.valueType,
    buf: m("@buf")!.valueType,
  };
}

describe("max_strlen", () => {
  it("is bpftrace's 1024 by default", () => {
    expect(DEFAULT_STRLEN).toBe(1024);
    const t = types(compileClean(SOURCE));
    expect(t).toEqual({ loc: str(1024), probe: str(1024), decl: str(1024), str: str(1024), capped: str(1024), buf: { k: "buffer", size: 1024 } });
  });

  it.each([1, 7, 16, 64, 200, 513, 1024, 3000, 4096])("maxStrlen %i sizes every unsized string and caps str(p, n) and buf(p, n); the program compiles", (n) => {
    const spec = compileClean(SOURCE, n);
    const t = types(spec);
    expect(t).toEqual({ loc: str(n), probe: str(n), decl: str(n), str: str(n), capped: str(n), buf: { k: "buffer", size: n } });
    // comm stays the kernel's 16 bytes
    const printf = spec.actions.find((a) => a.kind === "printf");
    expect(printf?.kind === "printf" && printf.args.map((a) => a.type)).toEqual([str(n), str(16)]);
    for (const p of spec.programs) {
      expect(p.stackSize).toBeLessThanOrEqual(512);
      expect(marshal(p.insns, { maps: new Map(spec.maps.map((m, i) => [m.name, 3 + i])) }).length).toBeGreaterThan(0);
    }
    const scratch = spec.maps.find((m) => m.name === SCRATCH_MAP);
    if (n <= 16) expect(scratch).toBeUndefined();
    if (n >= 200) expect(scratch?.valueSize).toBeGreaterThanOrEqual(2 * n);
  });

  it("a string literal keeps its own size", () => {
    const spec = compileClean('BEGIN { @lit = "abc"; }', 4096);
    expect(spec.maps.find((m) => m.name === "@lit")?.info?.valueType).toEqual(str(4));
  });
});
