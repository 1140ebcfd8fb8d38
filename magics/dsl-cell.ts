// A DSL cell: one bpftrace program. printf lines stream as stdout; while probes are
// attached, one display (with a display_id) shows the maps it writes, refreshed about once
// a second; at the end every map it wrote is displayed as rich output (Vega-Lite + SVG +
// bpftrace's text). `%%bt --for 10s` bounds the run; `%%bt --background` returns once the
// probes are attached.
import type { ExecuteOutcome } from "../kernel/interpreter.ts";
import { mapBundle, mapDisplay, type MimeBundle } from "./display/index.ts";
import { provenance } from "./provenance.ts";
import { PrintedSeries } from "./cell-series.ts";
import type { RunProgress } from "../bpf/runtime/run.ts";
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

export interface NotebookSettings {
  positional: string[];
  /** Named program options for getopt() (%params ... -- --name=value), without the dashes. */
  options: string[];
  /** Default duration of a DSL cell (%timeout), in ms. */
  durationMs: number | undefined;
  /** %pid: the process the following cells are scoped to (like -p PID). */
  pid: number | undefined;
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
    } else return `%%bt: unknown flag '${w}' (known: --for DURATION, --background, --pid PID, -c CMD)`;
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
  let seen: RunProgress = { events: 0, lost: 0n };
  const events = (p: RunProgress) => `${p.events.toLocaleString("en-US")} events read, ${p.lost.toLocaleString("en-US")} lost`;
  const progress = (): string => {
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    const of = durationMs !== undefined ? `${secs}s of ${(durationMs / 1000).toFixed(0)}s` : `${secs}s, until exit() or interrupt`;
    return `${probes} probes attached; running ${of}; ${events(seen)}`;
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
      output: (text, meta) => {
        ctx.stream("stdout", text);
        if (meta?.kind !== "map") return;
        const snap = session.snapshot(meta.map); // as print() printed it: a clear() after it has not run yet
        if (snap) series.record(snap);
      },
      errorOutput: (text) => ctx.stream("stderr", text),
      warning: (text) => ctx.stream("stderr", text),
      // a cell's -c scopes it to its command, over the notebook's %pid
      ...(command ? commandRunOptions(command) : (flags.pid ?? settings.pid) !== undefined && { pid: flags.pid ?? settings.pid }),
      attaching: (done, total) => {
        ctx.display({ "text/plain": `attaching ${done} of ${total} probes` }, { displayId: progressId, update: progressShown });
        progressShown = true;
      },
      attached: (count) => {
        live = true;
        probes = count;
        attachedAt = new Date();
        ctx.display({ "text/plain": progress() }, { displayId: progressId, update: progressShown });
        progressShown = true;
      },
      tick: (maps, p) => {
        if (!live) return;
        seen = p;
        ctx.display({ "text/plain": progress() }, { displayId: progressId, update: true });
        for (const snap of maps) {
          if (!shown.has(snap.name)) showMap(snap.name, { ...mapBundle(snap), "text/plain": formatMap(snap) });
          drawLive(snap);
        }
        series.tick();
      },
    });
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
      const summary = `${probes} probes ran ${secs}s (${res.reason}); ${events({ events: Math.max(seen.events, res.events ?? 0), lost: res.lost })}`;
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
  }
}
