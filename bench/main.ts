// npm run bench: Tracebook against Debian's bpftrace, same machine, same run. Prints a
// markdown table (and writes it to bench/results/latest.md): medians with min..max over
// BENCH_RUNS runs (default 5). BENCH_ONLY=cells,cli,events,output picks sections.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { timeCells, CELL_CASES, CELL_WARM_UP } from "./cells.ts";
import { machine, loadAverage } from "./machine.ts";
import { measureEvents, EVENT_CASES } from "./per-event.ts";
import { measureOutput, PRINTF_EVENTS, MAP_KEYS } from "./output-and-maps.ts";
import { ROOT } from "./processes.ts";
import { measureStartup } from "./startup.ts";
import { ratio, show, summary, type Summary } from "./stats.ts";
import { tracers } from "./tracers.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const only = new Set((process.env.BENCH_ONLY ?? "cells,cli,events,output").split(","));
const log = (s: string) => void process.stderr.write(`bench: ${s}\n`);

interface Row {
  readonly what: string;
  readonly ours: string;
  readonly theirs: string;
  readonly ratio: string;
  readonly target: string;
}

const rows: Row[] = [];
const notes: string[] = [];
const s = (xs: number[] | undefined): Summary | undefined => summary(xs ?? []);
const loadBefore = loadAverage();
const t0 = Date.now();

let attach: Record<string, number[]> = {};
/** A section that fails is a note under the table; the others still run. */
async function section(name: string, body: () => Promise<void>): Promise<void> {
  if (!only.has(name)) return;
  try {
    await body();
  } catch (e) {
    notes.push(`section ${name} failed: ${(e as Error).message.split("\n").slice(0, 3).join(" ")}`);
    log(`section ${name} failed: ${(e as Error).stack ?? e}`);
  }
}

await section("cli", async () => {
  log("CLI start-up and fork → attached");
  const f = await measureStartup(RUNS);
  attach = f.attach;
  const tb = s(f.wall.tracebook);
  const node = s(f.wall.node);
  rows.push({
    what: "CLI fork → exit, `BEGIN { exit(); }`",
    ours: show(tb, "ms"),
    theirs: show(s(f.wall.bpftrace), "ms"),
    ratio: ratio(tb, s(f.wall.bpftrace)),
    target: "≤ 2.5",
  });
  rows.push({
    what: "… the same, minus bare `node -e 0` (its own median here)",
    ours: tb && node ? `${(tb.median - node.median).toFixed(0)} ms (node ${show(node, "ms")})` : "n/a",
    theirs: "—",
    ratio: "—",
    target: "≤ 30 ms",
  });
  rows.push({
    what: "… CPU (user + sys) and peak RSS",
    ours: `${show(s(f.cpu.tracebook), "ms")}, ${show(s(f.rssMb.tracebook), "MB")}`,
    theirs: `${show(s(f.cpu.bpftrace), "ms")}, ${show(s(f.rssMb.bpftrace), "MB")}`,
    ratio: ratio(s(f.cpu.tracebook), s(f.cpu.bpftrace)),
    target: "—",
  });
  rows.push({
    what: "CLI fork → all attached: 2 tracepoints + 1 uprobe + interval",
    ours: show(s(attach.tracebook), "ms"),
    theirs: show(s(attach.bpftrace), "ms"),
    ratio: ratio(s(attach.tracebook), s(attach.bpftrace)),
    target: "—",
  });
});

await section("cells", async () => {
  log("warm cells through a Jupyter client");
  const cells = await timeCells(RUNS);
  notes.push(`warm cells: one kernel, 2 s after it started; each case ran ${CELL_WARM_UP} times before the ${RUNS} measured runs, 200 ms apart; reply = execute_request → execute_reply, idle = → status idle (every output, pictures included)`);
  const targets = ["≤ 0.1 of bpftrace's fork → attached", "≤ 10 ms", "≤ 10 ms"];
  CELL_CASES.forEach((c, i) => {
    const t = cells.get(c.name)!;
    const reply = s(t.reply);
    const bt = i === 0 ? s(attach.bpftrace) : undefined;
    rows.push({
      what: `${c.name} (reply; idle)`,
      ours: `${show(reply, "ms")}; ${show(s(t.idle), "ms")}`,
      theirs: bt ? `fork → all attached: ${show(bt, "ms")}` : "—",
      ratio: bt ? ratio(reply, bt) : "—",
      target: targets[i]!,
    });
  });
});

