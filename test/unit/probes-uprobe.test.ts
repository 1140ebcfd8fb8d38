// uprobe:PATH:FUNC[+OFFSET] / uretprobe:PATH:FUNC (bpf/probes/uprobe.ts) on the recorded
// ELF test/fixtures/elf/usdt-demo (as /opt/demo/bin/demo): symbols to file offsets, bare
// names resolved, `-l` lines of a named binary, and the arguments — arg0..arg5 from the
// saved registers, retval from rax — in user space: integers made pointers, str() and
// dereferences read the traced process's memory.
import { describe, expect, it } from "vitest";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { DEMO, disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();

describe("uprobe and uretprobe probes", () => {
  it("are written uprobe:/u: and uretprobe:/ur:, at a function's file offset (plus an offset)", () => {
    const p = probe(env, `u:${DEMO}:demo_add+4`);
    expect([p.name, p.progType, p.context, p.func, p.attach]).toEqual([
      `uprobe:${DEMO}:demo_add+4`, 2, "pt_regs", "demo_add", { kind: "uprobe", path: DEMO, offset: 0x1190 + 4, ret: false },
    ]);
    const r = expanded(env, "ur:demo:demo_*"); // a bare name is looked up like a command
    expect(typeof r === "string" ? r : r.map((x) => [x.name, x.attach])).toEqual([
      [`uretprobe:${DEMO}:demo_add`, { kind: "uprobe", path: DEMO, offset: 0x1190, ret: true }],
      [`uretprobe:${DEMO}:demo_loop`, { kind: "uprobe", path: DEMO, offset: 0x11a0, ret: true }],
    ]);
  });

  it("say what is wrong with an attach point", () => {
    expect(expanded(env, `uprobe:${DEMO}:demo_ad`)).toBe(`uprobe:${DEMO}:demo_ad: no function 'demo_ad' in ${DEMO} (did you mean demo_add?)`);
    expect(expanded(env, "uprobe:/nope:main")).toBe("uprobe: no such file: /nope");
  });

  it("are listed for a named binary (a bare name too), under a wildcard kind only when the target is a file", () => {
    expect(listProbes(env, `uprobe:${DEMO}:demo_*`, true)).toEqual([`uprobe:${DEMO}:demo_add`, `uprobe:${DEMO}:demo_loop`]);
    expect(listProbes(env, "uretprobe:demo:main", false)).toEqual([`uretprobe:${DEMO}:main`]);
    expect(listProbes(env, "*:demo:demo_add", false)).toEqual([`uprobe:${DEMO}:demo_add`]);
    expect(listProbes(env, "*:demo_add", false)).toEqual([]);
  });

  it("read arg0..arg5 from the saved registers, and retval from rax in uretprobes", () => {
    expect(disasm(env, "uprobe:demo:demo_add { @[arg1] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 104\)\n/); // pt_regs.si
    expect(disasm(env, "uretprobe:demo:demo_add { @[retval] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 80\)\n/); // pt_regs.ax
    expect(messages(env, "uprobe:demo:demo_add { @a = retval; @b = arg6; @c = args; }")).toEqual([
      "error: retval is only available in return probes (kretprobe, uretprobe, fexit), not uprobe",
      "error: arg6: only arg0..arg5 are passed in registers",
      "error: args is not available in uprobe probes (use arg0, arg1, ...)",
    ]);
    expect(disasm(env, 'uprobe:demo:demo_add { printf("%s\\n", func); }')).toContain("0x6464615f6f6d6564"); // "demo_add"
  });

  it("are user space: str() and dereferences of their integers read the process's memory", () => {
    expect(inUserSpace(probe(env, "uprobe:demo:demo_add"))).toBe(true);
    expect(inUserSpace(probe(env, "uretprobe:demo:demo_add"))).toBe(true);
    expect(disasm(env, "uprobe:demo:demo_add { @[str(arg0)] = count(); }")).toContain("bpf_probe_read_user_str");
    expect(disasm(env, "uprobe:demo:demo_add { @[*(uint32 *)arg0] = count(); }")).toContain("call 112 ; bpf_probe_read_user\n");
  });
});
