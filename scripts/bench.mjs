// npm run bench: Tracebook against bpftrace, same machine, same run. For each program:
// wall time from start to exit (median of N runs) and peak RSS (from wait4's rusage, via
// /usr/bin/time -f %M when present, else VmHWM sampled from /proc).
import { spawnSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const cases = [
  { name: "hello (BEGIN + printf + exit)", prog: 'BEGIN { printf("hello, world\\n"); exit(); }' },
  { name: "count + hist in BEGIN", prog: "BEGIN { @c = count(); @h = hist(5); @h = hist(100); exit(); }" },
  { name: "tracepoint attach + 1 event", prog: "tracepoint:syscalls:sys_enter_getppid { @n = count(); exit(); } BEGIN { }" },
  {
    name: "str() key + printf, 1 event",
    prog: 'tracepoint:syscalls:sys_enter_openat /comm == "sh"/ { @[str(args->filename)] = count(); printf("%s\\n", str(args->filename)); exit(); }',
  },
];
const tools = [
  { tool: "tracebook", cmd: (p) => [process.execPath, ["bin/tracebook.js", "-e", p]] },
  ...(existsSync("/usr/bin/bpftrace") ? [{ tool: "bpftrace", cmd: (p) => ["/usr/bin/bpftrace", ["-e", p]] }] : []),
];

function runOnce(cmd, args, trigger) {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    // bpftrace (0.18+) and tracebook print the readiness line once every probe is attached
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" } });
    let hwm = 0;
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) hwm = Math.max(hwm, Number(m[1]));
      } catch {}
    }, 5);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (trigger && (out.includes("__BPFTRACE_NOTIFY_PROBES_ATTACHED") || out.includes("Attaching"))) trigger(); // bpftrace 0.17: no readiness line
    });
    child.on("exit", (code) => {
      clearInterval(sample);
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, rssKb: hwm, code, out });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`runs per case: ${RUNS}; kernel ${readFileSync("/proc/sys/kernel/osrelease", "utf8").trim()}`);
console.log("| program | tool | median wall ms | peak RSS MB |\n|---|---|---|---|");
for (const c of cases) {
  for (const t of tools) {
    const times = [];
    const rss = [];
    for (let i = 0; i < RUNS; i++) {
      const [cmd, args] = t.cmd(c.prog);
      const trigger = /getppid|openat/.test(c.prog) ? () => setTimeout(() => spawnSync("/bin/sh", ["-c", "true"]), 20) : undefined;
      const r = await runOnce(cmd, args, trigger);
      if (r.code !== 0) {
        times.push(NaN);
        continue;
      }
      times.push(r.ms);
      rss.push(r.rssKb / 1024);
    }
    console.log(`| ${c.name} | ${t.tool} | ${median(times).toFixed(0)} | ${rss.length ? median(rss).toFixed(0) : "-"} |`);
  }
}
