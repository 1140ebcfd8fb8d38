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
import { functions } from "../functions/index.ts";
import { check, type CheckedProgram } from "../check/checker.ts";
import { type MapInfo, isPerCpu, keyLayout, valueSize } from "../types/map-info.ts";
import type { MapRegistry } from "../check/map-registry.ts";
import { type Diagnostic, diagnostic, hasErrors } from "../types/diagnostic.ts";
import { BPF_F_STACK_BUILD_ID, BUILD_ID_FRAME_SIZE, MapType } from "../types/abi.ts";
import type { ProbeEnv } from "../probes/index.ts";
import { ProbeGenerator, type SharedState } from "./generator.ts";
import { CodegenError } from "../types/errors.ts";
import { splitSpecialProbes } from "./split.ts";
import { FrameOverflow } from "./frame.ts";
import { progBtf } from "./func-info.ts";
import { needsSelfFilter, scopeToPid } from "./pid-scope.ts";
import { DEFAULT_SETTINGS, programSettings, type Settings } from "../lang/settings.ts";
import { withScratch } from "./scratch.ts";
import { dropUnreachable } from "../asm/index.ts";
import { nameTableMap, nameTablesUsed } from "./name-tables.ts";
import { iterMixError } from "./iter-entry.ts";
import { type MapSpec, type ProgramSpec, type ProgSpec } from "./spec.ts";
import type { Action } from "../functions/actions.ts";
import { DROPS_MAP, EVENTS_MAP, RINGBUF_SIZE, SCRATCH_MAP, STACKS_MAP, STOP_MAP, ZERO_MAP, stacksMapName } from "../types/internal-maps.ts";
import { STACK_DEPTH } from "../types/types.ts";

export interface CompileOptions {
  readonly env: ProbeEnv;
  readonly registry?: MapRegistry;
  readonly origin: string; // "cell[3]", "stdin", "script.bt"
  readonly positional?: readonly string[];
  /** Named program options for getopt(), as given after `--` without it: "depth=5", "errname". */
  readonly programOptions?: readonly string[];
  /** bpf_ktime_get_ns() at the start of the run, for `elapsed`. */
  readonly startNs?: bigint;
  /** CLOCK_TAI - CLOCK_BOOTTIME when compiling, for nsecs(sw_tai) (0 when not given). */
  readonly taiOffsetNs?: bigint;
  /** Settings from the environment (BPFTRACE_*): they win over the program's config block. */
  readonly settings?: Partial<Settings>;
  /** -p PID / %pid: the process the probes are scoped to (bpf/codegen/pid-scope.ts). */
  readonly pid?: number;
  /**
   * The process to leave out of probes that fire for what it does (a notebook kernel's own
   * pid: its writes of a cell's output would feed back into syscall probes). Ignored with
   * `pid`, which scopes the probes to another process anyway.
   */
  readonly excludePid?: number;
  /** %cgroup / TRACEBOOK_CGROUP: only tasks of this cgroup v2 (its id) are traced (bpf/codegen/cgroup-scope.ts). */
  readonly cgroup?: bigint;
  /** bpftrace's --unsafe: allow system(), signal(), override() (refused by default, with bpftrace's message). */
  readonly unsafe?: boolean;
  /** -k / --warnings: warn at run time when a map lookup finds nothing (bpftrace's helper error checks). */
  readonly helperChecks?: boolean;
  /** The pid of the `-c CMD` child, for `cpid`. */
  readonly cpid?: number;
  /** `--dry-run`: probe types this kernel refuses are compiled anyway, with a warning. */
  readonly anyKernel?: boolean;
  /** max_strlen (BPFTRACE_MAX_STRLEN, `config = { max_strlen = N }`); bpftrace's 1024 when not set. */
  readonly maxStrlen?: number;
  /** The program's file, for `#include "file"` (absent: the working directory). */
  readonly sourcePath?: string;
  /** --include FILE (clang's -include): headers read before the program's own #includes. */
  readonly includes?: readonly string[];
  /** -I DIR: searched for #include before the system directories. */
  readonly includeDirs?: readonly string[];
}

