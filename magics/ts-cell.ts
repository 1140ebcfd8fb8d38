// %%ts cells: TypeScript, type-checked by TypeScript 7 (magics/ts-project.ts) against the
// `tb` API and the notebook's maps, then transpiled by esbuild and run in one persistent
// context with top-level await, `import` (node: built-ins and packages installed where the
// kernel runs), and `tb`: the session's maps as typed rows, charts, programs, and eBPF by
// hand (tb.asm, tb.load, tb.attach). The value of the last expression is the result; type
// errors and runtime errors name the cell's line.
import * as vm from "node:vm";
import { join } from "node:path";
import { SourceMap } from "node:module";
import { inspect } from "node:util";
import { transform } from "esbuild";
import type { CellContext, CompleteResult, ExecuteOutcome, InspectResult, MimeBundle } from "../kernel/interpreter.ts";
import type { Session } from "../bpf/session.ts";
import type { MapSnapshot } from "../bpf/types/snapshot.ts";
import { asm, disassemble, helpers, R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, withComment, withLabel } from "../bpf/asm/index.ts";
import { HandProgram } from "../bpf/runtime/hand-program.ts";
import { describeError } from "../bpf/errors.ts";
import { CompileFailure } from "../bpf/types/errors.ts";
import { chartDisplay, mapDisplay } from "./display/index.ts";
import { provenance } from "./provenance.ts";
import { formatMap } from "../bpf/output/index.ts";
import type { NotebookSettings } from "./dsl-cell.ts";
import { cgroupRunOption } from "./cgroup-magic.ts";
import type { Loaded, Tb, TbAsm } from "./tb-api.ts";
import { rows, tbMapsDeclaration } from "./ts-map-types.ts";
import { TsProject, type TsDiagnostic } from "./ts-project.ts";
import { errorLine, IMPORT, rewrite } from "./ts-rewrite.ts";

export { rows };

const tbAsm: TbAsm = {
  ...asm, R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10,
  helpers: helpers as TbAsm["helpers"],
  label: withLabel, comment: withComment, disassemble: (insns) => disassemble(insns),
};

/** `cell[3]:2:5: error TS2322: ...`, the line, and `~~~` under the span (as DSL diagnostics show). */
export function renderTsDiagnostics(ds: readonly TsDiagnostic[], source: string, origin: string): string[] {
  const out: string[] = [];
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === "\n") starts.push(i + 1);
  for (const d of ds) {
    let line = starts.length - 1;
    while (line > 0 && starts[line]! > d.start) line--;
    const col = d.start - starts[line]!;
    const text = source.slice(starts[line], source.indexOf("\n", starts[line]) < 0 ? undefined : source.indexOf("\n", starts[line]));
    const width = Math.max(1, Math.min(d.end, starts[line]! + text.length) - d.start);
    out.push(`${origin}:${line + 1}:${col + 1}: error TS${d.code}: ${d.message}`, text, `${" ".repeat(col)}${"~".repeat(width)}`);
  }
  return out;
}

export class TsCells {
  readonly #context: vm.Context;
  #ctx: CellContext | undefined;
  readonly #project: TsProject;
  readonly #programs = new Map<number, HandProgram>();
  #origin = "cell";

