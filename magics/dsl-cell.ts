// A DSL cell: one bpftrace program. printf lines stream as stdout; while probes are
// attached, one display (with a display_id) shows the maps it writes, refreshed about once
// a second; at the end every map it wrote is displayed as rich output (Vega-Lite + SVG +
// bpftrace's text). `%%bt --for 10s` bounds the run; `%%bt --background` returns once the
// probes are attached.
import type { ExecuteOutcome } from "../kernel/interpreter.ts";
import { mapBundle, mapDisplay, type MimeBundle } from "./display/index.ts";
import { provenance } from "./provenance.ts";
import { PrintedSeries } from "./cell-series.ts";
import type { EndReason, RunProgress } from "../bpf/runtime/run.ts";
import { formatMap } from "../bpf/output/index.ts";
import type { MagicContext } from "./interpreter.ts";
import { errorOutcome } from "./interpreter.ts";
import { parsePid } from "../bpf/runtime/process-exit.ts";
import type { ChildCommand } from "../bpf/runtime/child-command.ts";
import { commandRunOptions, startCellCommand } from "./cell-command.ts";
import { splitWords } from "./header-words.ts";
import { mapHistory } from "./map-history.ts";
import { cgroupRunOption, type CgroupSetting } from "./cgroup-magic.ts";
import { scriptHistory } from "./save-script.ts";
import { StreamCap } from "./stream-cap.ts";

export interface NotebookSettings {
  positional: string[];
  /** Named program options for getopt() (%params ... -- --name=value), without the dashes. */
  options: string[];
  /** Default duration of a DSL cell (%timeout), in ms. */
  durationMs: number | undefined;
  /** %pid: the process the following cells are scoped to (like -p PID). */
  pid: number | undefined;
  /** %limit: lines of printf output a cell shows (the rest goes to a file); undefined: all. */
  streamLimit?: number | undefined;
  /** %self on: probes also fire in this kernel's own process (by default they leave it out). */
  traceSelf?: boolean;
  /** %cgroup / TRACEBOOK_CGROUP: only tasks of this cgroup v2 are traced (magics/cgroup-magic.ts). */
  cgroup?: CgroupSetting;
}

/** "10s", "500ms", "2m", "1h" → ms. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
}

interface CellFlags {
  durationMs?: number;
  background: boolean;
  /** --pid N: this cell only, like %pid N. */
  pid?: number;
  /** -c CMD / --cmd CMD: run CMD under the probes (magics/cell-command.ts). */
  cmd?: string;
  /** --limit N | off: lines shown, this cell only (null: all). */
  limit?: number | null;
  /** --output FILE: the whole printf stream also goes to FILE. */
  output?: string;
  /** --self: this cell's probes also fire in the kernel's own process. */
  self?: boolean;
}

/** "10000", "10k", "off" → a line count (null: no cap), or undefined when it is neither. */
export function parseLimit(v: string): number | null | undefined {
  if (v === "off") return null;
  const m = /^(\d+)(k?)$/.exec(v.trim());
  return m ? Number(m[1]) * (m[2] ? 1000 : 1) : undefined;
}

function parseFlags(header: string): CellFlags | string {
  const words = splitWords(header);
  if (typeof words === "string") return `%%bt: ${words}`;
  const f: CellFlags = { background: false };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--background" || w === "-b") f.background = true;
    else if (w === "--for" || w.startsWith("--for=")) {
      const v = w.includes("=") ? w.slice(6) : words[++i];
      const ms = v ? parseDuration(v) : undefined;
      if (ms === undefined) return `%%bt --for needs a duration like 10s or 500ms, got '${v ?? ""}'`;
      f.durationMs = ms;
    } else if (w === "--pid" || w.startsWith("--pid=")) {
      const v = w.includes("=") ? w.slice(6) : words[++i];
      const pid = parsePid(v ?? "");
      if (typeof pid === "string") return `%%bt --pid: ${pid}`;
      f.pid = pid;
    } else if (w === "-c" || w === "--cmd" || w.startsWith("--cmd=")) {
      const v = w.startsWith("--cmd=") ? w.slice(6) : words[++i];
      if (!v?.trim()) return `%%bt ${w.replace(/=.*/, "")} needs a command, like -c "ls -l /tmp"`;
      f.cmd = v;
    } else if (w === "--limit" || w.startsWith("--limit=")) {
      const v = w.includes("=") ? w.slice(8) : words[++i];
      const n = v !== undefined ? parseLimit(v) : undefined;
      if (n === undefined) return `%%bt --limit needs a number of lines or off, got '${v ?? ""}'`;
      f.limit = n;
    } else if (w === "--output" || w === "-o" || w.startsWith("--output=")) {
      const v = w.startsWith("--output=") ? w.slice(9) : words[++i];
      if (!v) return `%%bt ${w.replace(/=.*/, "")} needs a file name`;
      f.output = v;
    } else if (w === "--self") f.self = true;
    else return `%%bt: unknown flag '${w}' (known: --for DURATION, --background, --pid PID, -c CMD, --limit N, --output FILE, --self)`;
  }
  if (f.cmd !== undefined && f.pid !== undefined) return "%%bt: -c and --pid cannot be used together";
  if (f.cmd !== undefined && f.background) return "%%bt: -c cannot run in the background (the command would be ended at once)";
  return f;
}

