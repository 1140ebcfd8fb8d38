// What the probe-kind unit tests (test/unit/probes-*.test.ts) share: a recorded machine —
// test/fixtures/tracefs (tracepoint formats, env.json: no kprobes, no trampolines, no
// hardware PMU), test/fixtures/elf/usdt-demo (a recorded ELF with functions and USDT
// probes, as /opt/demo/bin/demo) and, where a test asks, the small BTF kernel of
// btf-sample.ts — and ways to look at what a kind makes of an attach point: its
// expansion, the checker's diagnostics, the first program's disassembly.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { disassemble } from "../../bpf/asm/index.ts";
import { compile, type CompileOptions } from "../../bpf/codegen/compile.ts";
import type { ProgramSpec } from "../../bpf/codegen/spec.ts";
import { splitAttachPoint } from "../../bpf/lang/attach-point.ts";
import { recordedEnv, type CompileEnv, type RecordedManifest } from "../../bpf/probes/env.ts";
import { expandAttachPoint, type ConcreteProbe } from "../../bpf/probes/index.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { sample } from "./btf-sample.ts";

const fixtures = join(import.meta.dirname, "../fixtures");

/** Where the recorded ELF lives on the recorded machine. */
export const DEMO = "/opt/demo/bin/demo";
/** The recorded ELF itself (test/fixtures/elf/usdt-demo), to place it under more names. */
export const DEMO_FILE = join(fixtures, "elf/usdt-demo");
/** A recorded ELF with a USDT probe at two locations (test/fixtures/elf/usdt-locations). */
export const LOCATIONS_FILE = join(fixtures, "elf/usdt-locations");

/** The recorded machine; `manifest` adds to or replaces env.json's facts. */
export function kindEnv(manifest: RecordedManifest = {}): CompileEnv {
  return recordedEnv(join(fixtures, "tracefs"), { files: { [DEMO]: DEMO_FILE }, ...manifest });
}

let btfPath: string | undefined;

/** The recorded machine with btf-sample.ts's kernel as its vmlinux BTF (do_thing, sched_demo, task_struct). */
export function btfEnv(manifest: RecordedManifest = {}): CompileEnv {
  if (!btfPath) {
    btfPath = join(mkdtempSync(join(tmpdir(), "tracebook-kinds-")), "vmlinux");
    writeFileSync(btfPath, sample().bytes);
  }
  return kindEnv({ btf: btfPath, ...manifest });
}

/** The concrete probes of one attach point as written (aliases and all), or the error. */
export function expanded(env: CompileEnv, text: string): readonly ConcreteProbe[] | string {
  const ap = splitAttachPoint(text);
  expect(ap.problems).toEqual([]);
  const r = expandAttachPoint({ ...ap, raw: text }, env);
  return r.ok ? r.probes : `${r.message}${r.hints?.length ? ` (${r.hints.join("; ")})` : ""}`;
}

/** The one concrete probe of an attach point. */
export function probe(env: CompileEnv, text: string): ConcreteProbe {
  const r = expanded(env, text);
  if (typeof r === "string") expect.fail(r);
  expect(r).toHaveLength(1);
  return r[0]!;
}

/** The diagnostics of compiling `source`, rendered as the CLI shows them ("" when clean). */
export function errors(env: CompileEnv, source: string, opts: Partial<CompileOptions> = {}): string {
  return renderDiagnostics(compile(source, { env, origin: "cell[1]", ...opts }).diagnostics, source, "cell[1]");
}

/** The diagnostics of compiling `source`, one "severity: message" each. */
export function messages(env: CompileEnv, source: string, opts: Partial<CompileOptions> = {}): string[] {
  return compile(source, { env, origin: "cell[1]", ...opts }).diagnostics.map((d) => `${d.severity}: ${d.message}`);
}

/** The compiled program set of a clean source. */
export function compiled(env: CompileEnv, source: string, opts: Partial<CompileOptions> = {}): ProgramSpec {
  const r = compile(source, { env, origin: "cell[1]", ...opts });
  expect(renderDiagnostics(r.diagnostics, source, "cell[1]")).toBe("");
  return r.spec!;
}

/** The disassembly of the first program of a clean source. */
export function disasm(env: CompileEnv, source: string, opts: Partial<CompileOptions> = {}): string {
  return disassemble(compiled(env, source, opts).programs[0]!.insns);
}
