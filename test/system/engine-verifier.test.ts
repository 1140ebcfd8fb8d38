// Every program of the field guide and of bpftrace's tools/ (test/fixtures/bt) that
// compiles here also passes this kernel's verifier: each is compiled as --dry-run does
// (probe types this kernel cannot attach are compiled anyway) and loaded with
// BPF_PROG_LOAD, kprobe programs included (BPF_PROG_TYPE_KPROBE loads without the kprobe
// PMU; only attaching needs it). fentry/fexit programs load only where trampolines are
// allowed. Nothing is attached. A second test does the same for mutated programs (240
// seeded ones, ~5 s here; TRACEBOOK_FUZZ_COUNT multiplies the count, see
// test/helpers/fuzz-count.ts): whatever compiles must load.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../../bpf/codegen/compile.ts";
import { LoadedRun } from "../../bpf/runtime/run.ts";
import { machineEnv } from "../../bpf/runtime/features.ts";
import { Session } from "../../bpf/session.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { rng } from "../helpers/rng.ts";
import { fuzzCount } from "../helpers/fuzz-count.ts";
import { mutateProgram } from "../helpers/mutate.ts";

const fixtures = fileURLToPath(new URL("../fixtures/bt", import.meta.url));
const files = [fixtures, join(fixtures, "tools")].flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".bt")).map((f) => join(d, f)));

/**
 * Compile `source` as --dry-run does and load it (fentry/fexit only where trampolines are
 * allowed); nothing is attached. undefined when it does not compile, else the load error
 * or "" when every program loaded.
 */
function compileAndLoad(env: ReturnType<typeof machineEnv>, source: string, origin: string): string | undefined {
  const r = compile(source, { env, origin, anyKernel: true });
  if (!r.spec) return undefined;
  const trampolines = env.features().trampolines;
  const programs = r.spec.programs.filter((p) => trampolines || (p.probe.provider !== "fentry" && p.probe.provider !== "fexit"));
  const session = new Session(env);
  const run = new LoadedRun({ ...r.spec, programs }, session, { output: () => {} });
  try {
    run.load();
    return "";
  } catch (e) {
    return (e as Error).message.split("\n").slice(0, 4).join(" | ");
  } finally {
    run.close();
    session.close();
  }
}

describe.skipIf(skipWithoutBpf())("engine: the verifier accepts what we generate", () => {
  it("every fixture program that compiles loads", () => {
    const env = machineEnv();
    const failures: string[] = [];
    let loaded = 0;
    for (const file of files) {
      const error = compileAndLoad(env, readFileSync(file, "utf8"), file);
      if (error === "") loaded++;
      else if (error !== undefined) failures.push(`${file}: ${error}`);
    }
    expect(failures).toEqual([]);
    // 47 of the 57 fixtures compile on this machine (README lists the others and why)
    expect(loaded).toBeGreaterThanOrEqual(44);
  });

  it("mutated programs that compile load too (240 seeded; TRACEBOOK_FUZZ_COUNT for more)", () => {
    const env = machineEnv();
    const seeds = [
      ...files.map((f) => readFileSync(f, "utf8")),
      'tracepoint:syscalls:sys_enter_openat { $p = str(args.filename); if ($p == "/etc") { @[comm, $p] = count(); } @h = hist(args.flags); @l = lhist(args.mode, 0, 100, 10); @s = stats(args.flags); }',
      'BEGIN { $t = (1, "a", curtask->pid); @m[$t] = 5; for ($kv : @m) { printf("%d %s\\n", $kv.0.0, $kv.0.1); } @x = len(@m); @y = strlen("abc"); exit(); }',
      "tracepoint:sched:sched_switch { @[args.prev_comm, args.next_pid] = count(); @p = avg(args.prev_pid); print(args); }",
      "rawtracepoint:sys_enter { @[syscall_name(args.id)] = count(); @e[strerror(args.id)] = count(); @r = args.regs->di; }",
    ];
    const subs = ["(", ")", "->", ".", "*", "$x", "@m", "0", '"s"', "{", "}", ";", "curtask", "args", ",", "==", "+", "-1", "str(", "comm", "pid"];
    const rand = rng(20261125);
    const failures: string[] = [];
    let loaded = 0;
    const count = fuzzCount(240);
    for (let i = 0; i < count; i++) {
      const src = mutateProgram(seeds[Math.floor(rand() * seeds.length)]!, rand, subs, 2);
      const error = compileAndLoad(env, src, "fuzz");
      if (error === "") loaded++;
      else if (error !== undefined) failures.push(`${error}\n>>> ${src}`);
    }
    expect(failures).toEqual([]);
    expect(loaded).toBeGreaterThan(20);
  }, 600_000);
});
