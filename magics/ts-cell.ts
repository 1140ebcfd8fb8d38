// %%ts cells: TypeScript (transpiled by esbuild's transform) run in one persistent
// context, with top-level await, and `tb` — an API over the session: read maps as typed
// rows, display charts, run programs. The value of the last expression is the result.
import * as vm from "node:vm";
import { inspect } from "node:util";
import { transform } from "esbuild";
import type { CellContext, ExecuteOutcome, MimeBundle } from "../kernel/interpreter.ts";
import type { Session } from "../bpf/session.ts";
import type { MapSnapshot, Value } from "../bpf/types/snapshot.ts";
import { chartDisplay, mapDisplay } from "./display/index.ts";
import { provenance } from "./provenance.ts";
import { aggregateNumber, formatMap, valueText } from "../bpf/output/index.ts";
import type { NotebookSettings } from "./dsl-cell.ts";

const KEYWORD = /^(const|let|var|if|for|while|do|function|class|return|import|export|try|switch|throw|break|continue|async\s+function|\}|\/\/|\/\*)/;

function plain(v: Value): unknown {
  switch (v.kind) {
    case "int": return v.value >= BigInt(Number.MIN_SAFE_INTEGER) && v.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.value) : v.value;
    case "str": return v.value;
    case "tuple": return v.elements.map(plain);
    case "array": return v.elements.map(plain);
    case "record": return Object.fromEntries(v.fields.map((f) => [f.name, plain(f.value)]));
    case "stack": return v.frames;
    default: return valueText(v);
  }
}

/** Rows of a map: {key, value} with plain JS values; hist buckets as arrays. */
export function rows(snap: MapSnapshot): Record<string, unknown>[] {
  return snap.entries.map((e) => {
    const key = e.key.length === 0 ? null : e.key.length === 1 ? plain(e.key[0]!) : e.key.map(plain);
    const a = e.value;
    let value: unknown;
    if (a.kind === "value") value = plain(a.value);
    else if (a.kind === "stats") value = { count: Number(a.count), total: Number(a.total), average: Number(aggregateNumber(a)) };
    else if (a.kind === "hist" || a.kind === "lhist") value = a.buckets.map(Number);
    else value = Number(aggregateNumber(a));
    return { key, value };
  });
}

/**
 * The statement text with its last expression turned into `return (...)`, and top-level
 * declarations hoisted to the context's globals so the next cell sees them.
 */
export function wrapForAwait(js: string): { code: string; names: string[] } {
  const names: string[] = [];
  let body = js.replace(/^(const|let|var)\s+([A-Za-z_$][\w$]*)\s*=/gm, (_, _k, n: string) => {
    names.push(n);
    return `${n} =`;
  });
  const lines = body.trimEnd().split("\n");
  let i = lines.length - 1;
  while (i >= 0 && lines[i]!.trim() === "") i--;
  const last = lines[i]?.trim() ?? "";
  if (i >= 0 && last && !KEYWORD.test(last) && !/^\w+\s*=[^=]/.test(last)) {
    lines[i] = `return (${last.replace(/;\s*$/, "")});`;
  }
  body = lines.join("\n");
  return { code: `(async () => {\n${body}\n})()`, names };
}

export class TsCells {
  readonly #context: vm.Context;
  #ctx: CellContext | undefined;

  constructor(
    readonly session: Session,
    readonly settings: NotebookSettings,
    /** Maps known without a kernel map: those replayed from a recording (magics/replay.ts). */
    readonly recorded: (name: string) => MapSnapshot | undefined = () => undefined,
  ) {
    const snapshot = (name: string) => session.snapshot(name) ?? recorded(name);
    const out = (name: "stdout" | "stderr") => (...args: unknown[]) =>
      this.#ctx?.stream(name, `${args.map((a) => (typeof a === "string" ? a : inspect(a, { colors: false }))).join(" ")}\n`);
    const tb = {
      maps: () => session.mapNames(),
      map: (name: string) => {
        const s = snapshot(name);
        if (!s) throw new Error(`no map ${name}`);
        return rows(s);
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
    };
    const display = (x: unknown) => {
      if (x && typeof x === "object" && !Array.isArray(x) && Object.keys(x).some((k) => k.includes("/"))) this.#ctx?.display(x as MimeBundle);
      else this.#ctx?.display({ "text/plain": typeof x === "string" ? x : inspect(x) });
    };
    this.#context = vm.createContext({
      tb,
      display,
      console: { log: out("stdout"), info: out("stdout"), warn: out("stderr"), error: out("stderr") },
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval,
      Buffer,
      URL,
      TextEncoder,
      TextDecoder,
      structuredClone,
    });
  }

  async run(source: string, ctx: CellContext): Promise<ExecuteOutcome> {
    this.#ctx = ctx;
    let js: string;
    try {
      js = (await transform(source, { loader: "ts", format: "esm", target: "es2022", supported: { "top-level-await": true } })).code;
    } catch (e) {
      const err = e as { errors?: { text: string; location?: { line: number; column: number; lineText: string } }[] };
      const first = err.errors?.[0];
      const where = first?.location ? `cell:${first.location.line}:${first.location.column + 1}: ` : "";
      const msg = `${where}${first?.text ?? String(e)}`;
      const tb = first?.location ? [msg, first.location.lineText, " ".repeat(first.location.column) + "^"] : [msg];
      return { status: "error", ename: "SyntaxError", evalue: msg, traceback: tb };
    }
    try {
      let value: unknown;
      if (/\bawait\b/.test(js)) {
        const { code, names } = wrapForAwait(js);
        for (const n of names) if (!(n in this.#context)) this.#context[n] = undefined;
        value = await vm.runInContext(code, this.#context, { filename: "cell.ts" });
      } else {
        value = vm.runInContext(js, this.#context, { filename: "cell.ts" });
        if (value instanceof Promise || (value && typeof (value as Promise<unknown>).then === "function")) value = await value;
      }
      if (value === undefined) return { status: "ok" };
      const text = typeof value === "string" ? value : inspect(value, { colors: false, depth: 4 });
      return { status: "ok", result: { "text/plain": text } };
    } catch (e) {
      const err = e as Error;
      return { status: "error", ename: err?.name ?? "Error", evalue: err?.message ?? String(e), traceback: (err?.stack ?? String(e)).split("\n") };
    } finally {
      this.#ctx = undefined;
    }
  }
}