  constructor(
    readonly session: Session,
    readonly settings: NotebookSettings,
    /** Maps known without a kernel map: those replayed from a recording (magics/replay.ts). */
    readonly recorded: (name: string) => MapSnapshot | undefined = () => undefined,
    /** The recorded maps' names, for their types. */
    readonly recordedNames: () => readonly string[] = () => [],
    /** Where `import` resolves packages from (and TypeScript their types). */
    readonly cwd: string = process.cwd(),
  ) {
    this.#project = new TsProject(cwd);
    const snapshot = (name: string) => session.snapshot(name) ?? recorded(name);
    const out = (name: "stdout" | "stderr") => (...args: unknown[]) =>
      this.#ctx?.stream(name, `${args.map((a) => (typeof a === "string" ? a : inspect(a, { colors: false }))).join(" ")}\n`);
    const program = (p: Loaded): HandProgram => {
      const h = this.#programs.get(p.id);
      if (!h) throw new Error(`program ${p.id} is not loaded (unloaded already?)`);
      return h;
    };
    const loaded = (h: HandProgram): Loaded => ({
      id: h.id, probe: h.probe.name, instructions: h.insns.length,
      get attached() { return h.attached; },
      disassemble: () => disassemble(h.insns),
    });
    const tb: Tb = {
      maps: () => session.mapNames(),
      map: (name: string) => {
        const s = snapshot(name);
        if (!s) throw new Error(`no map ${name}`);
        return rows(s) as never;
      },
      snapshot,
      text: (name: string) => {
        const s = snapshot(name);
        return s ? formatMap(s) : "";
      },
      run: async (program: string, opts: { for?: number } = {}) => {
        const res = await session.run(program, {
          origin: "tb.run",
          positional: settings.positional,
          programOptions: settings.options,
          durationMs: opts.for,
          ...(settings.pid !== undefined && { pid: settings.pid }),
          ...cgroupRunOption(settings),
          output: (t) => this.#ctx?.stream("stdout", t),
          warning: (t) => this.#ctx?.stream("stderr", t),
          ...(this.#ctx && { signal: this.#ctx.signal }),
        });
        return Object.fromEntries(res.maps.map((m) => [m.name, rows(m)]));
      },
      show: async (name: string) => {
        const s = snapshot(name);
        if (!s) return;
        const d = await mapDisplay(s, provenance({ started: new Date(), reason: "snapshot" }));
        this.#ctx?.display(d.data, { metadata: d.metadata });
      },
      chart: async (spec: Record<string, unknown>) => {
        const full = { $schema: "https://vega.github.io/schema/vega-lite/v5.json", ...spec };
        const d = await chartDisplay(full, "<chart>");
        this.#ctx?.display(d.data, { metadata: d.metadata });
      },
      jobs: () => [...session.jobs.values()].map((j) => ({ id: j.id, origin: j.origin, source: j.source })),
      stop: (id: number) => session.stopJob(id)?.map((m) => m.name),
      asm: tbAsm,
      load: (spec) => {
        const h = HandProgram.load(session, spec, this.#origin);
        this.#programs.set(h.id, h);
        return loaded(h);
      },
      attach: (p, probe) => program(p).attach(probe),
      detach: (p) => program(p).detach(),
      unload: (p) => {
        program(p).close();
        this.#programs.delete(p.id);
      },
    };
    const display = (x: unknown) => {
      if (x && typeof x === "object" && !Array.isArray(x) && Object.keys(x).some((k) => k.includes("/"))) this.#ctx?.display(x as MimeBundle);
      else this.#ctx?.display({ "text/plain": typeof x === "string" ? x : inspect(x) });
    };
    // `import` in a cell: resolved as from a script in the working directory. Node 20 calls
    // the loader option experimental and says so once on the kernel's stderr, which front ends
    // and nbconvert show to the user: that one warning is left out.
    const importer = (specifier: string): Promise<unknown> =>
      quietly("USE_MAIN_CONTEXT_DEFAULT_LOADER", () =>
        new vm.Script(`import(${JSON.stringify(specifier)})`, {
          filename: join(cwd, "[tracebook cell]"),
          importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
        }).runInThisContext() as Promise<unknown>);
    this.#context = vm.createContext({
      tb,
      display,
      [IMPORT]: importer,
      console: { log: out("stdout"), info: out("stdout"), warn: out("stderr"), error: out("stderr") },
      process,
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval,
      setImmediate,
      queueMicrotask,
      Buffer,
      URL,
      URLSearchParams,
      TextEncoder,
      TextDecoder,
      AbortController,
      fetch,
      structuredClone,
      performance,
    });
  }

