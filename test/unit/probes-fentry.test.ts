// fentry:FUNC / fexit:FUNC, aliases f/kfunc and fr/kretfunc (bpf/probes/fentry.ts), on a
// recorded machine that allows trampolines, with the small BTF kernel of
// test/helpers/btf-sample.ts (int do_thing(struct task_struct *task, const char *name)):
// BPF_PROG_TYPE_TRACING on the FUNC's BTF id, `-l`/`-lv` lines, and the arguments — the
// u64 slots of the context by position and by name, fexit's retval in the slot after them.
import { describe, expect, it } from "vitest";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { btfEnv, disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = btfEnv({ kernelFunctions: ["do_thing"], features: { kprobes: false, trampolines: true, hardwarePmu: false } });

describe("fentry and fexit probes", () => {
  it("load as BPF_PROG_TYPE_TRACING with BPF_TRACE_FENTRY/FEXIT on the function's BTF id", () => {
    const p = probe(env, "kfunc:do_thing");
    expect([p.name, p.progType, p.expectedAttachType, p.attachBtfId, p.context, p.attach]).toEqual([
      "fentry:do_thing", 26, 24, 13, "raw_args", { kind: "fentry", func: "do_thing", btfId: 13, ret: false },
    ]);
    const x = probe(env, "kretfunc:do_thing");
    expect([x.name, x.expectedAttachType, x.retvalOffset, x.retvalType, x.attach]).toEqual([
      "fexit:do_thing", 25, 16, { k: "int", bits: 32, signed: true }, { kind: "fentry", func: "do_thing", btfId: 13, ret: true },
    ]);
    expect(probe(env, "f:do_thing").name).toBe("fentry:do_thing");
    expect(probe(env, "fr:do_thing").name).toBe("fexit:do_thing");
  });

  it("fail where trampolines are refused, or the function has no BTF", () => {
    expect(expanded(kindEnv(), "fentry:vfs_read")).toBe(
      "fentry:vfs_read: this kernel refuses fentry/fexit programs (BPF trampolines: BPF_PROG_LOAD returns EPERM) " +
        "(the nearest stable hooks: tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_exit_read)",
    );
    expect(expanded(env, "fentry:nope")).toBe("fentry:nope: no such kernel function in BTF");
  });

  it("are listed as vmlinux:FUNC, fentry under any kind's wildcard, with BTF parameters (and fexit's retval) under -lv", () => {
    expect(listProbes(env, "f:*", true)).toEqual(["fentry:vmlinux:do_thing", "    struct task_struct * task", "    const char * name"]);
    expect(listProbes(env, "fexit:*thing", true)).toEqual(["fexit:vmlinux:do_thing", "    struct task_struct * task", "    const char * name", "    int retval"]);
    expect(listProbes(env, "*:do_thing", false)).toEqual(["fentry:vmlinux:do_thing", "kprobe:do_thing"]);
  });

  it("read arguments by position and by name from the context's u64 slots, and fexit's retval after them", () => {
    expect(disasm(env, "fentry:do_thing { @[arg1] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 8\)\n/);
    expect(disasm(env, "fentry:do_thing { @[args.name] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 8\)\n/);
    expect(disasm(env, "fexit:do_thing { @ = hist(retval); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 16\)\n\s+\d+: r0 <<= 32\n\s+\d+: r0 s>>= 32\n/);
    expect(messages(env, "fentry:do_thing { @ = retval; }")).toEqual(["error: retval is only available in return probes (kretprobe, uretprobe, fexit), not fentry"]);
  });

  it("name their function in func, and are kernel space", () => {
    expect(disasm(env, 'fentry:do_thing { printf("%s\\n", func); }')).toContain("0x676e6968745f6f64"); // "do_thing"
    expect(inUserSpace(probe(env, "fentry:do_thing"))).toBe(false);
  });
});
