// Mutations of the fixture programs (and a few of our own), seeded, each compiled and run
// for 30 ms in one session: a program that compiles must load, attach, run and print its
// maps in text and JSON, or fail with a typed error (verifier, syscall, attach) — never an
// exception of ours — and nothing may stay open. A fixed count of seeded programs (46
// tried, 19 of them run, ~5 s here); TRACEBOOK_FUZZ_COUNT multiplies it
// (test/helpers/fuzz-count.ts; 242 programs ran for real in 60 s when this was written).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { machineEnv } from "../../bpf/runtime/features.ts";
import { Session, CompileFailure } from "../../bpf/session.ts";
import { makeSymbolizer } from "../../bpf/runtime/symbolize.ts";
import { formatMap, formatMapJson } from "../../bpf/output/index.ts";
import { rng } from "../helpers/rng.ts";
import { fuzzCount } from "../helpers/fuzz-count.ts";
import { mutateProgram } from "../helpers/mutate.ts";
import * as native from "../../native/index.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

describe.skipIf(skipWithoutBpf())("engine: mutated programs run for real", () => {
it("whatever compiles runs, prints its maps and detaches: no exception but a typed load/attach error, no fd left (seeded; TRACEBOOK_FUZZ_COUNT for more)", async () => {
  const fdsBefore = native.openFdCount();
  const env = machineEnv();
  const files = ["test/fixtures/bt", "test/fixtures/bt/tools"].flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".bt")).map((f) => join(d, f)));
  const seeds = [...files.map((f) => readFileSync(f, "utf8")).filter((s) => !/kprobe|kretprobe|uprobe|usdt/.test(s)),
    'tracepoint:syscalls:sys_enter_openat { $p = str(args.filename); @[comm, $p] = count(); @h = hist(args.flags); @l = lhist(args.mode, 0, 100, 10); @s = stats(args.flags); printf("%s %d\\n", $p, pid); }',
    'interval:ms:10 { $t = (1, "a", curtask->pid); @m[$t] = 5; for ($kv : @m) { printf("%d %s\\n", $kv.0.0, $kv.0.1); } @x = len(@m); print(@m); print((1,2)); }',
    "tracepoint:sched:sched_switch { @[args.prev_comm, args.next_pid] = count(); @p = avg(args.prev_pid); @k[kstack(2)] = count(); @u[ustack(2)] = count(); }",
    "rawtracepoint:sys_enter { @[syscall_name(args.id)] = count(); @e[strerror(args.id)] = count(); @r = args.regs->di; @t = strftime(\"%H\", nsecs); }",
  ];
  const subs = ["(", ")", "->", ".", "*", "$x", "@m", "0", '"s"', "{", "}", ";", "curtask", "args", ",", "==", "+", "-1", "str(", "comm", "pid", "exit();", "print(@m);", "clear(@m);"];
  const rand = rng(7);
  const bugs: string[] = [];
  let ran = 0;
  const session = new Session(env, makeSymbolizer);
  const count = fuzzCount(46);
  for (let i = 0; i < count; i++) {
    const src = mutateProgram(seeds[Math.floor(rand() * seeds.length)]!, rand, subs, 2);
    try {
      const r = await session.run(src, { origin: `f${ran}`, durationMs: 30, output: () => {}, errorOutput: () => {}, warning: () => {} });
      for (const m of r.maps) { formatMap(m); formatMapJson(m); }
      ran++;
    } catch (e) {
      const n = (e as Error).constructor.name;
      if (!(e instanceof CompileFailure) && !/VerifierError|SyscallError|AttachError/.test(n)) bugs.push(`${n}: ${(e as Error).stack?.split("\n").slice(0, 4).join(" | ")}\n>>> ${src.slice(0, 400)}`);
    }
  }
  session.close();
  expect(bugs).toEqual([]);
  expect(ran).toBeGreaterThan(5);
  expect(native.openFdCount()).toBe(fdsBefore);
}, 900_000);
});
