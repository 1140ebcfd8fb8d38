// uprobe:PATH:FUNC[+OFFSET] / uretprobe:PATH:FUNC (bpf/probes/uprobe.ts) on the recorded
// ELF test/fixtures/elf/usdt-demo (as /opt/demo/bin/demo): symbols to file offsets, bare
// names resolved, `-l` lines of a named binary, and the arguments — arg0..arg5 from the
// saved registers, retval from rax — in user space: integers made pointers, str() and
// dereferences read the traced process's memory.
import { describe, expect, it } from "vitest";
import { listProbes } from "../../bpf/probes/listing.ts";
import { expandAttachPoint, inUserSpace } from "../../bpf/probes/index.ts";
import { uprobe, uretprobe } from "../../bpf/probes/uprobe.ts";
import { splitAttachPoint } from "../../bpf/lang/attach-point.ts";
import { DEMO, DEMO_FILE, disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();

describe("uprobe and uretprobe probes", () => {
  it("are written uprobe:/u: and uretprobe:/ur:, at a function's file offset (plus an offset)", () => {
    const p = probe(env, `u:${DEMO}:demo_add+2`);
    expect([p.name, p.progType, p.context, p.func, p.attach, p.attachError]).toEqual([
      `uprobe:${DEMO}:demo_add+2`, 2, "pt_regs", "demo_add", { kind: "uprobe", path: DEMO, offset: 0x1190 + 2, ret: false }, undefined,
    ]);
    const r = expanded(env, "ur:demo:demo_*"); // a bare name is looked up like a command
    expect(typeof r === "string" ? r : r.map((x) => [x.name, x.attach])).toEqual([
      [`uretprobe:${DEMO}:demo_add`, { kind: "uprobe", path: DEMO, offset: 0x1190, ret: true }],
      [`uretprobe:${DEMO}:demo_loop`, { kind: "uprobe", path: DEMO, offset: 0x11a0, ret: true }],
    ]);
  });

  it("say what is wrong with an attach point, in bpftrace's words", () => {
    expect(expanded(env, `uprobe:${DEMO}:demo_ad`)).toBe(`No matches for uprobe ${DEMO}:demo_ad. (did you mean demo_add?)`);
    expect(expanded(env, `uprobe:${DEMO}:nothing_*`)).toBe(`No matches for uprobe ${DEMO}:nothing_*.`);
    expect(expanded(env, "uprobe:/nope:main")).toBe("uprobe target file '/nope' does not exist or is not executable");
    expect(expanded(env, "uprobe::main")).toBe("uprobe should have a target");
    expect(expanded(env, `uretprobe:${DEMO}:demo_add+2`)).toBe("uretprobes can not be attached to a function offset");
  });

  it("keep the path as written in their names (a relative one too); attach to the file itself", () => {
    const rel = kindEnv({ cwd: "/opt/demo", files: { [DEMO]: DEMO_FILE } });
    const p = probe(rel, "uprobe:./bin/demo:demo_add");
    expect([p.name, p.attach]).toEqual(["uprobe:./bin/demo:demo_add", { kind: "uprobe", path: DEMO, offset: 0x1190, ret: false }]);
    expect(probe(rel, "uprobe:bin/../bin/demo:main").name).toBe("uprobe:bin/../bin/demo:main");
    expect(listProbes(rel, "uprobe:./bin/demo:demo_*", false)).toEqual(["uprobe:./bin/demo:demo_add", "uprobe:./bin/demo:demo_loop"]);
  });

  it("read many files' symbols right, though only the most recent files stay cached (-l 'uprobe:*' reads every binary)", () => {
    const files = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`/opt/many/bin${i}`, DEMO_FILE]));
    const many = kindEnv({ files });
    const lines = listProbes(many, "uprobe:/opt/many/*:demo_add", false);
    expect(lines).toHaveLength(80);
    expect(listProbes(many, "uprobe:/opt/many/bin0:demo_*", false)).toEqual(["uprobe:/opt/many/bin0:demo_add", "uprobe:/opt/many/bin0:demo_loop"]);
  });

  it("expand a wildcarded file to each matching file, as glob(3) spells it", () => {
    const two = kindEnv({ cwd: "/opt/demo", files: { [DEMO]: DEMO_FILE, "/opt/demo/bin/demo2": DEMO_FILE, "/opt/demo/lib/demo3": DEMO_FILE } });
    const r = expanded(two, "uprobe:./bin/dem*:demo_add");
    expect(typeof r === "string" ? r : r.map((x) => [x.name, x.attach.kind === "uprobe" && x.attach.path])).toEqual([
      ["uprobe:./bin/demo:demo_add", DEMO],
      ["uprobe:./bin/demo2:demo_add", "/opt/demo/bin/demo2"],
    ]);
    expect(listProbes(two, "uprobe:./*/demo*:demo_l*", false)).toEqual(["uprobe:./bin/demo2:demo_loop", "uprobe:./bin/demo:demo_loop", "uprobe:./lib/demo3:demo_loop"]);
    expect(listProbes(two, "uprobe:/opt/demo/bin/*:main", false)).toEqual([`uprobe:${DEMO}2:main`, `uprobe:${DEMO}:main`]);
    expect(expanded(two, "uprobe:./nothing*:main")).toBe("uprobe target file './nothing*' does not exist or is not executable");
  });

  it("with -p, `*` is every file the process maps (without it, every running process's); -l lists them", () => {
    const procs = kindEnv({ files: { [DEMO]: DEMO_FILE, "/usr/lib/libdemo.so": DEMO_FILE }, processes: { 4242: [DEMO, "/usr/lib/libdemo.so"], 7: [DEMO] } });
    const names = (text: string, pid?: number) => {
      const r = expandAttachPoint({ ...splitAttachPoint(text), raw: text }, procs, { pid });
      return r.ok ? r.probes.map((x) => x.name) : r.message;
    };
    expect(names("uprobe:*:demo_add", 4242)).toEqual([`uprobe:${DEMO}:demo_add`, "uprobe:/usr/lib/libdemo.so:demo_add"]);
    expect(names("uprobe:*:demo_add", 7)).toEqual([`uprobe:${DEMO}:demo_add`]);
    expect(names("uprobe:*:demo_add")).toEqual([`uprobe:${DEMO}:demo_add`, "uprobe:/usr/lib/libdemo.so:demo_add"]);
    expect(names("uprobe:*:nope", 7)).toBe("No matches for uprobe *:nope.");
    expect(listProbes(procs, "uprobe:*:demo_*", false, { pid: 7 })).toEqual([`uprobe:${DEMO}:demo_add`, `uprobe:${DEMO}:demo_loop`]);
    // -l -p PID: user-space kinds join the kernel's, for the process's files
    expect(listProbes(procs, "*:demo_add", false, { pid: 7 })).toEqual([`uprobe:${DEMO}:demo_add`]);
    expect(listProbes(procs, "*:demo_add", false)).toEqual([]);
  });

  it("take an address as a virtual address inside a function; one in no function, or past its end, fails to attach", () => {
    const at = probe(env, `uprobe:${DEMO}:0x1192`); // demo_add is 0x1190, 4 bytes
    expect([at.name, at.func, at.attach, at.attachError]).toEqual([`uprobe:${DEMO}:4498`, "demo_add", { kind: "uprobe", path: DEMO, offset: 0x1192, ret: false }, undefined]);
    expect(probe(env, `uprobe:${DEMO}:10`).attachError).toBe(`Could not resolve address: ${DEMO}:0xa`);
    const unsafe = expandAttachPoint({ ...splitAttachPoint(`uprobe:${DEMO}:0x0`), raw: "" }, env, { unsafe: true });
    expect(unsafe.ok && [unsafe.probes[0]!.name, unsafe.probes[0]!.attachError, unsafe.probes[0]!.attach]).toEqual([`uprobe:${DEMO}`, undefined, { kind: "uprobe", path: DEMO, offset: 0, ret: false }]);
    expect(probe(env, `uprobe:${DEMO}:demo_add+4`).attachError).toBe("Offset outside the function bounds ('demo_add' size is 4)");
    expect(probe(env, `uretprobe:${DEMO}:0x1191`).attachError).toBe("uretprobes cannot be attached at function offset. (address resolved to: demo_add+1)");
  });

  it("refuse a function of size 0 (no known end) unless --unsafe", () => {
    expect(probe(env, `uprobe:${DEMO}:_init`).attachError).toBe(
      "Could not determine boundary for _init (symbol has size 0).\nUse --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process.",
    );
    const r = expandAttachPoint({ ...splitAttachPoint(`uprobe:${DEMO}:_init`), raw: "" }, env, { unsafe: true });
    expect(r.ok && r.probes[0]!.attachError).toBeUndefined();
    // a wildcard attaches to what it matches without the check, as bpftrace's multi-probes do
    const all = expanded(env, `uprobe:${DEMO}:_in*`);
    expect(typeof all === "string" ? all : all.map((x) => x.attachError)).toEqual([undefined]);
  });

  it("fire in the order they are written: the run attaches them last to first (the kernel runs the newest first)", () => {
    expect([uprobe.firesNewestFirst, uretprobe.firesNewestFirst]).toEqual([true, true]);
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
