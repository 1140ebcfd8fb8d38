// The pipeline, on one screen (STYLE.md §4). Pure: no syscalls; kernel facts come in
// through the ProbeEnv.
//
//   parse (bpf/lang)   text → AST, syntax diagnostics
//   includes (bpf/lang) the #included headers read (through the env) for their constants
//   expand (bpf/lang)  macros inlined, #defines and header constants applied, getopt() → the option's value
//   check (bpf/check)  AST → typed probes (one per concrete attach point) + map types,
//                      against the notebook's map registry
//   codegen (here)     typed probes → one instruction stream per probe + the maps and the
//                      ring-buffer actions (printf formats, exit, print, ...) they use
import { expand, parse, readIncludes } from "../lang/index.ts";
import { builtins } from "../check/builtins.ts";
import { check, type CheckedProgram } from "../check/checker.ts";
import { type MapRegistry, type MapInfo, isPerCpu, keyLayout, valueSize } from "../check/map-registry.ts";
import { type Diagnostic, diagnostic, hasErrors } from "../diagnostic.ts";
import { MapType } from "../abi.ts";
import type { ProbeEnv } from "../probes/index.ts";
import { CodegenError, ProbeGenerator, type SharedState } from "./generator.ts";
import { splitSpecialProbes } from "./split.ts";
import { FrameOverflow } from "./frame.ts";
import { progBtf } from "./func-info.ts";
import {
  type Action, type MapSpec, type ProgramSpec, type ProgSpec, DROPS_MAP, EVENTS_MAP, RINGBUF_SIZE, SCRATCH_MAP, STACKS_MAP, STACK_DEPTH, ZERO_MAP, stacksMapName,
} from "./spec.ts";

export interface CompileOptions {
  readonly env: ProbeEnv;
  readonly registry?: MapRegistry;
  readonly origin: string; // "cell[3]", "stdin", "script.bt"
  readonly positional?: readonly string[];
  /** Named program options for getopt(), as given after `--` without it: "depth=5", "errname". */
  readonly programOptions?: readonly string[];
  /** bpf_ktime_get_ns() at the start of the run, for `elapsed`. */
  readonly startNs?: bigint;
  /** bpftrace's --unsafe: allow system() (refused by default, with bpftrace's message). */
  readonly unsafe?: boolean;
  /** `--dry-run`: probe types this kernel refuses are compiled anyway, with a warning. */
  readonly anyKernel?: boolean;
  /** The program's file, for `#include "file"` (absent: the working directory). */
  readonly sourcePath?: string;
}

export interface CompileResult {
  readonly spec: ProgramSpec | undefined;
  readonly checked: CheckedProgram | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

export function compile(source: string, opts: CompileOptions): CompileResult {
  const parsed = parse(source);
  if (!parsed.program || hasErrors(parsed.diagnostics)) {
    return { spec: undefined, checked: undefined, diagnostics: parsed.diagnostics };
  }
  const env = opts.env;
  const included = readIncludes(parsed.program, (name, quoted, from) => env.readHeader?.(name, quoted, from), env, opts.sourcePath);
  if (hasErrors(included.diagnostics)) {
    return { spec: undefined, checked: undefined, diagnostics: [...parsed.diagnostics, ...included.diagnostics] };
  }
  // A builtin is no identifier to bpftrace (its lexer makes it a keyword): no header macro replaces it.
  const headerConstant = (name: string) => (builtins.has(name) || name === "ppid" || name === "pcomm" ? undefined : included.constant(name));
  const expanded = expand(parsed.program, { programOptions: opts.programOptions, headerConstant });
  if (hasErrors(expanded.diagnostics)) {
    return { spec: undefined, checked: undefined, diagnostics: [...parsed.diagnostics, ...expanded.diagnostics] };
  }
  const checked = check(splitSpecialProbes(expanded.program), {
    env: opts.env,
    registry: opts.registry,
    origin: opts.origin,
    positional: opts.positional,
    unsafe: opts.unsafe,
    anyKernel: opts.anyKernel,
  });
  const diags = [...parsed.diagnostics, ...expanded.diagnostics, ...checked.diagnostics];
  if (hasErrors(diags)) return { spec: undefined, checked, diagnostics: diags };
  try {
    const spec = generate(checked, source, opts);
    return { spec, checked, diagnostics: diags };
  } catch (e) {
    if (e instanceof CodegenError) {
      return { spec: undefined, checked, diagnostics: [...diags, diagnostic("CodegenError", e.span, e.message)] };
    }
    if (e instanceof FrameOverflow) {
      return { spec: undefined, checked, diagnostics: [...diags, diagnostic("CodegenError", parsed.program.span, e.message)] };
    }
    throw e;
  }
}

export function generate(checked: CheckedProgram, source: string, opts: CompileOptions): ProgramSpec {
  const actions: Action[] = [];
  const shared: SharedState = {
    maps: checked.maps,
    actions,
    positional: checked.positional,
    cpus: opts.env.possibleCpus(),
    startNs: opts.startNs ?? 0n,
    source,
    origin: opts.origin,
    env: opts.env,
    needStacks: false,
    stackDepths: new Set(),
    needScratch: 0,
  };
  const programs: ProgSpec[] = checked.probes.map((cp, i) => {
    const g = new ProbeGenerator(cp, shared, i);
    g.generate();
    const insns = g.e.finish();
    const btf = g.subprogs.length > 0 ? progBtf(insns, g.subprogs) : undefined;
    return { probe: cp.concrete, insns, stackSize: g.frame.highWater, ...(btf && { btf }) };
  });
  const maps: MapSpec[] = [...checked.maps.values()].map(mapSpec);
  maps.push({ name: EVENTS_MAP, type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: RINGBUF_SIZE });
  maps.push({ name: DROPS_MAP, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
  if (programs.some((p) => p.insns.some((i) => i.mapRef === ZERO_MAP))) {
    maps.push({ name: ZERO_MAP, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
  }
  if (shared.needScratch > 0) maps.push({ name: SCRATCH_MAP, type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: shared.needScratch, maxEntries: 1 });
  if (shared.needStacks) maps.push({ name: STACKS_MAP, type: MapType.STACK_TRACE, keySize: 4, valueSize: 8 * STACK_DEPTH, maxEntries: 4096 });
  for (const d of [...shared.stackDepths].sort((a, b) => a - b)) {
    maps.push({ name: stacksMapName(d), type: MapType.STACK_TRACE, keySize: 4, valueSize: 8 * d, maxEntries: 4096 });
  }
  return {
    maps,
    programs,
    actions,
    written: [...checked.written].filter((m) => checked.maps.has(m)),
    diagnostics: checked.diagnostics,
  };
}

export function mapSpec(info: MapInfo): MapSpec {
  const lru = info.declaredType?.includes("lru");
  const type = isPerCpu(info) ? (lru ? MapType.LRU_PERCPU_HASH : MapType.PERCPU_HASH) : lru ? MapType.LRU_HASH : MapType.HASH;
  return { name: info.name, type, keySize: keyLayout(info).size, valueSize: valueSize(info), maxEntries: info.maxEntries, info };
}
