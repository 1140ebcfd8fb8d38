// rawtracepoint:NAME (bpf/probes/rawtracepoint.ts): its alias, the names it knows (BTF's
// btf_trace_<name> typedefs; a recorded list without BTF), `-l`/`-lv` lines, and its
// arguments — arg0.. and args.NAME are the u64 slots of the context, args typed through
// BTF (the small kernel of test/helpers/btf-sample.ts: sched_demo(struct task_struct *p, int cpu)).
import { describe, expect, it } from "vitest";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { btfEnv, disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();
const btf = btfEnv();

describe("rawtracepoint probes", () => {
  it("are written rawtracepoint: or rt:, and attach by name with BPF_RAW_TRACEPOINT_OPEN", () => {
    const p = probe(btf, "rt:sched_demo");
    expect([p.name, p.progType, p.context, p.attach]).toEqual(["rawtracepoint:sched_demo", 17, "raw_args", { kind: "raw_tracepoint", name: "sched_demo" }]);
    expect(p.args).toMatchObject({ k: "record", size: 16, fields: [{ name: "p", offset: 0 }, { name: "cpu", offset: 8 }] });
    expect(probe(env, "rawtracepoint:sys_enter").args).toBeUndefined(); // no BTF here
    expect(expanded(env, "rawtracepoint:sys_entr")).toBe("No matches for rawtracepoint sys_entr. (did you mean rawtracepoint:sys_enter?)");
  });

  it("are listed as vmlinux:NAME, with their BTF parameters under -lv", () => {
    expect(listProbes(env, "rawtracepoint:*", false)).toEqual(["rawtracepoint:vmlinux:sched_switch", "rawtracepoint:vmlinux:sys_enter", "rawtracepoint:vmlinux:sys_exit"]);
    expect(listProbes(btf, "rt:*demo", true)).toEqual(["rawtracepoint:vmlinux:sched_demo", "    struct task_struct * p", "    int cpu"]);
  });

  it("read arg0.. and args.NAME from the u64 slots of the context, truncated to the BTF type", () => {
    expect(disasm(btf, "rawtracepoint:sched_demo { @[arg2] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 16\)\n/);
    expect(disasm(btf, "rawtracepoint:sched_demo { @[args.cpu] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 8\)\n\s+\d+: r0 <<= 32\n\s+\d+: r0 s>>= 32\n/);
    expect(disasm(btf, "rawtracepoint:sched_demo { print(args); }")).toMatch(/r2 = 16\n\s+\d+: r3 = r6\n\s+\d+: call 113 ; bpf_probe_read_kernel\n/);
  });

  it("have no retval or func, and args only with BTF", () => {
    expect(messages(env, "rawtracepoint:sys_enter { @a = args; @b = retval; @c = func; }")).toEqual([
      "error: args is not available in rawtracepoint probes (use arg0, arg1, ...)",
      "error: retval is only available in return probes (kretprobe, uretprobe, fexit), not rawtracepoint",
      "error: func is not available in rawtracepoint probes",
    ]);
  });

  it("are kernel space", () => {
    expect(inUserSpace(probe(env, "rt:sys_enter"))).toBe(false);
    expect(disasm(env, "rt:sys_enter { @[str(arg1)] = count(); }")).toContain("bpf_probe_read_kernel_str");
  });
});
