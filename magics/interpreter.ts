// magics/: what a cell means (DESIGN.md). The Interpreter the Jupyter kernel drives: a DSL
// cell is one bpftrace program run through the session; `%%ts` cells are TypeScript over
// the session; `%name args` lines are line magics. Imports bpf/ and magics/display; never
// zeromq or the transport.
import type { CellContext, CompleteResult, ExecuteOutcome, InspectResult, Interpreter, IsCompleteResult } from "../kernel/interpreter.ts";
import { Session } from "../bpf/session.ts";
import { machineEnv } from "../bpf/runtime/features.ts";
import { makeSymbolizer } from "../bpf/runtime/symbolize.ts";
import { isComplete } from "../bpf/lang/index.ts";
import { describeError } from "../bpf/errors.ts";
import { runDslCell, type NotebookSettings } from "./dsl-cell.ts";
import { runLineMagic, MAGICS } from "./line-magics.ts";
import { TsCells } from "./ts-cell.ts";
import { complete } from "./complete.ts";
import { inspect } from "./inspect.ts";
import { Replay } from "./replay.ts";
import { DEFAULT_STREAM_LIMIT } from "./stream-cap.ts";
import { cgroupFromEnv } from "./cgroup-magic.ts";
import { closeFleet } from "./fleet/state.ts";

export interface MagicContext {
  readonly session: Session;
  /** Recorded outputs shown instead of tracing where this kernel cannot trace (magics/replay.ts). */
  readonly replay: Replay;
  readonly settings: NotebookSettings;
  readonly ctx: CellContext;
  readonly origin: string;
}

export function errorOutcome(e: unknown): ExecuteOutcome {
  const d = describeError(e);
  return { status: "error", ename: d.ename, evalue: d.evalue, traceback: d.text.split("\n") };
}

/**
 * A cell that would trace, where it cannot or must not: its recording, or why there is none.
 * Under `%replay auto` (the kernel lacks privileges) a cell without a recording runs anyway,
 * so its error names what is missing and what to do; `trace` runs it.
 */
async function replayCell(m: MagicContext, code: string, why: string, trace: () => Promise<ExecuteOutcome>): Promise<ExecuteOutcome> {
  const rec = m.replay.find(m.ctx.cellId, code);
  if (!rec) {
    if (m.replay.mode === "auto") return trace();
    m.ctx.stream("stderr", `no recording of this cell in ${m.replay.where()}${m.ctx.cellId ? ` (cell id ${m.ctx.cellId})` : ""}, and nothing was attached: ${why}\n`);
    return { status: "ok" };
  }
  const err = await m.replay.show(rec, m.ctx, why);
  if (err) return { status: "error", ename: err.ename ?? "Error", evalue: err.evalue ?? "", traceback: err.traceback ?? [] };
  return { status: "ok" };
}

/** Where the TypeScript of a `%%ts` cell starts (after its first line), or undefined for other cells. */
function tsBody(code: string): number | undefined {
  const m = /^(\s*\n)?%%ts[^\n]*(\n|$)/.exec(code);
  return m ? m[0].length : undefined;
}

export function createInterpreter(): Interpreter {
  const session = new Session(machineEnv(), makeSymbolizer);
  const settings: NotebookSettings = { positional: [], options: [], durationMs: undefined, pid: undefined, streamLimit: DEFAULT_STREAM_LIMIT, ...cgroupFromEnv() };
  const replay = new Replay();
  const ts = new TsCells(session, settings, (name) => replay.maps.get(name), () => [...replay.maps.keys()]);
  // Load vega in the background so the first chart does not wait for it.
  setTimeout(() => void import("./display/index.ts").then((d) => d.renderSvg({ $schema: "", mark: "point", data: { values: [] } }).catch(() => undefined)), 200);

  return {
    languageInfo: {
      name: "bpftrace",
      version: "0.1.0",
      mimetype: "text/x-bpftrace",
      file_extension: ".bt",
      // bpftrace is C-like: C's highlighting in editors (CodeMirror) and exports (Pygments)
      codemirror_mode: "clike",
      pygments_lexer: "c",
    },
    banner: "Tracebook — exploratory eBPF tracing in a notebook (bpftrace language, compiled to eBPF by Tracebook)",

    async execute(code: string, ctx: CellContext): Promise<ExecuteOutcome> {
      const origin = `cell[${ctx.executionCount}]`;
      const m: MagicContext = { session, settings, ctx, origin, replay };
      try {
        const trimmed = code.replace(/^\s*\n/, "");
        if (/^%%ts\b/.test(trimmed)) return await ts.run(code.slice(tsBody(code) ?? 0), ctx);
        // the fleet's hosts trace, not this kernel: no replay, no privileges needed here
        if (/^%%fleet\b/.test(trimmed)) {
          const header = trimmed.split("\n", 1)[0]!;
          return await (await import("./fleet/fleet-cell.ts")).runFleetCell(m, trimmed.slice(header.length + 1), header.replace(/^%%fleet/, "").trim());
        }
        const why = replay.reason();
        if (/^%%bt\b/.test(trimmed)) {
          const header = trimmed.split("\n", 1)[0]!;
          const trace = () => runDslCell(m, trimmed.slice(header.length + 1), header.replace(/^%%bt/, "").trim());
          return why ? await replayCell(m, code, why, trace) : await trace();
        }
        if (/^%(?!%)/.test(trimmed) && trimmed.split("\n").every((l) => l.trim() === "" || l.trim().startsWith("%"))) {
          const payload: Record<string, unknown>[] = [];
          for (const line of trimmed.split("\n")) {
            if (line.trim() === "") continue;
            const r = await runLineMagic(m, line.trim());
            // a magic that needs the machine (%probes, %print) shows its recording instead
            if (r.status === "error") return why && !/^%replay\b/.test(line.trim()) && replay.find(ctx.cellId, code) ? await replayCell(m, code, why, async () => r) : r;
            payload.push(...(r.payload ?? []));
          }
          return payload.length ? { status: "ok", payload } : { status: "ok" };
        }
        if (trimmed.trim() === "") return { status: "ok" };
        const trace = () => runDslCell(m, code, "");
        return why ? await replayCell(m, code, why, trace) : await trace();
      } catch (e) {
        return errorOutcome(e);
      }
    },

    isComplete(code: string): IsCompleteResult {
      const t = code.trimStart();
      if (t.startsWith("%%ts")) return { status: "unknown" };
      if (t.startsWith("%") && !t.startsWith("%%")) return { status: "complete" };
      const body = /^%%(bt|fleet)\b/.test(t) ? t.slice(t.indexOf("\n") + 1) : code;
      const r = isComplete(body);
      return r === "incomplete" ? { status: "incomplete", indent: "  " } : { status: r };
    },

    async complete(code: string, cursorPos: number): Promise<CompleteResult> {
      const body = tsBody(code);
      if (body !== undefined && cursorPos >= body) {
        const r = await ts.complete(code.slice(body), cursorPos - body);
        return { ...r, cursorStart: r.cursorStart + body, cursorEnd: r.cursorEnd + body };
      }
      return complete(session, code, cursorPos, MAGICS);
    },

    async inspect(code: string, cursorPos: number): Promise<InspectResult> {
      const body = tsBody(code);
      if (body !== undefined && cursorPos >= body) return ts.inspect(code.slice(body), cursorPos - body);
      return inspect(session, code, cursorPos, MAGICS);
    },

    async shutdown(): Promise<void> {
      await closeFleet(session);
      await ts.close();
      session.close();
    },
  };
}
