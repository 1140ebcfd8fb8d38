// Kernel types through BTF in the checker and codegen, against the small kernel of
// test/helpers/btf-sample.ts (task_struct { pid_t pid; char comm[16]; union { int a;
// unsigned b; }; unsigned flag:1, mode:3; struct task_struct *parent; }, enum state, the
// function do_thing(struct task_struct *task, const char *name)), written to a temporary
// file and handed in as the recorded machine's vmlinux.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { disassemble } from "../../bpf/asm/index.ts";
import { check, type CheckedProbe } from "../../bpf/check/checker.ts";
import { typeName } from "../../bpf/types/types.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import type * as A from "../../bpf/lang/index.ts";
import { parse } from "../../bpf/lang/index.ts";
import { sample } from "../helpers/btf-sample.ts";

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tracebook-btf-"));
writeFileSync(join(dir, "vmlinux"), sample().bytes);
const env = recordedEnv(join(here, "../fixtures/tracefs"), { btf: join(dir, "vmlinux"), features: { kprobes: false, trampolines: true, hardwarePmu: false } });
const noBtf = recordedEnv(join(here, "../fixtures/tracefs"));

function checked(source: string, e = env) {
  const parsed = parse(source);
  expect(parsed.diagnostics).toEqual([]);
  return check(parsed.program!, { env: e, origin: "cell[1]" });
}

/** Type names of every `$var` in the first probe, after a clean check. */
function varTypes(source: string): Record<string, string> {
  const c = checked(source);
  expect(renderDiagnostics(c.diagnostics, source, "cell[1]")).toBe("");
  return Object.fromEntries([...c.probes[0]!.vars].map(([k, t]) => [k, typeName(t)]));
}

function errors(source: string, e = env): string {
  return renderDiagnostics(checked(source, e).diagnostics, source, "cell[1]");
}

function disasm(source: string): string {
  const r = compile(source, { env, origin: "cell[1]" });
  expect(renderDiagnostics(r.diagnostics, source, "cell[1]")).toBe("");
  return disassemble(r.spec!.programs[0]!.insns);
}

function fieldOf(p: CheckedProbe, name: string) {
  for (const [x, f] of p.fields) if ((x as A.FieldExpr).field === name) return f;
  return undefined;
}

describe("kernel struct fields", () => {
  it("types members by their BTF types: ints, char arrays as strings, pointers, anonymous unions", () => {
    expect(varTypes("BEGIN { $p = curtask->pid; $c = curtask->comm; $a = curtask->a; $b = curtask.b; $up = curtask->parent; $pp = curtask->parent->parent->pid; }")).toEqual({
      $p: "int32", $c: "string[16]", $a: "int32", $b: "uint32", $up: "struct task_struct *", $pp: "int32",
    });
  });

  it("reads bitfields by shifting and masking the bytes that hold them", () => {
    const c = checked("BEGIN { @m = curtask->mode; @f = curtask->flag; }");
    expect(fieldOf(c.probes[0]!, "mode")).toEqual({ type: expect.anything(), offset: 24, bits: { loadSize: 1, shift: 1, width: 3 } });
    expect(fieldOf(c.probes[0]!, "flag")).toEqual({ type: expect.anything(), offset: 24, bits: { loadSize: 1, shift: 0, width: 1 } });
    const text = disasm("BEGIN { @m = curtask->mode; }");
    expect(text).toMatch(/r0 >>= 1\b/);
    expect(text).toMatch(/r0 <<= 61\b/);
  });

  it("casts integers to struct pointers, and holds structs by address in variables", () => {
    expect(varTypes("BEGIN { $t = (struct task_struct *)0; $pid = $t->parent->pid; $r = *curtask; $rp = $r.pid; }")).toEqual({
      $t: "struct task_struct *", $pid: "int32", $r: "struct task_struct *", $rp: "int32",
    });
  });

  it("offsetof and sizeof come from BTF as constants; enum constants are numbers", () => {
    const c = checked("BEGIN { @o = offsetof(struct task_struct, comm); @u = offsetof(struct task_struct, b); @s = sizeof(struct task_struct); @e = DEAD; }");
    expect(renderDiagnostics(c.diagnostics, "", "cell[1]")).toBe("");
    expect([...c.probes[0]!.consts.values()]).toEqual([4n, 20n, 40n, -1n]);
  });

  it("fentry args are the function's parameters, typed through BTF; fexit retval sits after them", () => {
    expect(disasm("fentry:do_thing { @[args.task->pid] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 0\)/);
    expect(disasm("fexit:do_thing { @r = retval; }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 16\)/);
  });
});

describe("kernel type diagnostics", () => {
  it("name the struct and suggest the closest member", () => {
    expect(errors("BEGIN { @x = curtask->pdi; }")).toContain("error: struct task_struct has no field 'pdi'");
    expect(errors("BEGIN { @x = curtask->pdi; }")).toContain("did you mean pid?");
    expect(errors("BEGIN { @x = offsetof(struct task_struct, nope); }")).toContain("struct task_struct has no member 'nope'");
    expect(errors("BEGIN { $t = (struct nosuch *)0; }")).toContain("unknown type 'struct nosuch'");
  });

  it("without BTF, kernel fields and ppid say that they need it", () => {
    expect(errors("BEGIN { @x = ppid; }", noBtf)).toContain("ppid reads the task_struct, which needs kernel BTF");
    expect(errors("BEGIN { @x = curtask->pid; }", noBtf)).toContain("kernel types need BTF");
  });
});
