// The pipeline, on one screen (STYLE.md §4). Pure: no syscalls; kernel facts come in
// through the ProbeEnv.
//
//   parse (bpf/lang)   text → AST, syntax diagnostics
//   check (bpf/check)  AST → typed probes (one per concrete attach point) + map types,
//                      against the notebook's map registry
//   codegen (here)     typed probes → one instruction stream per probe + the maps and the
//                      ring-buffer actions (printf formats, exit, print, ...) they use
import { parse } from "../lang/index.ts";
import { check, type CheckedProgram } from "../check/checker.ts";
import { type MapRegistry, type MapInfo, isPerCpu, keyLayout, valueSize } from "../check/map-registry.ts";
import { type Diagnostic, diagnostic, hasErrors } from "../diagnostic.ts";
import { MapType } from "../abi.ts";
import type { ProbeEnv } from "../probes/index.ts";
import { CodegenError, ProbeGenerator, type SharedState } from "./generator.ts";
import { splitSpecialProbes } from "./split.ts";
import { FrameOverflow } from "./frame.ts";
import { progBtf } from "./func-info.ts";
import { withScratch } from "./scratch.ts";
import {
  type Action, type MapSpec, type ProgramSpec, type ProgSpec, DROPS_MAP, EVENTS_MAP, RINGBUF_SIZE, SCRATCH_MAP, STACKS_MAP, STACK_DEPTH, ZERO_MAP,
} from "./spec.ts";

export interface CompileOptions {
  readonly env: ProbeEnv;
  readonly registry?: MapRegistry;
  readonly origin: string; // "cell[3]", "stdin", "script.bt"
  readonly positional?: readonly string[];
  /** bpf_ktime_get_ns() at the start of the run, for `elapsed`. */
  readonly startNs?: bigint;
  /** max_strlen (BPFTRACE_MAX_STRLEN, `config = { max_strlen = N }`); bpftrace's 1024 when not set. */
  readonly maxStrlen?: number;
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
  const checked = check(splitSpecialProbes(parsed.program), {
    env: opts.env,
    registry: opts.registry,
    origin: opts.origin,
    positional: opts.positional,
    maxStrlen: opts.maxStrlen,
  });
  const diags = [...parsed.diagnostics, ...checked.diagnostics];
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
    needStacks: false,
  };
  const programs: ProgSpec[] = checked.probes.map((cp, i) => {
    const g = new ProbeGenerator(cp, shared, i);
    g.generate();
    const scratchSize = g.frame.scratchSize;
    const insns = withScratch(g.e.finish(), { size: scratchSize, callbacks: g.subprogs.length > 0, exitLabel: g.exitLabel, map: SCRATCH_MAP });
    const btf = g.subprogs.length > 0 ? progBtf(insns, g.subprogs) : undefined;
    return { probe: cp.concrete, insns, stackSize: g.frame.highWater, scratchSize, ...(btf && { btf }) };
  });
  const maps: MapSpec[] = [...checked.maps.values()].map(mapSpec);
  maps.push({ name: EVENTS_MAP, type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: RINGBUF_SIZE });
  maps.push({ name: DROPS_MAP, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
  if (programs.some((p) => p.insns.some((i) => i.mapRef === ZERO_MAP))) {
    maps.push({ name: ZERO_MAP, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
  }
  const scratch = Math.max(0, ...programs.map((p) => p.scratchSize ?? 0));
  if (scratch > 0) maps.push({ name: SCRATCH_MAP, type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: scratch, maxEntries: 1 });
  if (shared.needStacks) maps.push({ name: STACKS_MAP, type: MapType.STACK_TRACE, keySize: 4, valueSize: 8 * STACK_DEPTH, maxEntries: 4096 });
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