await section("events", async () => {
  log("per-event cost and in-kernel ns/run");
  const f = await measureEvents(RUNS, Math.max(1, Math.min(RUNS, 3)));
  const what: Record<string, string> = {
    comm: "per event: `@[comm] = count()` on raw_syscalls (getppid)",
    str: "per event: `@[str(args->filename)] = count()` on openat",
    join: "per event: openat enter/exit join with a string-valued map",
  };
  for (const c of EVENT_CASES) {
    const ours = s(f.perEvent[c.key]?.tracebook);
    const theirs = s(f.perEvent[c.key]?.bpftrace);
    rows.push({ what: what[c.key]!, ours: show(ours, "ns"), theirs: show(theirs, "ns"), ratio: ratio(ours, theirs), target: "≤ 1.0" });
  }
  const str = EVENT_CASES.filter((c) => c.strings).map((c) => c.key);
  rows.push({
    what: `… ${str.join(" / ")} with ours at max_strlen = 64 (bpftrace 0.17's default; ours is 1024)`,
    ours: str.map((k) => show(s(f.perEvent[k]?.tracebook64), "ns")).join(" / "),
    theirs: str.map((k) => show(s(f.perEvent[k]?.bpftrace), "ns")).join(" / "),
    ratio: str.map((k) => ratio(s(f.perEvent[k]?.tracebook64), s(f.perEvent[k]?.bpftrace))).join(" / "),
    target: "—",
  });
  const keys = EVENT_CASES.map((c) => c.key);
  const runs = (tool: string) => keys.map((k) => show(s(f.nsPerRun[k]?.[tool]), "", 0)).join(" / ");
  rows.push({
    what: `in-kernel ns/run (bpf_stats), ${keys.join(" / ")}`,
    ours: runs("tracebook"),
    theirs: runs("bpftrace"),
    ratio: keys.map((k) => ratio(s(f.nsPerRun[k]?.tracebook), s(f.nsPerRun[k]?.bpftrace))).join(" / "),
    target: "≤ 0.7 (str, join)",
  });
  rows.push({
    what: `… ${str.join(" / ")} with ours at max_strlen = 64`,
    ours: str.map((k) => show(s(f.nsPerRun[k]?.tracebook64), "", 0)).join(" / "),
    theirs: str.map((k) => show(s(f.nsPerRun[k]?.bpftrace), "", 0)).join(" / "),
    ratio: str.map((k) => ratio(s(f.nsPerRun[k]?.tracebook64), s(f.nsPerRun[k]?.bpftrace))).join(" / "),
    target: "—",
  });
  notes.push(`untraced system call here (CPU time): ${keys.map((k) => `${k} ${show(s(f.untraced[k]), "ns")}`).join(", ")}`);
});

await section("output", async () => {
  log("printf throughput, map read-out and memory");
  const f = await measureOutput(RUNS);
  const lost = (tool: string) => show(s(f.printfLost[tool]), "lost");
  rows.push({
    what: `printf per event (${PRINTF_EVENTS / 1000}k events)`,
    ours: `${show(s(f.printfNs.tracebook), "ns")}, ${lost("tracebook")}`,
    theirs: `${show(s(f.printfNs.bpftrace), "ns")}, ${lost("bpftrace")}`,
    ratio: ratio(s(f.printfNs.tracebook), s(f.printfNs.bpftrace)),
    target: "≤ 0.3, 0 lost",
  });
  for (const k of ["int", "str"] as const) {
    rows.push({
      what: `${MAP_KEYS / 1000}k ${k === "int" ? "int" : "string"} keys: SIGINT → exit`,
      ours: show(s(f.readoutMs[k]?.tracebook), "ms"),
      theirs: show(s(f.readoutMs[k]?.bpftrace), "ms"),
      ratio: ratio(s(f.readoutMs[k]?.tracebook), s(f.readoutMs[k]?.bpftrace)),
      target: k === "int" ? "≤ 0.5" : "—",
    });
  }
  for (const k of ["int", "str"] as const) {
    rows.push({
      what: `${MAP_KEYS / 1000}k ${k === "int" ? "int" : "string"} keys: peak RSS`,
      ours: show(s(f.rssMb[k]?.tracebook), "MB"),
      theirs: show(s(f.rssMb[k]?.bpftrace), "MB"),
      ratio: ratio(s(f.rssMb[k]?.tracebook), s(f.rssMb[k]?.bpftrace)),
      target: "≤ 1.0",
    });
  }
  for (const x of f.failures) notes.push(`left out: ${x}`);
});

const table = [
  `Tracebook against ${tracers.length > 1 ? "Debian's bpftrace" : "(bpftrace not installed)"}, same machine, same run (\`npm run bench\`, BENCH_RUNS=${RUNS}):`,
  "",
  ...machine(),
  `- load average (1, 5, 15 min) ${loadBefore} at the start, ${loadAverage()} at the end; ${((Date.now() - t0) / 1000).toFixed(0)} s in all`,
  "",
  "| what | tracebook | bpftrace | ratio | target |",
  "|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.what} | ${r.ours} | ${r.theirs} | ${r.ratio} | ${r.target} |`),
  "",
  "Medians, (min..max) over the runs; ratio = tracebook / bpftrace of the medians.",
  ...notes.map((n) => `- ${n}`),
  "",
].join("\n");
process.stdout.write(table);
const dir = join(ROOT, "bench/results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "latest.md"), table);
log(`written to bench/results/latest.md`);
