// Line magics: each a small command over the session.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import type { ExecuteOutcome } from "../kernel/interpreter.ts";
import { listProbes } from "../bpf/probes/listing.ts";
import { disassemble } from "../bpf/asm/index.ts";
import { mapDisplay } from "./display/index.ts";
import { provenance } from "./provenance.ts";
import { renderDiagnostics } from "../bpf/types/diagnostic.ts";
import { describeMap } from "../bpf/types/map-info.ts";
import { parseDuration, parseLimit } from "./dsl-cell.ts";
import { parsePid } from "../bpf/runtime/process-exit.ts";
import { splitProgramArgs } from "../bpf/lang/index.ts";
import type { MagicContext } from "./interpreter.ts";
import { doctorFacts, renderDoctor } from "./doctor.ts";
import { runDiff } from "./diff-magic.ts";
import { mapHistory } from "./map-history.ts";
import { helpText, listMagics } from "./help-magic.ts";
import { savedScript, scriptHistory } from "./save-script.ts";
import { VERSION } from "../kernel/version.ts";
import { runCgroupMagic } from "./cgroup-magic.ts";
import { hostBundle, hostFacts } from "./host-magic.ts";

export interface MagicInfo {
  readonly name: string;
  readonly usage: string;
  readonly doc: string;
}

export const MAGICS: readonly MagicInfo[] = [
  { name: "%probes", usage: "%probes [-v] PATTERN", doc: "List probes like `bpftrace -l` (with -v: their arguments)." },
  { name: "%jobs", usage: "%jobs", doc: "List the programs running in the background." },
  { name: "%stop", usage: "%stop N", doc: "Detach background job N and display its maps." },
  { name: "%maps", usage: "%maps", doc: "List the notebook's maps with their types." },
  { name: "%print", usage: "%print @map", doc: "Display a map now." },
  { name: "%diff", usage: "%diff @map [CELL [CELL2]]", doc: "How a map changed: now against the end of an earlier cell (default: the last that displayed it), or between two cells." },
  { name: "%clear", usage: "%clear @map", doc: "Forget a map (its kernel map is freed)." },
  { name: "%timeout", usage: "%timeout 10s | off", doc: "Default duration of a DSL cell." },
  { name: "%params", usage: "%params ARG... [-- --name=value --flag]", doc: "Positional parameters $1, $2, ... and named options for getopt() for the following cells." },
  { name: "%pid", usage: "%pid [PID | off]", doc: "Scope the following cells to a process, like -p PID: uprobes/USDT attach to it, other probes filter on it, a cell ends when it exits. Alone: show it." },
  { name: "%bytecode", usage: "%bytecode PROGRAM", doc: "Show the eBPF instructions a program compiles to, with its source lines." },
  { name: "%verifier", usage: "%verifier [-v] PROGRAM", doc: "Load a program without attaching it and show what the kernel's verifier says: its statistics, or with -v its walk over every instruction." },
  { name: "%limit", usage: "%limit [N | off]", doc: "Lines of printf output a cell shows (default 10,000); the whole stream also goes to a file the cell names. Alone: show it." },
  { name: "%self", usage: "%self [on | off]", doc: "Whether probes also fire in this kernel's own process (off by default: its writes of a cell's output would feed back into syscall probes; %%bt --self for one cell). Alone: show it." },
  { name: "%replay", usage: "%replay [on | off | auto | FILE.ipynb]", doc: "Show cells' recorded outputs instead of tracing: auto (the default) where this kernel cannot trace, on always, off never; FILE names the saved notebook (else the notebooks of the working directory, matched by cell id or source)." },
  { name: "%doctor", usage: "%doctor", doc: "Show what this machine can trace (BTF, kprobes, fentry, tracepoints, capabilities, ...) and what to do about each no." },
  { name: "%lsmagic", usage: "%lsmagic", doc: "List every magic with its usage." },
  { name: "%help", usage: "%help MAGIC", doc: "Show a magic's usage and what it does (%help probes, %help %%bt)." },
  { name: "%save", usage: "%save [-f] FILE.bt", doc: "Write the DSL cells run so far as one bpftrace script that bpftrace and tracebook both run: each cell's probes keep to the time the cell ran, %params are written in, %pid and -c become comments; -f overwrites." },
  { name: "%load", usage: "%load FILE.bt", doc: "Put a script into the next cell, to read or run it." },
  { name: "%%bt", usage: "%%bt [--for 10s] [--background] [--pid PID] [-c \"CMD\"] [--limit N] [--output FILE] [--self]", doc: "Run the cell as a bpftrace program (the default)." },
  { name: "%%ts", usage: "%%ts", doc: "Run the cell as TypeScript over the session (`tb`), with top-level await." },
  { name: "%cgroup", usage: "%cgroup [PATH | own | off]", doc: "Trace only the tasks of one cgroup v2. PATH is a cgroupfs directory or a path as /proc/PID/cgroup shows it, own is this kernel's cgroup, and the environment variable TRACEBOOK_CGROUP sets it at start; for shared hosts and Kubernetes pods. Alone: show it." },
  { name: "%host", usage: "%host", doc: "Show this kernel's machine as data. Host name, kernel release, Tracebook version, whether it can trace (capabilities) and its cgroup scope, as JSON and text." },
  { name: "%hosts", usage: "%hosts [NAME=URL ... | --file hosts.json]", doc: "Name the fleet's hosts and check them. Each URL is a Jupyter Server (or Gateway) with its ?token= (or $ENV_VAR); each host is checked at once (answers, token, kernelspec, kernel release, can it trace). Alone: list them." },
  { name: "%%fleet", usage: "%%fleet [--hosts a,b] [--for 10s] [-c \"CMD\"] [--pid PID]", doc: "Run the cell on every host of %hosts at once. As %%bt, with its --for, -c and --pid; shows each map merged over the fleet and by host, printf lines prefixed with the host." },
];

