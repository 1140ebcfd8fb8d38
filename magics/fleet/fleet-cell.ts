// %%fleet [--hosts a,b] [--for D] [-c CMD] [--pid P]: the cell, a DSL program, runs as
// `%%bt` in a Tracebook kernel on every host at once (started through each host's Jupyter
// Server, magics/fleet/remote.ts), after the notebook's settings (%params, %timeout). Map
// snapshots are merged as each host's arrive (magics/fleet/merge.ts); printf lines come
// prefixed with the host. An interrupt interrupts every host; a host that is down, refuses,
// cannot trace or is lost midway is named and the rest of the fleet's result still comes
// back, marked incomplete. Remote kernels are shut down when the cell ends, and by the
// coordinating kernel's shutdown if it ends first (state.ts).
import type { ExecuteOutcome } from "../../kernel/interpreter.ts";
import type { MagicContext } from "../interpreter.ts";
import { parseDuration, type NotebookSettings } from "../dsl-cell.ts";
import { splitWords } from "../header-words.ts";
import { parsePid } from "../../bpf/runtime/process-exit.ts";
import { cannotTraceReason } from "../host-magic.ts";
import { fleetOf } from "./state.ts";
import { FleetMerge } from "./merge.ts";
import { HostRun } from "./host-run.ts";
import { HostError, RemoteKernel, TIMEOUTS } from "./remote.ts";
import { fleetMapDisplay, fleetProvenance, fleetRecord, hostsTable, missing } from "./fleet-output.ts";
import { redact, type FleetHost } from "./hosts.ts";

interface FleetFlags {
  hosts?: string[];
  durationMs?: number;
  /** The rest of the header, passed on to each host's %%bt. */
  bt: string[];
}

const quote = (w: string) => `'${w.replace(/'/g, "'\\''")}'`;

export function parseFleetFlags(header: string): FleetFlags | string {
  const words = splitWords(header);
  if (typeof words === "string") return `%%fleet: ${words}`;
  const f: FleetFlags = { bt: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const value = (flag: string) => (w.startsWith(`${flag}=`) ? w.slice(flag.length + 1) : words[++i]);
    if (w === "--hosts" || w.startsWith("--hosts=")) {
      const v = value("--hosts");
      if (!v) return "%%fleet --hosts needs names, like --hosts a,b";
      f.hosts = v.split(",").map((s) => s.trim()).filter(Boolean);
    } else if (w === "--for" || w.startsWith("--for=")) {
      const v = value("--for");
      const ms = v ? parseDuration(v) : undefined;
      if (ms === undefined) return `%%fleet --for needs a duration like 10s or 500ms, got '${v ?? ""}'`;
      f.durationMs = ms;
      f.bt.push("--for", `${ms}ms`);
    } else if (w === "--pid" || w.startsWith("--pid=")) {
      const v = value("--pid") ?? "";
      // a pid names a process on each host; only its form can be checked here
      if (!/^\d+$/.test(v)) return `%%fleet --pid: '${v}' is not a process id`;
      f.bt.push("--pid", v);
    } else if (w === "-c" || w === "--cmd" || w.startsWith("--cmd=")) {
      const v = w.startsWith("--cmd=") ? w.slice(6) : words[++i];
      if (!v?.trim()) return `%%fleet ${w.replace(/=.*/, "")} needs a command, like -c "ls -l /tmp"`;
      f.bt.push("-c", quote(v));
    } else return `%%fleet: unknown flag '${w}' (known: --hosts a,b, --for DURATION, --pid PID, -c CMD)`;
  }
  return f;
}

/** The notebook's settings as the magics that set them, for each host's kernel first. */
export function settingsPreamble(s: NotebookSettings): string {
  const params = [...s.positional, ...(s.options.length ? ["--", ...s.options.map((o) => `--${o}`)] : [])];
  return [
    "%replay off", // a host traces or says why it cannot; it never shows recordings
    `%params${params.length ? ` ${params.join(" ")}` : ""}`,
    `%timeout ${s.durationMs === undefined ? "off" : `${s.durationMs}ms`}`,
    "%host",
  ].join("\n");
}

function usage(msg: string): ExecuteOutcome {
  return { status: "error", ename: "UsageError", evalue: msg, traceback: [msg] };
}

