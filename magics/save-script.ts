// %save FILE.bt: the notebook's DSL cells so far as one bpftrace script that bpftrace and
// tracebook both run. A notebook runs its cells one after another; a script is one program
// whose probes all attach at once. So, decided here (README "Saving a notebook as a script"):
// - each tracing cell keeps to the time it had in the notebook: its probes get the predicate
//   `elapsed >= START && elapsed < END` (ns), its window being its `--for`/`%timeout`
//   duration, else how long it really ran; a background cell runs from its start to the end;
// - BEGIN bodies are merged into one BEGIN and END bodies into one END, in cell order
//   (bpftrace 0.17 allows one of each); their `exit()` calls are dropped, and a script with
//   no tracing probe ends its BEGIN with one `exit()`; the other cells' `exit()` calls are
//   dropped too, but the last tracing cell's stay;
// - the script ends with `interval:ms:TOTAL { exit(); }` when the last window closes;
// - `%params` positional parameters are written in as literals (`str($1)` becomes "value");
// - `%pid`, `--pid`, `-c CMD` and getopt() options have no in-script form in bpftrace: they
//   become comments that say what to pass on the command line.
import { parse } from "../bpf/lang/index.ts";
import type { Expr, Probe, Span } from "../bpf/lang/index.ts";
import type { EndReason } from "../bpf/runtime/run.ts";

/** A DSL cell as it ran: what %save needs to write it again. */
export interface SavedCell {
  readonly cell: number;
  /** The front end's cell id: a re-run of the same cell replaces its record. */
  readonly cellId?: string;
  /** The program (without the `%%bt` line). */
  readonly source: string;
  readonly positional: readonly string[];
  readonly options: readonly string[];
  /** `--for` or `%timeout`, in ms. */
  readonly durationMs?: number;
  /** From attach to the end of the run, in ms. */
  readonly ranMs: number;
  readonly reason: EndReason;
  readonly pid?: number;
  readonly cmd?: string;
}

/** The DSL cells that ran, in order (one list per kernel process, like the map history). */
export class ScriptHistory {
  readonly cells: SavedCell[] = [];

  record(c: SavedCell): void {
    const same = c.cellId !== undefined ? this.cells.findIndex((x) => x.cellId === c.cellId) : -1;
    if (same >= 0) this.cells.splice(same, 1);
    this.cells.push(c);
  }
}

export const scriptHistory = new ScriptHistory();