  #mapsDeclaration(): string {
    const infos = this.session.registry.names().map((n) => this.session.registry.get(n)!);
    const recorded = this.recordedNames().map((n) => this.recorded(n)).filter((s): s is MapSnapshot => s !== undefined);
    return tbMapsDeclaration(infos, recorded);
  }

  async run(source: string, ctx: CellContext): Promise<ExecuteOutcome> {
    this.#ctx = ctx;
    const origin = `cell[${ctx.executionCount}]`;
    this.#origin = origin;
    try {
      this.#project.setMaps(this.#mapsDeclaration());
      let analysis: Awaited<ReturnType<TsProject["analyze"]>>;
      try {
        analysis = await this.#project.analyze(source);
      } catch (e) {
        const msg = `typescript cannot check this cell: ${(e as Error)?.message ?? String(e)}`;
        return { status: "error", ename: "TypeScriptUnavailable", evalue: msg, traceback: [msg] };
      }
      if (analysis.diagnostics.length) {
        const first = analysis.diagnostics[0]!;
        const tb = renderTsDiagnostics(analysis.diagnostics, source, origin);
        return { status: "error", ename: "TypeScriptError", evalue: tb[0] ?? first.message, traceback: tb };
      }
      const file = `tracebook-cell-${ctx.executionCount}.js`;
      const js = await transform(rewrite(source, analysis.outline), { loader: "ts", target: "es2022", sourcemap: "external", sourcefile: origin });
      const map = new SourceMap(JSON.parse(js.map) as ConstructorParameters<typeof SourceMap>[0]);
      for (const n of analysis.outline.values) if (!(n in this.#context)) this.#context[n] = undefined;
      this.#project.commit(source, analysis.outline);
      try {
        const value: unknown = await new vm.Script(js.code, { filename: file }).runInContext(this.#context);
        if (value === undefined) return { status: "ok" };
        const text = typeof value === "string" ? value : inspect(value, { colors: false, depth: 4 });
        return { status: "ok", result: { "text/plain": text } };
      } catch (e) {
        return this.#runtimeError(e, source, origin, file, map);
      }
    } finally {
      this.#ctx = undefined;
    }
  }

  /** The error as Jupyter shows it: where in the cell, then what (our errors in their own words). */
  #runtimeError(e: unknown, source: string, origin: string, file: string, map: SourceMap): ExecuteOutcome {
    const err = e as Error;
    const line = typeof err?.stack === "string" ? errorLine(err.stack, file, map) : undefined;
    // the engine's errors say what went wrong in their own words (a refusal explained, with hints)
    const ours = e instanceof CompileFailure || ["VerifierError", "SyscallError", "AttachError"].includes(err?.constructor?.name ?? "");
    const described = ours ? describeError(e) : undefined;
    const ename = described?.ename ?? err?.name ?? "Error";
    const evalue = described?.evalue ?? err?.message ?? String(e);
    const where = line !== undefined ? [`${origin}:${line}: ${ename}: ${evalue}`, `${String(line).padStart(4)} | ${source.split("\n")[line - 1] ?? ""}`] : [`${origin}: ${ename}: ${evalue}`];
    const detail = described
      ? described.text.split("\n").filter((l, i) => i > 0 || l !== `ERROR: ${evalue}`)
      : (err?.stack ?? "").split("\n").filter((l) => !/^\s+at /.test(l) || l.includes(file)).slice(1);
    return { status: "error", ename, evalue: line !== undefined ? `${origin}:${line}: ${evalue}` : evalue, traceback: [...where, ...detail] };
  }

  async complete(source: string, pos: number): Promise<CompleteResult> {
    const start = pos - (/[\w$]*$/.exec(source.slice(0, pos))?.[0].length ?? 0);
    const prefix = source.slice(start, pos);
    this.#project.setMaps(this.#mapsDeclaration());
    const names = await this.#project.complete(source, pos).catch(() => [] as string[]);
    return { matches: [...new Set(names.filter((n) => n.startsWith(prefix)))].sort(), cursorStart: start, cursorEnd: pos, metadata: {} };
  }

  async inspect(source: string, pos: number): Promise<InspectResult> {
    this.#project.setMaps(this.#mapsDeclaration());
    const at = /[\w$]/.test(source[pos] ?? "") ? pos : Math.max(0, pos - 1);
    const text = await this.#project.inspect(source, at).catch(() => undefined);
    return text ? { found: true, data: { "text/plain": text, "text/markdown": "```ts\n" + text.replace(/\n\n[\s\S]*$/, "") + "\n```" + text.replace(/^[^\n]*/, "") } } : { found: false, data: {} };
  }

  /** Unloads the hand-written programs and stops TypeScript's process. */
  async close(): Promise<void> {
    for (const h of this.#programs.values()) h.close();
    this.#programs.clear();
    await this.#project.close();
  }
}

/** Runs `f` without the process warning whose text contains `topic` (others still print). */
function quietly<T>(topic: string, f: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning instanceof Error ? warning.message : warning).includes(topic)) (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return f();
  } finally {
    process.emitWarning = emit;
  }
}