const ok: ExecuteOutcome = { status: "ok" };

function usage(msg: string): ExecuteOutcome {
  return { status: "error", ename: "UsageError", evalue: msg, traceback: [msg] };
}

export async function runLineMagic(m: MagicContext, line: string): Promise<ExecuteOutcome> {
  const [name, ...rest] = line.split(/\s+/);
  const arg = rest.join(" ");
  const { session, settings, ctx } = m;
  switch (name) {
    case "%probes": {
      const verbose = rest[0] === "-v";
      const pattern = (verbose ? rest.slice(1) : rest).join(" ") || "*";
      const lines = listProbes(session.env, pattern, verbose);
      const problem = lines.length === 0 && /^(t|tracepoint):/.test(pattern) ? session.env.tracefsProblem?.() : undefined;
      if (problem) return usage(`%probes ${pattern}: ${problem.message}; ${problem.hints.join("; ")}`);
      ctx.stream("stdout", lines.length ? `${lines.join("\n")}\n` : `no probes match ${pattern}\n`);
      return ok;
    }
    case "%jobs": {
      const jobs = [...session.jobs.values()];
      ctx.stream("stdout", jobs.length ? jobs.map((j) => `[${j.id}] ${j.origin} since ${j.started.toISOString()}: ${j.source.trim().split("\n")[0]}`).join("\n") + "\n" : "no background jobs\n");
      return ok;
    }
    case "%stop": {
      const id = Number(arg);
      const job = session.jobs.get(id);
      if (!job) return usage(`%stop: no job ${arg} (see %jobs)`);
      const probes = [...new Set(job.run.progs.map((p) => p.spec.probe.name))];
      const lost = job.run.lost(); // read before stopJob closes the run's maps
      const maps = session.stopJob(id) ?? [];
      const prov = provenance({ origin: job.origin, probes, started: job.started, reason: "stopped", lost });
      for (const s of maps) {
        const d = await mapDisplay(s, prov);
        ctx.display(d.data, { metadata: d.metadata });
      }
      return ok;
    }
    case "%maps": {
      const names = session.registry.names();
      ctx.stream("stdout", names.length ? names.map((n) => describeMap(session.registry.get(n)!)).join("\n") + "\n" : "no maps yet\n");
      return ok;
    }
    case "%print": {
      const s = session.snapshot(arg);
      if (!s) return usage(`%print: no map ${arg}`);
      mapHistory.record(m.origin, s);
      const d = await mapDisplay(s, provenance({ origin: m.origin, started: new Date(), reason: "snapshot" }));
      ctx.display(d.data, { metadata: d.metadata });
      return ok;
    }
    case "%diff":
      return runDiff(m, rest.filter(Boolean));
    case "%clear":
      if (!session.dropMap(arg)) return usage(`%clear: no map ${arg}`);
      return ok;
    case "%timeout": {
      if (arg === "off" || arg === "") {
        settings.durationMs = undefined;
        return ok;
      }
      const ms = parseDuration(arg);
      if (ms === undefined) return usage(`%timeout: expected a duration like 10s, got '${arg}'`);
      settings.durationMs = ms;
      return ok;
    }
    case "%params": {
      const split = splitProgramArgs(rest.filter(Boolean));
      settings.positional = split.positional;
      settings.options = split.options;
      return ok;
    }
    case "%pid": {
      if (arg === "") {
        ctx.stream("stdout", settings.pid === undefined ? "no target process (%pid PID sets one)\n" : `target process: ${settings.pid}\n`);
        return ok;
      }
      if (arg === "off") {
        settings.pid = undefined;
        return ok;
      }
      const pid = parsePid(arg);
      if (typeof pid === "string") return usage(`%pid: ${pid}`);
      settings.pid = pid;
      return ok;
    }
    case "%bytecode": {
      const r = session.compile(arg, m.origin, settings.positional, { programOptions: settings.options });
      if (!r.spec) return { status: "error", ename: r.diagnostics[0]?.kind ?? "ParseError", evalue: r.diagnostics[0]?.message ?? "", traceback: renderDiagnostics(r.diagnostics, arg, m.origin).split("\n") };
      ctx.stream("stdout", r.spec.programs.map((p) => `${p.probe.name} (${p.insns.length} instructions, ${p.stackSize} bytes of stack${p.scratchSize ? `, ${p.scratchSize} of per-CPU scratch` : ""})\n${disassemble(p.insns)}`).join("\n\n") + "\n");
      return ok;
    }
    case "%verifier": {
      const verbose = rest[0] === "-v";
      const program = verbose ? rest.slice(1).join(" ") : arg;
      // BPF_LOG_LEVEL1 (the walk) or BPF_LOG_STATS
      const logs = session.verify(program, m.origin, verbose ? 1 : 4, settings.positional, { programOptions: settings.options });
      ctx.stream("stdout", logs.map((l) => `${l.probe}:\n${l.log.trimEnd()}`).join("\n\n") + "\n");
      return ok;
    }
    case "%doctor":
      ctx.display(renderDoctor(doctorFacts(session.env)));
      return ok;
    case "%lsmagic":
      ctx.stream("stdout", listMagics(MAGICS));
      return ok;
    case "%help": {
      const h = helpText(MAGICS, arg.trim());
      if (!h.ok) return usage(h.text);
      ctx.stream("stdout", h.text);
      return ok;
    }
    case "%save": {
      const force = rest[0] === "-f";
      const file = (force ? rest.slice(1) : rest).join(" ").trim();
      if (!file) return usage("%save: give a file, like %save investigation.bt");
      if (existsSync(file) && !force) return usage(`%save: ${file} exists; %save -f ${file} overwrites it`);
      const cells = scriptHistory.cells;
      if (cells.length === 0) return usage("%save: no DSL cell has run yet");
      try {
        writeFileSync(file, savedScript(cells, { version: VERSION, host: hostname(), when: new Date() }));
      } catch (e) {
        return usage(`%save: cannot write ${file}: ${(e as Error).message}`);
      }
      ctx.stream("stdout", `saved ${cells.length} cell${cells.length === 1 ? "" : "s"} (${cells.map((c) => `[${c.cell}]`).join(" ")}) to ${file}; run it with: bpftrace ${file}  or  tracebook ${file}\n`);
      return ok;
    }
    case "%load": {
      if (!arg.trim()) return usage("%load: give a file, like %load investigation.bt");
      let text: string;
      try {
        text = readFileSync(arg.trim(), "utf8");
      } catch (e) {
        return usage(`%load: cannot read ${arg.trim()}: ${(e as Error).message}`);
      }
      return { status: "ok", payload: [{ source: "set_next_input", text, replace: false }] };
    }
    case "%limit": {
      if (arg !== "") {
        const n = parseLimit(arg);
        if (n === undefined) return usage(`%limit needs a number of lines (10000, 10k) or off, got '${arg}'`);
        settings.streamLimit = n ?? undefined;
      }
      ctx.stream("stdout", settings.streamLimit === undefined ? "cells show all their output lines\n" : `cells show their first ${settings.streamLimit.toLocaleString("en-US")} output lines; the rest goes to a file\n`);
      return ok;
    }
    case "%self": {
      if (arg === "on" || arg === "off") settings.traceSelf = arg === "on";
      else if (arg !== "") return usage(`%self needs on or off, got '${arg}'`);
      ctx.stream("stdout", settings.traceSelf ? `probes also fire in this kernel's own process (pid ${process.pid})\n` : `probes leave out this kernel's own process (pid ${process.pid}) where it would feed back; %self on traces it\n`);
      return ok;
    }
    case "%replay": {
      const r = m.replay;
      if (arg === "on" || arg === "off" || arg === "auto") r.mode = arg;
      else if (arg !== "") {
        if (!existsSync(arg)) return usage(`%replay: no notebook ${arg}; give a saved .ipynb, or on, off, auto`);
        r.file = arg;
        r.mode = "on";
      }
      const why = r.reason();
      ctx.stream("stdout", `replay ${r.mode}: ${why ? `cells show their recordings from ${r.where()} (${why})` : "cells trace this machine"}\n`);
      return ok;
    }
    case "%cgroup":
      return runCgroupMagic(m, arg);
    case "%host":
      ctx.display(hostBundle(hostFacts(settings.cgroup)));
      return ok;
    case "%hosts":
      return (await import("./fleet/hosts-magic.ts")).runHostsMagic(m, arg);
    default:
      return usage(`unknown magic ${name}; known: ${MAGICS.map((x) => x.name).join(", ")} (%lsmagic lists them with their usage)`);
  }
}