interface Edit {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

interface Parsed {
  readonly cell: SavedCell;
  readonly source: string;
  readonly edits: Edit[];
  readonly preamble: string;
  readonly begin: Probe[];
  readonly end: Probe[];
  readonly tracing: Probe[];
}

const special = (p: Probe, which: "BEGIN" | "END") => p.attachPoints.length > 0 && p.attachPoints.every((a) => a.provider === which);

/** Every node under `node` (AST nodes are plain data with a `kind`). */
function* nodes(node: unknown): Generator<{ kind: string; span: Span } & Record<string, unknown>> {
  if (Array.isArray(node)) {
    for (const n of node) yield* nodes(n);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const o = node as Record<string, unknown>;
  if (typeof o.kind === "string" && o.span) yield o as { kind: string; span: Span };
  for (const [k, v] of Object.entries(o)) if (k !== "span" && typeof v === "object") yield* nodes(v);
}

const NUMBER = /^-?(?:\d+|0x[0-9a-f]+)$/i;

/** `$N` as bpftrace reads the argument: a number when it is one, else a string; missing ones are 0 / "". */
function positionalEdits(tree: unknown, positional: readonly string[]): Edit[] {
  const edits: Edit[] = [];
  const arg = (e: Expr) => (e.kind === "PositionalExpr" ? (e.count ? String(positional.length) : positional[e.index - 1]) : undefined);
  const inStr = new Set<unknown>();
  for (const n of nodes(tree)) {
    if (n.kind === "CallExpr" && n.callee === "str") {
      const a = (n.args as Expr[])[0];
      if (a?.kind === "PositionalExpr" && !a.count && (n.args as Expr[]).length === 1) {
        inStr.add(a);
        edits.push({ from: n.span.offset, to: n.span.endOffset, text: JSON.stringify(positional[a.index - 1] ?? "") });
      }
    }
  }
  for (const n of nodes(tree)) {
    if (n.kind !== "PositionalExpr" || inStr.has(n)) continue;
    const v = arg(n as unknown as Expr);
    edits.push({ from: n.span.offset, to: n.span.endOffset, text: v === undefined ? "0" : NUMBER.test(v) ? v : JSON.stringify(v) });
  }
  return edits;
}

/** `exit();` statements under `tree`, with the `;` after them. */
function exitEdits(tree: unknown, source: string): Edit[] {
  const edits: Edit[] = [];
  for (const n of nodes(tree)) {
    const e = n.expr as Expr | undefined;
    if (n.kind !== "ExprStmt" || e?.kind !== "CallExpr" || e.callee !== "exit") continue;
    const semi = /^\s*;/.exec(source.slice(n.span.endOffset));
    edits.push({ from: n.span.offset, to: n.span.endOffset + (semi ? semi[0].length : 0), text: "" });
  }
  return edits;
}

/** `source[from, to)` with the edits that fall inside it applied. */
function slice(p: Parsed, from: number, to: number): string {
  let out = "";
  let at = from;
  const inside = p.edits.filter((e) => e.from >= from && e.to <= to).sort((a, b) => a.from - b.from);
  for (const e of inside) {
    if (e.from < at) continue; // nested in an edit already made (str($1) holds $1)
    out += p.source.slice(at, e.from) + e.text;
    at = e.to;
  }
  return out + p.source.slice(at, to);
}

function parseCell(cell: SavedCell): Parsed | string {
  const r = parse(cell.source);
  if (!r.program) return r.diagnostics[0]?.message ?? "does not parse";
  const probes = r.program.probes;
  const first = probes[0]?.span.offset ?? cell.source.length;
  return {
    cell,
    source: cell.source,
    edits: positionalEdits(probes, cell.positional),
    preamble: cell.source.slice(0, first).trim(),
    begin: probes.filter((p) => special(p, "BEGIN")),
    end: probes.filter((p) => special(p, "END")),
    tracing: probes.filter((p) => !special(p, "BEGIN") && !special(p, "END")),
  };
}

function settingsComment(c: SavedCell): string {
  const parts: string[] = [];
  if (c.durationMs !== undefined) parts.push(`--for ${formatMs(c.durationMs)}`);
  if (c.reason === "detached") parts.push("in the background");
  else if (c.durationMs === undefined && c.reason !== "begin-only") parts.push(`ran ${formatMs(ranFor(c))} (${c.reason})`);
  if (c.positional.length) parts.push(`%params ${c.positional.join(" ")}`);
  return `// cell [${c.cell}]${parts.length ? `: ${parts.join(", ")}` : ""}`;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 && ms > 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** How long a cell without a duration ran, in whole ms (at least 1). */
const ranFor = (c: SavedCell) => Math.max(1, Math.ceil(c.ranMs));

/** The body of a BEGIN/END probe, its predicate (if any) turned into an `if`. */
function specialBody(p: Parsed, probe: Probe): string {
  const b = probe.body.span;
  const inner = slice(p, b.offset + 1, b.endOffset - 1).trim();
  if (!probe.predicate) return inner;
  const pred = slice(p, probe.predicate.span.offset, probe.predicate.span.endOffset);
  return `if (${pred}) { ${inner} }`;
}

export interface ScriptInfo {
  readonly version: string;
  readonly host: string;
  readonly when: Date;
}

/** The script for `cells`, or why one cannot be written. */
export function savedScript(cells: readonly SavedCell[], info: ScriptInfo): string {
  const parsed: Parsed[] = [];
  const header = [
    `// Saved by Tracebook ${info.version} (%save) on ${info.host}, ${info.when.toISOString().replace(/\.\d+Z$/, "Z")}: ${cells.length} cell${cells.length === 1 ? "" : "s"}.`,
    "// One program runs every cell at once: each cell's probes keep to the time the cell ran",
    "// (its elapsed window); BEGIN and END blocks are merged, in cell order.",
  ];
  for (const c of cells) {
    const p = parseCell(c);
    if (typeof p === "string") {
      header.push(`// cell [${c.cell}] left out: ${p}`);
      continue;
    }
    parsed.push(p);
  }
  const tracing = parsed.filter((p) => p.tracing.length > 0);
  const lastTracing = tracing.at(-1);
  // BEGIN and END bodies lose their exit() calls; so do all tracing cells but the last.
  for (const p of parsed) {
    p.edits.push(...exitEdits([...p.begin, ...p.end], p.source));
    if (p !== lastTracing) p.edits.push(...exitEdits(p.tracing, p.source));
  }
  const notes: string[] = [];
  for (const p of parsed) {
    const c = p.cell;
    if (c.pid !== undefined) notes.push(`// cell [${c.cell}] traced process ${c.pid} (%pid): run the script with -p PID`);
    if (c.cmd !== undefined) notes.push(`// cell [${c.cell}] traced a command: run the script with -c ${JSON.stringify(c.cmd)}`);
    if (c.options.length) notes.push(`// cell [${c.cell}] had program options: tracebook FILE.bt -- ${c.options.map((o) => `--${o}`).join(" ")}`);
  }

  // Windows: a tracing cell starts when the one before it ended (a background one does not
  // hold the next back) and lasts its duration, else as long as it ran.
  const windows = new Map<Parsed, { start: number; end: number | undefined }>();
  let t = 0;
  for (const p of tracing) {
    const c = p.cell;
    const length = c.durationMs ?? (c.reason === "detached" ? undefined : ranFor(c));
    windows.set(p, { start: t, end: length === undefined ? undefined : t + length });
    if (length !== undefined) t += length;
  }
  const open = [...windows.values()].some((w) => w.end === undefined);
  const lastEnds = lastTracing?.cell.reason === "exit";
  const total = open || lastEnds ? undefined : t;

  const out: string[] = [...header, ...notes, ""];
  const preambles = parsed.filter((p) => p.preamble !== "");
  for (const p of preambles) out.push(`// cell [${p.cell.cell}]`, p.preamble, "");

  const begins = parsed.filter((p) => p.begin.length > 0);
  if (begins.length > 0 || tracing.length === 0) {
    out.push("BEGIN {");
    for (const p of begins) {
      out.push(`  ${settingsComment(p.cell)}`);
      for (const probe of p.begin) out.push(`  ${specialBody(p, probe)}`);
    }
    if (tracing.length === 0) out.push("  exit();");
    out.push("}", "");
  }
  for (const p of tracing) {
    out.push(settingsComment(p.cell));
    const w = windows.get(p)!;
    const bounds = [
      ...(w.start > 0 ? [`elapsed >= ${w.start * 1_000_000}`] : []),
      // the last window closes with the script; the last cell's own exit() ends it
      ...(w.end !== undefined && !(p === lastTracing && lastEnds) && (total === undefined || w.end < total) ? [`elapsed < ${w.end * 1_000_000}`] : []),
    ];
    for (const probe of p.tracing) out.push(probeText(p, probe, bounds), "");
  }
  const ends = parsed.filter((p) => p.end.length > 0);
  if (ends.length > 0) {
    out.push("END {");
    for (const p of ends) {
      out.push(`  // cell [${p.cell.cell}]`);
      for (const probe of p.end) out.push(`  ${specialBody(p, probe)}`);
    }
    out.push("}", "");
  }
  if (total !== undefined && tracing.length > 0) out.push(`// the last cell's window closes at ${formatMs(total)}`, `interval:ms:${total} { exit(); }`, "");
  return out.join("\n");
}

/** A tracing probe with its window added to its predicate. */
function probeText(p: Parsed, probe: Probe, bounds: readonly string[]): string {
  const s = probe.span;
  if (bounds.length === 0) return slice(p, s.offset, s.endOffset);
  const window = bounds.join(" && ");
  if (probe.predicate) {
    const pred = probe.predicate.span;
    return `${slice(p, s.offset, pred.offset)}(${window}) && (${slice(p, pred.offset, pred.endOffset)})${slice(p, pred.endOffset, s.endOffset)}`;
  }
  const body = probe.body.span.offset;
  return `${slice(p, s.offset, body).trimEnd()} /${window}/ ${slice(p, body, s.endOffset)}`;
}
