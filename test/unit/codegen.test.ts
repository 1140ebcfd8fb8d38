// Code generation (bpf/codegen) against a recorded machine (test/fixtures/tracefs). These
// are behaviour tests, not bytecode goldens (STYLE.md §10): the map specs, one program per
// concrete probe, programs that end with exit and marshal, the stack budget, the printf
// actions and their argument layouts, and the source comments %bytecode shows.
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MapType } from "../../bpf/types/abi.ts";
import { disassemble, dropUnreachable, marshal, opcodes } from "../../bpf/asm/index.ts";
import { str, u32, u64 } from "../../bpf/types/types.ts";
import { compile, type CompileResult } from "../../bpf/codegen/compile.ts";
import { type MapSpec, type ProgramSpec } from "../../bpf/codegen/spec.ts";
import { DROPS_MAP, EVENTS_MAP, RINGBUF_SIZE, STOP_MAP } from "../../bpf/types/internal-maps.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { functions, type FunctionRow } from "../../bpf/functions/index.ts";

const here = dirname(fileURLToPath(import.meta.url));
const env = recordedEnv(join(here, "../fixtures/tracefs"));

function compileClean(source: string, origin = "cell[1]"): ProgramSpec {
  const r = compile(source, { env, origin });
  expect(renderDiagnostics(r.diagnostics, source, origin)).toBe("");
  if (!r.spec) throw new Error(`no spec: ${source}`);
  return r.spec;
}

function mapByName(spec: ProgramSpec, name: string): MapSpec {
  const m = spec.maps.find((x) => x.name === name);
  if (!m) throw new Error(`no map ${name} in ${spec.maps.map((x) => x.name).join(", ")}`);
  return m;
}

/** The kernel's numbers, so the expectations below can be read against linux/bpf.h. */
it("map type numbers are the kernel's", () => {
  expect(MapType.HASH).toBe(1); // BPF_MAP_TYPE_HASH
  expect(MapType.PERCPU_HASH).toBe(5); // BPF_MAP_TYPE_PERCPU_HASH
  expect(MapType.RINGBUF).toBe(27); // BPF_MAP_TYPE_RINGBUF
});

