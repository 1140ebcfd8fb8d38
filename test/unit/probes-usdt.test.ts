// usdt:PATH:[PROVIDER:]NAME (bpf/probes/usdt.ts) on the recorded ELF
// test/fixtures/elf/usdt-demo (as /opt/demo/bin/demo; demo:tick with `-8@%rdx -8@%rdi`,
// semaphores): a uprobe at the note's pc with the semaphore as reference counter, `-l`
// lines, and argN as the note's spec says — a register, memory at a register plus an
// offset (read from the process), or a constant — in user space.
import { describe, expect, it } from "vitest";
import { disassemble, type Instruction, type Reg } from "../../bpf/asm/index.ts";
import { parseUsdtArgs } from "../../bpf/elf/usdt-args.ts";
import { listProbes } from "../../bpf/probes/listing.ts";
import { expandAttachPoint, inUserSpace, type ArgCode, type ConcreteProbe } from "../../bpf/probes/index.ts";
import { splitAttachPoint } from "../../bpf/lang/attach-point.ts";
import { usdtArgs } from "../../bpf/probes/usdt.ts";
import type { Type } from "../../bpf/types/types.ts";
import { DEMO, DEMO_FILE, LOCATIONS_FILE, disasm, expanded, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();

/** An ArgCode that keeps what the kind asked for: instructions, and the reads it left to codegen. */
function recording(): { code: ArgCode; text: () => string } {
  const insns: Instruction[] = [];
  const calls: string[] = [];
  const code: ArgCode = {
    emit: (...i) => insns.push(...i),
    loadConst: (v) => calls.push(`loadConst ${v}`),
    loadScalar: (dst: Reg, src: Reg, off: number) => calls.push(`loadScalar r${dst} r${src} ${off}`),
    truncate: (r: Reg, t: Type) => calls.push(`truncate r${r} ${t.k === "int" ? `${t.signed ? "s" : "u"}${t.bits}` : t.k}`),
    readPointer: (r: Reg, off: number, t: Type, user: boolean) => calls.push(`readPointer r${r} ${off} ${t.k === "int" ? t.bits : t.k} ${user ? "user" : "kernel"}`),
    zero: () => calls.push("zero"),
    stackAddr: () => calls.push("stackAddr"),
    copy: () => calls.push("copy"),
    fail: (m) => {
      throw new Error(m);
    },
  };
  return { code, text: () => [disassemble(insns).trim(), ...calls].filter((l) => l !== "").join("\n") };
}

describe("usdt probes", () => {
  it("are written usdt: or U:, a uprobe at the note's pc with its semaphore as the reference counter", () => {
    const p = probe(env, "U:demo:tick"); // PROVIDER may be left out, PATH a bare name
    expect([p.name, p.progType, p.context, p.func, p.attach]).toEqual([
      `usdt:${DEMO}:demo:tick`, 2, "pt_regs", "tick", { kind: "uprobe", path: DEMO, offset: 0x11ba, ret: false, refCtrOffset: 0x3022 },
    ]);
    const r = expanded(env, `usdt:${DEMO}:demo:*`);
    expect(typeof r === "string" ? r : r.map((x) => x.name)).toEqual([`usdt:${DEMO}:demo:tick`, `usdt:${DEMO}:demo:done`]);
    expect(expanded(env, "usdt:demo:tock")).toBe("No matches for usdt demo:tock. (did you mean tick?)");
    expect(expanded(env, "usdt:/nope:x:y")).toBe("usdt target file '/nope' does not exist or is not executable");
  });

  it("keep the path as written; an empty provider is any provider", () => {
    const rel = kindEnv({ cwd: "/opt/demo", files: { [DEMO]: DEMO_FILE } });
    const r = expanded(rel, "usdt:./bin/demo::t*");
    expect(typeof r === "string" ? r : r.map((x) => [x.name, x.attach.kind === "uprobe" && x.attach.path])).toEqual([["usdt:./bin/demo:demo:tick", DEMO]]);
    expect(listProbes(rel, "usdt:./bin/demo:*", false)).toEqual(["usdt:./bin/demo:demo:done", "usdt:./bin/demo:demo:tick"]);
    expect(listProbes(rel, "usdt:./bin/dem*:demo:d*", false)).toEqual(["usdt:./bin/demo:demo:done"]);
  });

  it("with -p, the file may be `*`, empty or wildcarded: the process's files; without -p an empty one is refused", () => {
    const procs = kindEnv({ files: { [DEMO]: DEMO_FILE, "/usr/lib/libloc.so": LOCATIONS_FILE }, processes: { 4242: [DEMO, "/usr/lib/libloc.so"] } });
    const names = (text: string, pid?: number) => {
      const r = expandAttachPoint({ ...splitAttachPoint(text), raw: text }, procs, { pid });
      return r.ok ? r.probes.map((x) => x.name) : r.message;
    };
    expect(names("usdt:*:demo:tick", 4242)).toEqual([`usdt:${DEMO}:demo:tick`]);
    expect(names("usdt::demo:tick", 4242)).toEqual([`usdt:${DEMO}:demo:tick`]);
    expect(names("usdt:::*o*", 4242)).toEqual([`usdt:${DEMO}:demo:done`, "usdt:/usr/lib/libloc.so:loc:once"]);
    expect(names("usdt:/usr/lib/*:*", 4242)).toEqual(["usdt:/usr/lib/libloc.so:loc:hit", "usdt:/usr/lib/libloc.so:loc:hit", "usdt:/usr/lib/libloc.so:loc:once"]);
    expect(names("usdt::demo:tick")).toBe("usdt probe must specify at least path or pid to probe. To target all paths/pids set the path to '*'.");
    expect(listProbes(procs, "usdt:*", false, { pid: 4242 })).toEqual([
      `usdt:${DEMO}:demo:done`, `usdt:${DEMO}:demo:tick`, "usdt:/usr/lib/libloc.so:loc:hit", "usdt:/usr/lib/libloc.so:loc:once",
    ]);
    expect(listProbes(procs, "usdt:*:loc:h*", false, { pid: 4242 })).toEqual(["usdt:/usr/lib/libloc.so:loc:hit"]);
  });

  it("a probe at several locations is one probe per location, each with its own argument specs, counted once", () => {
    const loc = kindEnv({ files: { "/opt/loc": LOCATIONS_FILE } });
    const r = expanded(loc, "usdt:/opt/loc:loc:*");
    expect(typeof r === "string" ? r : r.map((x) => [x.name, x.location, x.attach.kind === "uprobe" && x.attach.offset, x.usdtArgs?.[0]?.loc])).toEqual([
      ["usdt:/opt/loc:loc:hit", 0, 0x1180, { kind: "reg", reg: "rax" }],
      ["usdt:/opt/loc:loc:hit", 1, 0x118d, { kind: "const", value: -1n }],
      ["usdt:/opt/loc:loc:once", 0, 0x118e, { kind: "reg", reg: "rdx" }],
    ]);
  });

  it("are listed for a named binary, with or without the provider", () => {
    expect(listProbes(env, `usdt:${DEMO}:*`, true)).toEqual([`usdt:${DEMO}:demo:done`, `usdt:${DEMO}:demo:tick`]);
    expect(listProbes(env, "U:demo:tick", false)).toEqual([`usdt:${DEMO}:demo:tick`]);
    expect(listProbes(env, "usdt:demo:demo:d*", false)).toEqual([`usdt:${DEMO}:demo:done`]);
  });

  it("have as many arguments as the note, typed by its specs", () => {
    expect(messages(env, "usdt:demo:tick { @a = arg2; @b = retval; @c = args; }")).toEqual([
      `error: usdt:${DEMO}:demo:tick has 2 arguments; arg2 does not exist`,
      "error: retval is only available in return probes (kretprobe, uretprobe, fexit), not usdt",
      "error: args is not available in usdt probes (use arg0, arg1, ...)",
    ]);
    expect(messages(env, "usdt:demo:done { @a = arg0; }")).toEqual([`error: usdt:${DEMO}:demo:done has 0 arguments; arg0 does not exist`]);
    const p = probe(env, "usdt:demo:tick");
    expect([0, 1, 2].map((n) => usdtArgs.type(p, n))).toEqual([
      { k: "int", bits: 64, signed: true }, { k: "int", bits: 64, signed: true }, `usdt:${DEMO}:demo:tick has 2 arguments; arg2 does not exist`,
    ]);
  });

  it("read a register argument from the saved registers", () => {
    const text = disasm(env, "usdt:demo:tick { @[arg0, arg1] = count(); }");
    expect(text).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 96\)\n/); // -8@%rdx: pt_regs.dx
    expect(text).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 112\)\n/); // -8@%rdi: pt_regs.di
  });

  it("read memory at a register plus an offset from the process, a constant as it is, a narrow register truncated", () => {
    const { args } = parseUsdtArgs("-4@-20(%rbp) 8@$42 -2@%si");
    const p = { ...probe(env, "usdt:demo:tick"), usdtArgs: args } as ConcreteProbe;
    const read = (n: number) => {
      const r = recording();
      usdtArgs.emit(p, n, usdtArgs.type(p, n) as Type, r.code);
      return r.text();
    };
    expect(read(0)).toBe("0: r3 = *(u64 *)(r6 + 32)\nreadPointer r3 -20 32 user"); // pt_regs.bp
    expect(read(1)).toBe("loadConst 42");
    expect(read(2)).toBe("0: r0 = *(u64 *)(r6 + 104)\ntruncate r0 s16"); // pt_regs.si
  });

  it("are user space", () => {
    expect(inUserSpace(probe(env, "usdt:demo:tick"))).toBe(true);
    expect(disasm(env, "usdt:demo:tick { @[str(arg0)] = count(); }")).toContain("bpf_probe_read_user_str");
  });
});
