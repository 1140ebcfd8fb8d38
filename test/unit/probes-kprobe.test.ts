// kprobe:FUNC[+OFFSET] / kretprobe:FUNC (bpf/probes/kprobe.ts) on recorded machines: the
// error where the kernel has neither kprobes nor trampolines (this VM), the kprobe PMU
// where it has kprobes, the fallback to fentry where it has only trampolines; `-l`/`-lv`
// lines; and its arguments: arg0..arg5 from the saved registers, retval from rax, func as
// the probed address (bpf_get_func_ip).
import { describe, expect, it } from "vitest";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { btfEnv, disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const none = kindEnv();
const kprobes = kindEnv({ features: { kprobes: true, trampolines: false, hardwarePmu: false } });
const btfKprobes = btfEnv({ kernelFunctions: ["do_thing"], features: { kprobes: true, trampolines: false, hardwarePmu: false } });
const trampolines = btfEnv({ kernelFunctions: ["do_thing"], features: { kprobes: false, trampolines: true, hardwarePmu: false } });

describe("kprobe probes", () => {
  it("fail where the kernel has no kprobes and refuses trampolines, naming the nearest tracepoints", () => {
    expect(expanded(none, "kprobe:vfs_read")).toBe(
      "kprobe:vfs_read: this kernel has no kprobes (no kprobe PMU: CONFIG_KPROBES is off), and refuses fentry/fexit programs " +
        "(BPF trampolines: BPF_PROG_LOAD returns EPERM) (the nearest stable hooks: tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_exit_read)",
    );
  });

  it("are written kprobe:/k: and kretprobe:/kr:, and attach through the kprobe PMU where there are kprobes", () => {
    const p = probe(kprobes, "k:vfs_read+8");
    expect([p.name, p.progType, p.context, p.attach]).toEqual(["kprobe:vfs_read+8", 2, "pt_regs", { kind: "kprobe", func: "vfs_read", offset: 8, ret: false }]);
    expect(probe(kprobes, "kr:vfs_read").attach).toEqual({ kind: "kprobe", func: "vfs_read", offset: 0, ret: true });
    const r = expanded(kprobes, "kprobe:vfs_*");
    expect(typeof r === "string" ? r : r.map((x) => x.name)).toEqual(["kprobe:vfs_read", "kprobe:vfs_write"]);
  });

  it("become fentry/fexit probes where the kernel allows only trampolines (not at an offset)", () => {
    expect(probe(trampolines, "kprobe:do_thing")).toMatchObject({ provider: "fentry", name: "fentry:do_thing", attach: { kind: "fentry", ret: false } });
    expect(probe(trampolines, "kretprobe:do_thing")).toMatchObject({ provider: "fexit", name: "fexit:do_thing", attach: { kind: "fentry", ret: true } });
    expect(expanded(trampolines, "kprobe:do_thing+4")).toContain("kprobe:do_thing: this kernel has no kprobes");
  });

  it("are listed by bare function name, kprobe under any kind's wildcard, with argN or retval under -lv", () => {
    expect(listProbes(none, "kprobe:vfs_*", false)).toEqual(["kprobe:vfs_read", "kprobe:vfs_write"]);
    expect(listProbes(none, "k:vmlinux:vfs_read", false)).toEqual(["kprobe:vmlinux:vfs_read"]);
    expect(listProbes(none, "*:vfs_write", false)).toEqual(["fentry:vmlinux:vfs_write", "kprobe:vfs_write"]); // no kretprobe
    expect(listProbes(btfKprobes, "kprobe:do_thing", true)).toEqual(["kprobe:do_thing", "    struct task_struct * arg0", "    const char * arg1"]);
    expect(listProbes(btfKprobes, "kretprobe:do_thing", true)).toEqual(["kretprobe:do_thing", "    int retval"]);
  });

  it("read arg0..arg5 from the saved registers (rdi, rsi, rdx, rcx, r8, r9), and no more", () => {
    const text = disasm(kprobes, "kprobe:vfs_read { @[arg0, arg5] = count(); }");
    expect(text).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 112\)\n/); // pt_regs.di
    expect(text).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 64\)\n/); // pt_regs.r9
    expect(messages(kprobes, "kprobe:vfs_read { @a = arg6; @b = args; @c = retval; }")).toEqual([
      "error: arg6: only arg0..arg5 are passed in registers",
      "error: args is not available in kprobe probes (use arg0, arg1, ...)",
      "error: retval is only available in return probes (kretprobe, uretprobe, fexit), not kprobe",
    ]);
  });

  it("read retval from rax in kretprobes, and func as the probed address", () => {
    expect(disasm(kprobes, "kretprobe:vfs_read { @ = hist(retval); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 80\)\n/); // pt_regs.ax
    expect(disasm(kprobes, "kprobe:vfs_read { @[func] = count(); }")).toMatch(/r1 = r6\n\s+\d+: call 173 ; bpf_get_func_ip\n/);
  });

  it("are kernel space", () => {
    expect(inUserSpace(probe(kprobes, "kprobe:vfs_read"))).toBe(false);
    expect(disasm(kprobes, "kprobe:vfs_read { @[str(arg1)] = count(); }")).toContain("bpf_probe_read_kernel_str");
  });
});
