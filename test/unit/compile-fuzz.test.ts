// compile (expand, check, codegen) must never throw, whatever the program: every failure is
// a diagnostic. Mutations (deletions, duplications, substitutions) of programs that compile
// against the recorded machine (test/fixtures/tracefs) and the small BTF kernel of
// test/helpers/btf-sample.ts. Deterministic: a fixed count of seeded inputs (8000, ~4 s
// here), times TRACEBOOK_FUZZ_COUNT (test/helpers/fuzz-count.ts) for longer runs by hand.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { rng } from "../helpers/rng.ts";
import { fuzzCount } from "../helpers/fuzz-count.ts";
import { mutateProgram } from "../helpers/mutate.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { sample } from "../helpers/btf-sample.ts";

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tracebook-fuzz-"));
writeFileSync(join(dir, "vmlinux"), sample().bytes);
const env = recordedEnv(join(here, "../fixtures/tracefs"), { btf: join(dir, "vmlinux") });

const seeds = [
  'tracepoint:syscalls:sys_enter_openat /pid == $1/ { @[comm, str(args->filename)] = count(); printf("%s %d\\n", comm, args->flags); }',
  "tracepoint:syscalls:sys_exit_read /args->ret > 0/ { @h = hist(args->ret); @l[tid] = lhist(args->ret, 0, 100, 10); @s = stats(args->ret); }",
  'BEGIN { $t = (1, "a"); @m[$t] = 5; for ($kv : @m) { printf("%d\\n", $kv.1); } $i = 0; while ($i < 3) { $i++; } if ($i == 3) { exit(); } }',
  "BEGIN { $p = curtask; @x = $p->parent->pid + offsetof(struct task_struct, comm) + sizeof(struct task_struct); @c[curtask->comm] = count(); @b = curtask->mode; }",
  "struct S { int a; char b[8]; struct S *n; unsigned f:3; } BEGIN { $s = (struct S *)0; @v = $s->n->a + $s->f; printf(\"%s\\n\", $s->b); }",
  'macro add(x) { x + 1 } BEGIN { @a = add(2); @z = strftime("%H", nsecs); @y[ksym(0)] = sum(3); print(@a); clear(@a); delete(@y, ksym(0)); }',
  "tracepoint:sched:sched_switch { @[kstack, ustack(3)] = count(); @p[args->prev_comm] = max(args->prev_pid); }",
  "rawtracepoint:sched_demo { @ids[args.cpu, args.p->pid] = count(); } interval:s:1 { print(@ids, 3); zero(@ids); }",
];
const subs = ["(", ")", "->", ".", "*", "$x", "@m", "0", '"s"', "{", "}", ";", "curtask", "args", ",", "[", "]", "==", "=", "+", "-1", "(struct S *)", "$kv.0"];

describe("compile never throws", () => {
  it("the seeds compile cleanly", () => {
    for (const s of seeds) {
      const r = compile(s, { env, origin: "fuzz" });
      expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.message), s).toEqual([]);
    }
  });

  it("mutated programs give diagnostics, not exceptions", () => {
    const rand = rng(20261125);
    const count = fuzzCount(8000);
    let n = 0;
    while (n < count) {
      const seed = seeds[Math.floor(rand() * seeds.length)]!;
      const src = mutateProgram(seed, rand, subs, 3);
      try {
        compile(src, { env, origin: "fuzz", anyKernel: true });
      } catch (e) {
        throw new Error(`compile threw ${(e as Error).stack}\nfor ${JSON.stringify(src)}`);
      }
      n++;
    }
    expect(n).toBe(count);
  }, 600_000); // TRACEBOOK_FUZZ_COUNT=15 runs it about a minute
});