export async function runFleetCell(m: MagicContext, source: string, header: string): Promise<ExecuteOutcome> {
  const flags = parseFleetFlags(header);
  if (typeof flags === "string") return usage(flags);
  const fleet = fleetOf(m.session);
  if (fleet.hosts.length === 0) return usage("%%fleet: no hosts; name them first: %hosts NAME=URL ... or %hosts --file hosts.json");
  const unknown = (flags.hosts ?? []).filter((n) => !fleet.hosts.some((h) => h.name === n));
  if (unknown.length) return usage(`%%fleet --hosts: no host ${unknown.join(", ")} (known: ${fleet.hosts.map((h) => h.name).join(", ")})`);
  const hosts: FleetHost[] = flags.hosts ? fleet.hosts.filter((h) => flags.hosts!.includes(h.name)) : fleet.hosts;
  const { ctx } = m;
  const started = new Date();
  const durationMs = flags.durationMs ?? m.settings.durationMs;
  const preamble = settingsPreamble(m.settings);
  const code = `%%bt${flags.bt.length ? ` ${flags.bt.join(" ")}` : ""}\n${source}`;

  const merge = new FleetMerge();
  const displayId = `tracebook-${m.origin}-${Date.now().toString(36)}-fleet`;
  let shown = false;
  let pending: NodeJS.Timeout | undefined;
  const show = () => {
    pending = undefined;
    const attached = runs.filter((r) => r.phase === "attached").length;
    const secs = ((Date.now() - started.getTime()) / 1000).toFixed(0);
    const of = durationMs !== undefined ? `${secs}s of ${(durationMs / 1000).toFixed(0)}s` : `${secs}s, until exit() or interrupt`;
    ctx.display(hostsTable(runs, `fleet: ${attached} of ${runs.length} hosts attached; running ${of}`), { displayId, update: shown });
    shown = true;
  };
  const changed = () => void (pending ??= setTimeout(show, 100));
  const runs: HostRun[] = hosts.map((h) => new HostRun(h, {
    stream: (name, text) => ctx.stream(name, text),
    snapshot: (host, json) => {
      try {
        merge.add(host, json);
      } catch (e) {
        ctx.stream("stderr", `${host}: a map output that is no snapshot was left out: ${(e as Error).message}\n`);
      }
    },
    changed,
  }));
  show();
  const ticker = setInterval(show, 1000);
  const kernels = new Map<string, RemoteKernel>();

  const interrupt = () => {
    for (const r of runs) {
      const k = kernels.get(r.name);
      if (!k || r.settled) continue;
      k.interrupt().catch((e: unknown) => k.abandon(`the interrupt failed: ${(e as Error).message}`));
      setTimeout(() => k.abandon(`did not stop within ${TIMEOUTS.stopMs / 1000} s of the interrupt`), TIMEOUTS.stopMs).unref();
    }
  };
  ctx.signal.addEventListener("abort", interrupt, { once: true });

  const runHost = async (r: HostRun): Promise<void> => {
    let k: RemoteKernel | undefined;
    try {
      k = await RemoteKernel.start(r.host, ctx.signal);
      kernels.set(r.name, k);
      fleet.live.add(k);
      if (ctx.signal.aborted) return r.end("failed", "interrupted before it ran");
      const pre = await k.execute(preamble, (msg) => r.onPreamble(msg));
      if (pre.status !== "ok") return r.end("failed", `its kernel refused the notebook's settings: ${pre.ename}: ${pre.evalue}`);
      const why = r.facts ? cannotTraceReason(r.facts) : "its kernel did not say what it is (%host): is it a Tracebook kernel?";
      if (why) return r.end("failed", why);
      if (ctx.signal.aborted) return r.end("failed", "interrupted before it ran");
      r.phase = "running";
      changed();
      // the host's own deadline: its duration, and then the time to send its maps
      const deadline = durationMs !== undefined ? setTimeout(() => k?.abandon(`did not end within ${((durationMs + TIMEOUTS.startMs + TIMEOUTS.stopMs) / 1000).toFixed(0)} s`), durationMs + TIMEOUTS.startMs + TIMEOUTS.stopMs) : undefined;
      const res = await k.execute(code, (msg) => r.onCell(msg)).finally(() => clearTimeout(deadline));
      if (res.status === "ok") r.end("done");
      else r.end("failed", r.error ? `${r.error.ename}: ${r.error.evalue}` : `${res.ename ?? "error"}: ${res.evalue ?? res.status}`);
    } catch (e) {
      const words = e instanceof HostError ? e.message : redact((e as Error)?.message ?? String(e), [r.host]);
      r.end(r.phase === "starting" ? "failed" : "lost", words);
    } finally {
      if (k) {
        await k.shutdown();
        fleet.live.delete(k);
      }
    }
  };

  try {
    await Promise.all(runs.map(runHost));
  } finally {
    clearInterval(ticker);
    clearTimeout(pending);
    ctx.signal.removeEventListener("abort", interrupt);
  }

  const done = runs.filter((r) => r.phase === "done").map((r) => r.name);
  const gaps = missing(runs);
  const counts = `${done.length} of ${runs.length} hosts ran it`;
  ctx.display(hostsTable(runs, `fleet: ${counts}${gaps.length ? "; the result is incomplete" : ""}`), { displayId, update: true });
  if (done.length === 0) return noResult(runs);

  const prov = fleetProvenance(runs, done, m.origin, started);
  const record = fleetRecord(runs);
  for (const name of merge.names()) {
    const merged = merge.merged(name);
    if (merged) {
      const d = await fleetMapDisplay(merged, prov, record, "merged");
      ctx.display(d.data, { metadata: d.metadata });
    }
    const by = merge.byHost(name, runs.map((r) => r.name), done);
    if (!by) continue;
    if (by.keysShown) ctx.stream("stdout", `${name} by host: the ${by.keysShown.shown.toLocaleString("en-US")} largest of ${by.keysShown.of.toLocaleString("en-US")} keys\n`);
    const d = await fleetMapDisplay(by.snap, prov, record, "by host");
    ctx.display(d.data, { metadata: d.metadata });
  }
  for (const c of merge.conflicts) ctx.stream("stderr", `not merged: ${c}\n`);
  if (gaps.length) ctx.stream("stderr", `fleet result incomplete: ${gaps.join("; ")}\n`);
  return { status: "ok" };
}

/** No host ran the cell: one error, the hosts' own when they all say the same (a typo in the program). */
function noResult(runs: readonly HostRun[]): ExecuteOutcome {
  const errors = runs.map((r) => r.error);
  const first = errors[0];
  if (first && errors.every((e) => e?.ename === first.ename && e.evalue === first.evalue)) {
    return { status: "error", ename: first.ename, evalue: first.evalue, traceback: [...first.traceback, `(on every host: ${runs.map((r) => r.name).join(", ")})`] };
  }
  const lines = missing(runs);
  return { status: "error", ename: "FleetError", evalue: `no host ran the cell: ${lines.join("; ")}`, traceback: ["no host ran the cell:", ...lines.map((l) => `  ${l}`)] };
}
