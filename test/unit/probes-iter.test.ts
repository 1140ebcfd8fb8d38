// iter:NAME (bpf/probes/iter.ts) at compile time: what it expands to, the program's entry
// (iterators return on the final NULL object and write one byte per object to the seq_file),
// `-l`/`-lv` lines, `ctx` as its only argument, and the errors bpftrace gives for what it
// does not support. Kernel types come from a tiny BTF with bpf_iter_task and struct
// bpf_iter__task, built here with the sample's writer.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { disassemble } from "../../bpf/asm/index.ts";
import { Kind } from "../../bpf/btf/index.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { splitAttachPoint } from "../../bpf/lang/attach-point.ts";
import { Builder } from "../helpers/btf-sample.ts";

const here = dirname(fileURLToPath(import.meta.url));

/** struct task_struct { int pid; char comm[16]; }, struct bpf_iter__task { meta *; task *; }, FUNC bpf_iter_task(meta, task). */
function iterKernel(): { bytes: Uint8Array; funcId: number } {
  const b = new Builder();
  const int = b.t("int", Kind.INT, 0, 4, [(1 << 24) | 32]); // 1
  const char = b.t("char", Kind.INT, 0, 1, [(3 << 24) | 8]); // 2
  const comm = b.t("", Kind.ARRAY, 0, 0, [char, int, 16]); // 3
  const task = b.t("task_struct", Kind.STRUCT, 2, 20, [b.s("pid"), int, 0, b.s("comm"), comm, 32]); // 4
  const taskPtr = b.t("", Kind.PTR, 0, task); // 5
  const meta = b.t("bpf_iter_meta", Kind.STRUCT, 1, 8, [b.s("seq_num"), int, 0]); // 6
  const metaPtr = b.t("", Kind.PTR, 0, meta); // 7
  const ctx = b.t("bpf_iter__task", Kind.STRUCT, 2, 16, [b.s("meta"), metaPtr, 0, b.s("task"), taskPtr, 64]); // 8
  b.t("", Kind.PTR, 0, ctx); // 9: struct bpf_iter__task *
  // 10: as the kernel declares it (DEFINE_BPF_ITER_FUNC(task, struct bpf_iter_meta *meta, struct task_struct *task))
  const proto = b.t("", Kind.FUNC_PROTO, 2, int, [b.s("meta"), metaPtr, b.s("task"), taskPtr]);
  const funcId = b.t("bpf_iter_task", Kind.FUNC, 1, proto); // 11
  return { bytes: b.build(), funcId };
}

const kernel = iterKernel();
const dir = mkdtempSync(join(tmpdir(), "tracebook-iter-"));
writeFileSync(join(dir, "vmlinux"), kernel.bytes);
const env = recordedEnv(join(here, "../fixtures/tracefs"), { btf: join(dir, "vmlinux"), features: { kprobes: false, trampolines: false, hardwarePmu: false } });

function compiled(source: string, pid?: number) {
  const r = compile(source, { env, origin: "cell[1]", ...(pid !== undefined && { pid }) });
  expect(renderDiagnostics(r.diagnostics, source, "cell[1]")).toBe("");
  return r.spec!;
}

function errors(source: string): string {
  const r = compile(source, { env, origin: "cell[1]" });
  return renderDiagnostics(r.diagnostics, source, "cell[1]");
}

describe("iter probes", () => {
  it("load as BPF_PROG_TYPE_TRACING / BPF_TRACE_ITER on bpf_iter_<name>", () => {
    const spec = compiled('iter:task { printf("%s:%d\\n", ctx.task.comm, ctx.task.pid); }');
    const p = spec.programs[0]!.probe;
    expect([p.name, p.progType, p.expectedAttachType, p.attachBtfId, p.attach]).toEqual(["iter:task", 26, 28, kernel.funcId, { kind: "iter", name: "task" }]);
  });

  it("return on the last call (no task) and write one byte per object to the seq_file", () => {
    const text = disassemble(compiled("it:task { @n = count(); }").programs[0]!.insns);
    expect(text).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 8\)\n\s+\d+: if r0 == 0x0 goto [+-]\d+ <p0_exit_0>\n\s+\d+: r1 = \*\(u64 \*\)\(r6 \+ 0\)\n\s+\d+: r1 = \*\(u64 \*\)\(r1 \+ 0\)\n/);
    expect(text).toContain("call 127 ; bpf_seq_write");
  });

  it("type ctx through BTF: ctx.task is the task_struct", () => {
    expect(errors("iter:task { $x = ctx.task.nope; }")).toContain("error: struct task_struct has no field 'nope'");
    expect(errors("BEGIN { $c = ctx; }")).toContain("error: ctx is not available in BEGIN probes");
  });

  it("are the whole run: no other probes but BEGIN and END", () => {
    expect(errors("BEGIN { } iter:task { } END { }")).toBe("");
    expect(errors("iter:task { } tracepoint:sched:sched_switch { }")).toContain("error: iter:task: an iterator probe cannot be mixed with other probes (BEGIN and END aside)");
    expect(errors("iter:task { } iter:task { }")).toContain("cannot be mixed");
  });

  it("name unknown iterators, pins, and kernels without the iterator", () => {
    expect(errors("iter:files { }")).toContain("error: iter:files: unknown iterator");
    expect(errors("iter:task:/sys/fs/bpf/x { }")).toContain("pinning iterators is not supported");
    expect(errors("iter:task_vma { }")).toContain("error: iter:task_vma: this kernel has no bpf_iter_task_vma in its BTF");
  });

  it("are listed by the iterators the kernel's BTF has, with their objects under -lv", () => {
    expect(listProbes(env, "iter:*", true)).toEqual(["iter:task", "    struct task_struct * task"]);
    expect(listProbes(env, "*:task", false)).toEqual(["iter:task"]);
  });

  it("have ctx and no other argument, and are kernel space; a pin path may hold '/'", () => {
    expect(errors("iter:task { @a = arg0; @b = args; @c = retval; }")).toContain("error: arg0 is not available in iter probes");
    expect(errors("iter:task { @b = args; }")).toContain("error: args is not available in iter probes");
    expect(inUserSpace(compiled("iter:task { }").programs[0]!.probe)).toBe(false);
    expect(splitAttachPoint("it:task:/sys/fs/bpf/x")).toEqual({ provider: "iter", parts: ["task", "/sys/fs/bpf/x"], problems: [] });
  });
});