export async function runDslCell(m: MagicContext, source: string, header: string): Promise<ExecuteOutcome> {
  const flags = parseFlags(header);
  if (typeof flags === "string") return { status: "error", ename: "UsageError", evalue: flags, traceback: [flags] };
  const { session, settings, ctx, origin } = m;
  const base = `tracebook-${origin}-${Date.now().toString(36)}`;
  const progressId = `${base}-progress`;
  // One display per map, keyed by map name: created on the first tick that sees the map,
  // updated while the cell runs, and replaced by the final rich bundle at the end.
  const shown = new Set<string>();
  const mapId = (name: string) => `${base}-map-${name}`;
  const showMap = (name: string, data: MimeBundle, metadata?: Record<string, unknown>) => {
    ctx.display(data, { displayId: mapId(name), update: shown.has(name), ...(metadata && { metadata }) });
    shown.add(name);
  };
  // Live pictures: each tick draws each map (vega + resvg, tens of ms) unless its previous
  // drawing is still under way; none lands after the run ended.
  const drawing = new Map<string, Promise<void>>();
  let ended = false;
  const series = new PrintedSeries(ctx, (name) => `${base}-series-${name}`);
  const drawLive = (snap: Parameters<typeof mapBundle>[0]) => {
    if (drawing.has(snap.name)) return;
    const live = mapDisplay(snap)
      .then((d) => {
        if (!ended) showMap(snap.name, { ...d.data, "text/plain": formatMap(snap) }, d.metadata);
      })
      .catch(() => undefined)
      .finally(() => drawing.delete(snap.name));
    drawing.set(snap.name, live);
  };
  let live = false;
  let progressShown = false;
  let probes = 0;
  const started = Date.now();
  let attachedAt: Date | undefined;
  const durationMs = flags.durationMs ?? settings.durationMs;
  const target = flags.cmd === undefined ? flags.pid ?? settings.pid : undefined;
  // why the run ended, in words (provenance keeps the code)
  const endedBy = (r: EndReason) => (r !== "process-exit" ? r : target !== undefined ? `process ${target} exited` : "the command exited");
  let seen: RunProgress = { events: 0, lost: 0n };
  const events = (p: RunProgress) => `${p.events.toLocaleString("en-US")} events read, ${p.lost.toLocaleString("en-US")} lost`;
  const limit = flags.limit === undefined ? settings.streamLimit : flags.limit ?? undefined;
  const cap = StreamCap.open({ limit, name: `cell-${ctx.executionCount}`, ...(flags.output !== undefined && { file: flags.output }) });
  if (typeof cap === "string") return { status: "error", ename: "UsageError", evalue: `%%bt ${cap}`, traceback: [`%%bt ${cap}`] };
  // Said once, in the progress line and the summary: which process the probes leave out.
  let leftOut = "";
  const progress = (): string => {
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    const until = target !== undefined ? `process ${target} exits, ` : flags.cmd !== undefined ? "the command exits, " : "";
    const of = durationMs !== undefined ? `${secs}s of ${(durationMs / 1000).toFixed(0)}s` : `${secs}s, until ${until}exit() or interrupt`;
    const hidden = cap.suppressed > 0 ? `; ${cap.suppressed.toLocaleString("en-US")} lines not shown (all in ${cap.path ?? "no file"})` : "";
    return `${probes} probes attached${leftOut}; running ${of}; ${events(seen)}${hidden}`;
  };
  let command: ChildCommand | undefined;
  try {
    command = flags.cmd !== undefined ? startCellCommand(flags.cmd, ctx) : undefined;
    const res = await session.run(source, {
      origin,
      positional: settings.positional,
      programOptions: settings.options,
      signal: ctx.signal,
      durationMs,
      background: flags.background,
      closeProbesLater: true,
      ...cgroupRunOption(settings),
      ...(ctx.cellId !== undefined && { cell: ctx.cellId }),
      // the kernel's own writes (this output) would feed back into syscall probes
      ...(!(flags.self || settings.traceSelf) && { excludePid: process.pid }),
      output: (text, meta) => {
        cap.write(text, (t) => ctx.stream("stdout", t));
        if (meta?.kind !== "map") return;
        const snap = session.takePrinted(meta.map); // what print() printed, not the map now
        if (snap) series.record(snap);
      },
      errorOutput: (text) => cap.write(text, (t) => ctx.stream("stderr", t)),
      // bpftrace's line, past any cap (the summary counts them too)
      lost: (n) => ctx.stream("stderr", `Lost ${n} events\n`),
      warning: (text) => ctx.stream("stderr", text),
      // a cell's -c scopes it to its command, over the notebook's %pid
      ...(command ? commandRunOptions(command) : (flags.pid ?? settings.pid) !== undefined && { pid: flags.pid ?? settings.pid }),
      attaching: (done, total) => {
        ctx.display({ "text/plain": `attaching ${done} of ${total} probes` }, { displayId: progressId, update: progressShown });
        progressShown = true;
      },
      attached: (count, spec) => {
        live = true;
        probes = count;
        if (spec.excludedPid !== undefined) leftOut = ` (this kernel, pid ${spec.excludedPid}, left out: %%bt --self traces it too)`;
        attachedAt = new Date();
        ctx.display({ "text/plain": progress() }, { displayId: progressId, update: progressShown });
        progressShown = true;
      },
      tick: (maps, p) => {
        if (!live) return;
        seen = p;
        cap.flush();
        ctx.display({ "text/plain": progress() }, { displayId: progressId, update: true });
        for (const snap of maps) {
          if (!shown.has(snap.name)) showMap(snap.name, { ...mapBundle(snap), "text/plain": formatMap(snap) });
          drawLive(snap);
        }
        series.tick();
      },
    });
    const capped = cap.summary();
    if (capped) ctx.stream("stdout", `… ${capped}\n`);
    const pid = flags.pid ?? settings.pid;
    scriptHistory.record({
      cell: ctx.executionCount, source, positional: [...settings.positional], options: [...settings.options],
      ranMs: attachedAt ? Date.now() - attachedAt.getTime() : 0, reason: res.reason,
      ...(ctx.cellId !== undefined && { cellId: ctx.cellId }),
      ...(durationMs !== undefined && { durationMs }),
      ...(flags.cmd !== undefined ? { cmd: flags.cmd } : pid !== undefined && { pid }),
    });
    if (res.reason === "detached") {
      const id = [...session.jobs.values()].at(-1)?.id;
      ctx.stream("stdout", `running in the background as job ${id}; %jobs lists jobs, %stop ${id} detaches\n`);
      return { status: "ok" };
    }
    if (live) {
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      const summary = `${probes} probes ran ${secs}s (${endedBy(res.reason)})${leftOut}; ${events({ events: Math.max(seen.events, res.events ?? 0), lost: res.lost })}`;
      ctx.display({ "text/plain": summary }, { displayId: progressId, update: true });
    }
    ended = true;
    const prov = provenance({
      origin,
      probes: res.probes,
      started: attachedAt ?? new Date(started),
      reason: res.reason,
      lost: res.lost,
      ...(res.mapFull && { mapFull: res.mapFull }),
    });
    // The maps' final outputs, pictures included (vega + resvg, tens of ms each), go out
    // before the reply, as every kernel's outputs do: clients read iopub until idle with
    // short gaps (jupyter_kernel_test waits 0.1 s between messages after the reply), and a
    // map first appears with its picture (some read display_data alone). The probes are
    // detached after the reply (closeProbesLater), which is the slow part.
    for (const snap of res.maps) mapHistory.record(origin, snap);
    await Promise.all(drawing.values());
    await series.end(prov);
    const finals = await Promise.all(res.maps.map((snap) => mapDisplay(snap, prov)));
    res.maps.forEach((snap, i) => showMap(snap.name, finals[i]!.data, finals[i]!.metadata));
    // a map shown while the cell ran and empty at its end (`END { clear(@start); }`) shows
    // nothing, as bpftrace prints nothing for it: its live display would be stale
    const kept = new Set(res.maps.map((m) => m.name));
    for (const name of shown) if (!kept.has(name)) showMap(name, { "text/plain": "" });
    return { status: "ok" };
  } catch (e) {
    ended = true;
    series.abandon();
    return errorOutcome(e);
  } finally {
    command?.kill();
    cap.close();
  }
}