export interface CompileResult {
  readonly spec: ProgramSpec | undefined;
  readonly checked: CheckedProgram | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

/** Pages of perf_rb_pages are 4 KiB, as bpftrace presumes (compile does not ask the machine). */
const PAGE_SIZE = 4096;

export function compile(source: string, opts: CompileOptions): CompileResult {
  const parsed = parse(source);
  if (!parsed.program || hasErrors(parsed.diagnostics)) {
    return { spec: undefined, checked: undefined, diagnostics: parsed.diagnostics };
  }
  const env = opts.env;
  const dirs = opts.includeDirs ?? [];
  const lookup = (name: string, quoted: boolean, from: string | undefined) => {
    for (const dir of name.startsWith("/") ? [] : dirs) {
      const hit = env.readHeader?.(`${dir.replace(/\/$/, "")}/${name}`, false, undefined);
      if (hit) return hit;
    }
    return env.readHeader?.(name, quoted, from);
  };
  const included = readIncludes(parsed.program, lookup, env, opts.sourcePath, opts.includes);
  if (hasErrors(included.diagnostics)) {
    return { spec: undefined, checked: undefined, diagnostics: [...parsed.diagnostics, ...included.diagnostics] };
  }
  // A builtin is no identifier to bpftrace (its lexer makes it a keyword): no header macro replaces it.
  const headerConstant = (name: string) => (builtins.has(name) ? undefined : included.constant(name));
  const expanded = expand(parsed.program, {
    programOptions: opts.programOptions,
    headerConstant,
    builtin: (name) => builtins.has(name),
    function: (name) => functions.has(name),
    positional: opts.positional,
  });
  if (hasErrors(expanded.diagnostics)) {
    return { spec: undefined, checked: undefined, diagnostics: [...parsed.diagnostics, ...expanded.diagnostics] };
  }
  const { settings, diagnostics: configDiags } = programSettings(parsed.program.config, opts.settings);
  if (hasErrors(configDiags)) return { spec: undefined, checked: undefined, diagnostics: [...parsed.diagnostics, ...expanded.diagnostics, ...configDiags] };
  const checked = check(splitSpecialProbes(expanded.program), {
    env: opts.env,
    registry: opts.registry,
    origin: opts.origin,
    positional: opts.positional,
    settings,
    unsafe: opts.unsafe ?? false,
    pid: opts.pid,
    anyKernel: opts.anyKernel,
    maxStrlen: opts.maxStrlen,
  });
  const diags = [...parsed.diagnostics, ...expanded.diagnostics, ...configDiags, ...checked.diagnostics];
  if (hasErrors(diags)) return { spec: undefined, checked, diagnostics: diags };
  try {
    const spec = { ...generate(checked, source, opts, settings), diagnostics: diags };
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

export function generate(checked: CheckedProgram, source: string, opts: CompileOptions, settings: Settings = DEFAULT_SETTINGS): ProgramSpec {
  const actions: Action[] = [];
  const shared: SharedState = {
    maps: checked.maps,
    actions,
    positional: checked.positional,
    cpus: opts.env.possibleCpus(),
    startNs: opts.startNs ?? 0n,
    taiOffsetNs: opts.taiOffsetNs,
    dummyTsMap: dummyClock(checked, settings),
    cpid: opts.cpid ?? 0,
    source,
    origin: opts.origin,
    env: opts.env,
    needStacks: false,
    stackDepths: new Set(),
    buildIdStackDepths: new Set(),
    pid: opts.pid,
    self: opts.pid === undefined ? opts.excludePid : undefined,
    helperChecks: opts.helperChecks,
    cgroup: opts.cgroup,
  };
  const mixed = iterMixError(checked.probes);
  if (mixed) throw mixed;
  const programs: ProgSpec[] = checked.probes.map((cp, i) => {
    const g = new ProbeGenerator(cp, shared, i);
    g.generate();
    const scratchSize = g.frame.scratchSize;
    // The verifier refuses instructions no path reaches ("unreachable insn"): the jump past
    // an else after a branch that ended in exit(), say. Subprograms follow the main function.
    const all = g.e.finish();
    const mainLength = all.length - g.subprogs.reduce((n, sp) => n + sp.insns.length, 0);
    const live = [...dropUnreachable(all.slice(0, mainLength)), ...all.slice(mainLength)];
    const insns = withScratch(live, { size: scratchSize, callbacks: g.subprogs.length > 0, exitLabel: g.exitLabel, map: SCRATCH_MAP });
    const btf = g.subprogs.length > 0 ? progBtf(insns, g.subprogs) : undefined;
    // -c CMD: bpftrace attaches uprobes/USDT/perf probes to the child only (no pid filter)
    return { probe: scopeToPid(cp.concrete, opts.pid ?? (opts.cpid || undefined)), insns, stackSize: g.frame.highWater, scratchSize, ...(btf && { btf }) };
  });
  const maps: MapSpec[] = [...checked.maps.values()].map(mapSpec);
  maps.push({ name: EVENTS_MAP, type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: settings.perfRbPages ? settings.perfRbPages * PAGE_SIZE : RINGBUF_SIZE });
  maps.push({ name: DROPS_MAP, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 + checked.maps.size });
  const refs = new Set(programs.flatMap((p) => p.insns.flatMap((i) => (i.mapRef ? [i.mapRef] : []))));
  if (refs.has(STOP_MAP)) maps.push({ name: STOP_MAP, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
  if (refs.has(ZERO_MAP)) maps.push({ name: ZERO_MAP, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
  for (const table of nameTablesUsed(refs)) maps.push(nameTableMap(table));
  const scratch = Math.max(0, ...programs.map((p) => p.scratchSize ?? 0));
  if (scratch > 0) maps.push({ name: SCRATCH_MAP, type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: scratch, maxEntries: 1 });
  if (shared.needStacks) maps.push({ name: STACKS_MAP, type: MapType.STACK_TRACE, keySize: 4, valueSize: 8 * STACK_DEPTH, maxEntries: 4096 });
  for (const d of [...shared.stackDepths].sort((a, b) => a - b)) {
    maps.push({ name: stacksMapName(d), type: MapType.STACK_TRACE, keySize: 4, valueSize: 8 * d, maxEntries: 4096 });
  }
  for (const d of [...shared.buildIdStackDepths].sort((a, b) => a - b)) {
    maps.push({ name: stacksMapName(d, true), type: MapType.STACK_TRACE, keySize: 4, valueSize: BUILD_ID_FRAME_SIZE * d, maxEntries: 4096, flags: BPF_F_STACK_BUILD_ID });
  }
  return {
    maps,
    programs,
    actions,
    written: [...checked.written].filter((m) => checked.maps.has(m)),
    diagnostics: checked.diagnostics,
    settings,
    ...(opts.pid !== undefined && { pid: opts.pid }),
    ...(shared.self !== undefined && checked.probes.some((cp) => needsSelfFilter(cp.concrete, shared.self)) && { excludedPid: shared.self }),
  };
}

/**
 * BPFTRACE_DUMMY_TS_MAP=@ts, where the program has a tseries() map: @ts must be a scalar
 * map of an integer, the nanoseconds tseries() takes for the time.
 */
function dummyClock(checked: CheckedProgram, settings: Settings): string | undefined {
  const name = settings.dummyTsMap;
  if (!name || ![...checked.maps.values()].some((m) => m.valueKind === "tseries")) return undefined;
  const m = checked.maps.get(name);
  const why = !m ? "is not a map of this program"
    : m.keyTypes.length > 0 ? "must be scalar"
    : m.valueKind !== "value" || m.valueType.k !== "int" ? "value must be an integer" : undefined;
  if (why) throw new CodegenError(`BPFTRACE_DUMMY_TS_MAP: ${name} ${why}`, checked.program.span);
  return name;
}

export function mapSpec(info: MapInfo): MapSpec {
  const lru = info.declaredType?.includes("lru");
  const type = isPerCpu(info) ? (lru ? MapType.LRU_PERCPU_HASH : MapType.PERCPU_HASH) : lru ? MapType.LRU_HASH : MapType.HASH;
  return { name: info.name, type, keySize: keyLayout(info).size, valueSize: valueSize(info), maxEntries: info.maxEntries, info };
}