describe("map specs", () => {
  const spec = compileClean(
    [
      "tracepoint:syscalls:sys_enter_openat {",
      "  @opens[comm] = count();",
      "  @lat = hist(nsecs);",
      "  @latByPid[pid] = hist(nsecs);",
      "  @pids = lhist(pid, 0, 100, 10);",
      "  @last[pid] = nsecs;",
      "  @name = comm;",
      "  @avg = avg(pid);",
      "}",
    ].join("\n"),
  );

  it.each([
    // name, type, keySize, valueSize
    ["@opens", 5, 16, 8], // comm key; one u64 counter per CPU
    ["@lat", 5, 8, 8], // no key: the u64 bucket is the key
    ["@latByPid", 5, 16, 8], // u64 pid + u64 bucket
    ["@pids", 5, 8, 8],
    ["@last", 1, 8, 8], // plain values: HASH, keys widened to u64
    ["@name", 1, 8, 16], // scalar map: u64 key 0; comm is 16 bytes
    ["@avg", 5, 8, 16], // {total, count}
  ] as const)("%s is type %i, key %i bytes, value %i bytes", (name, type, keySize, valueSize) => {
    const m = mapByName(spec, name);
    expect({ type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries }).toEqual({
      type,
      keySize,
      valueSize,
      maxEntries: 4096,
    });
    expect(m.info?.name).toBe(name);
  });

  it("adds the event ring buffer and the drop counter", () => {
    expect(mapByName(spec, EVENTS_MAP)).toEqual({ name: "__events", type: 27, keySize: 0, valueSize: 0, maxEntries: RINGBUF_SIZE });
    // slot 0: lost events; slot 1 + i: failed updates of the i-th user map (map full)
    expect(mapByName(spec, DROPS_MAP)).toMatchObject({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 + spec.maps.filter((m) => m.info).length });
    expect(new Set(spec.maps.map((m) => m.name)).size).toBe(spec.maps.length);
  });

  it("gives attached probes a stop flag they read first; BEGIN/END do not read it", () => {
    expect(mapByName(spec, STOP_MAP)).toMatchObject({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    const only = compileClean('BEGIN { @x = 1; } END { @y = 2; }');
    expect(only.maps.some((m) => m.name === STOP_MAP)).toBe(false);
    for (const p of spec.programs) {
      const first = p.insns.find((i) => i.mapRef !== undefined);
      if (p.probe.attach.kind === "run") expect(first?.mapRef).not.toBe(STOP_MAP);
      else expect(first?.mapRef).toBe(STOP_MAP);
    }
  });

  it("lists the written maps", () => {
    expect([...spec.written].sort()).toEqual(["@avg", "@last", "@lat", "@latByPid", "@name", "@opens", "@pids"]);
  });
});

describe("programs", () => {
  const programs: [string, string, string[]][] = [
    ["BEGIN", 'BEGIN { printf("hello\\n"); exit(); }', ["begin"]],
    [
      "two attach points",
      "tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_exit_openat { @[probe] = count(); }",
      ["tracepoint:syscalls:sys_enter_openat", "tracepoint:syscalls:sys_exit_openat"],
    ],
    [
      "a wildcard tracepoint",
      "tracepoint:syscalls:sys_enter_* { @[probe, pid] = count(); }",
      env.listTracepoints().filter((t) => t.startsWith("syscalls:sys_enter_")).map((t) => `tracepoint:${t}`),
    ],
    [
      "predicate, strings and a loop",
      'tracepoint:syscalls:sys_enter_openat /pid != 0/ { $i = 0; while ($i < 4) { $i++; } if (str(args->filename) == "/etc/passwd") { printf("%s %d\\n", comm, $i); } }',
      ["tracepoint:syscalls:sys_enter_openat"],
    ],
    ["BEGIN and END", "BEGIN { @start = nsecs; }\nEND { printf(\"%d\\n\", nsecs - @start); }", ["begin", "end"]],
  ];

  it("the wildcard case expands to several tracepoints in the fixture", () => {
    expect(programs[2]![2].length).toBeGreaterThan(1);
  });

  it.each(programs)("%s: one program per concrete probe", (_title, source, probes) => {
    const spec = compileClean(source);
    expect(spec.programs.map((p) => p.probe.name).sort()).toEqual([...probes].sort());
  });

  it.each(programs)("%s: every program ends with exit, fits the stack and marshals", (_title, source) => {
    const spec = compileClean(source);
    const fds = new Map(spec.maps.map((m, i) => [m.name, 100 + i]));
    for (const p of spec.programs) {
      expect(p.insns.at(-1)?.opcode, p.probe.name).toBe(opcodes.OP_EXIT);
      expect(p.stackSize, p.probe.name).toBeGreaterThanOrEqual(0);
      expect(p.stackSize, p.probe.name).toBeLessThanOrEqual(512);
      const bytes = marshal(p.insns, { maps: fds });
      expect(bytes.length % 8).toBe(0);
      expect(bytes.length).toBeGreaterThanOrEqual(p.insns.length * 8);
      for (const i of p.insns) if (i.mapRef !== undefined) expect(fds.has(i.mapRef), i.mapRef).toBe(true);
    }
  });

  it("compiling is deterministic", () => {
    const source = programs[3]![1];
    const a = compileClean(source);
    const b = compileClean(source);
    const fds = new Map(a.maps.map((m, i) => [m.name, 3 + i]));
    expect(a.programs.map((p) => marshal(p.insns, { maps: fds }))).toEqual(b.programs.map((p) => marshal(p.insns, { maps: fds })));
  });

  it("leaves no instruction that no path reaches (the verifier refuses them): a branch ending in exit() needs no jump past its else", () => {
    const r = compile("tracepoint:syscalls:sys_enter_openat { if (pid == 1) { exit(); } else { @n = count(); } if (pid == 2) { exit(); return; } }", { env, origin: "cell[1]" });
    // the return after exit() is code no path reaches in the source too: warned, and compiled
    expect(r.diagnostics.map((d) => `${d.severity}: ${d.message}`)).toEqual(["warning: Unreachable statement."]);
    const insns = r.spec!.programs[0]!.insns;
    expect(dropUnreachable(insns)).toHaveLength(insns.length);
  });
});

describe("actions", () => {
  it("printf carries its format and where each argument sits in the record", () => {
    const spec = compileClean('tracepoint:syscalls:sys_enter_openat { printf("%-16s %s pid=%d\\n", comm, str(args->filename), pid); }');
    const a = spec.actions.find((x) => x.kind === "printf");
    if (a?.kind !== "printf") throw new Error("no printf action");
    expect(a.format).toBe("%-16s %s pid=%d\n");
    expect(a.specs.map((s) => s.text)).toEqual(["%-16s", "%s", "%d"]);
    // The record: u64 action id at 0, then the arguments as a C struct.
    expect(a.args).toEqual([
      { type: str(16), offset: 8 },
      { type: str(1024), offset: 24 },
      { type: u32, offset: 1048 },
    ]);
  });

  it("each printf and exit gets its own action", () => {
    const spec = compileClean('BEGIN { printf("a %d\\n", nsecs); printf("b\\n"); exit(); }');
    expect(spec.actions.map((a) => a.kind)).toEqual(["printf", "printf", "exit"]);
    const first = spec.actions[0];
    if (first?.kind !== "printf") throw new Error("not printf");
    expect(first.args).toEqual([{ type: u64, offset: 8 }]);
  });
});

describe("source comments", () => {
  it("name the origin and line of the statement that produced the instructions", () => {
    const source = [
      "tracepoint:syscalls:sys_enter_openat",
      "/pid != 0/",
      "{",
      "  @opens[comm] = count();",
      '  printf("%s\\n", comm);',
      "}",
    ].join("\n");
    const spec = compileClean(source, "cell[3]");
    const text = disassemble(spec.programs[0]!.insns);
    expect(text).toContain("; cell[3]: tracepoint:syscalls:sys_enter_openat");
    expect(text).toContain("; cell[3]:2: /pid != 0/");
    expect(text).toContain("; cell[3]:4: @opens[comm] = count();");
    expect(text).toContain('; cell[3]:5: printf("%s\\n", comm);');
  });
});

describe("errors are diagnostics", () => {
  it("a program larger than the BPF stack compiles: the rest is in the scratch area (codegen-scratch.test.ts)", () => {
    const args = Array.from({ length: 10 }, (_, i) => `str(${i})`).join(", ");
    const source = `BEGIN { printf("${"%s ".repeat(10)}\\n", ${args}); }`;
    const spec = compileClean(source);
    expect(spec.programs[0]!.stackSize).toBeLessThanOrEqual(512);
    expect(spec.programs[0]!.scratchSize).toBeGreaterThan(512);
  });

  it("more than the scratch area holds is a CodegenError, not a throw", () => {
    const args = Array.from({ length: 40 }, (_, i) => `str(${i}, 1000)`).join(", ");
    const source = `BEGIN { printf("${"%s ".repeat(40)}\\n", ${args}); }`;
    let r: CompileResult | undefined;
    expect(() => {
      r = compile(source, { env, origin: "cell[1]" });
    }).not.toThrow();
    expect(r?.spec).toBeUndefined();
    const d = r?.diagnostics.find((x) => x.kind === "CodegenError");
    expect(d?.severity).toBe("error");
    expect(d?.message).toContain("bytes of scratch space");
    expect(d?.span.line).toBe(1);
  });

  it("a function row with no statement hook is a CodegenError where it is used as a statement, not a stack overflow", () => {
    const table = functions as Map<string, FunctionRow>;
    const exit = table.get("exit")!;
    table.set("noemit", { ...exit, name: "noemit", emit: {} });
    try {
      const r = compile("BEGIN { noemit(); }", { env, origin: "cell[1]" });
      expect(r.spec).toBeUndefined();
      expect(r.diagnostics.map((d) => [d.kind, d.message])).toEqual([["CodegenError", "noemit() is not supported yet"]]);
    } finally {
      table.delete("noemit");
    }
  });

  it("check errors stop before codegen", () => {
    const r = compile("BEGIN { @x = nsec; }", { env, origin: "cell[1]" });
    expect(r.spec).toBeUndefined();
    expect(r.diagnostics.map((d) => d.kind)).toEqual(["TypeError"]);
  });

  it("parse errors stop before check", () => {
    const r = compile("BEGIN { @x = ; }", { env, origin: "cell[1]" });
    expect(r.spec).toBeUndefined();
    expect(r.checked).toBeUndefined();
    expect(r.diagnostics.every((d) => d.kind === "ParseError")).toBe(true);
  });
});
