// Struct values (bpf/check/record-value.ts, bpf/codegen/record-copy.ts): what print() and
// map values of a struct hold, how the kernel copies them, and how user space prints them
// (bpftrace's TextEmitter/JsonEmitter<Primitive::Record>). Kernel types come from the small
// kernel of test/helpers/btf-sample.ts; tracepoints from the recorded tracefs.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { disassemble } from "../../bpf/asm/index.ts";
import type { Type } from "../../bpf/types/types.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import type { Action } from "../../bpf/functions/actions.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { decodeValue } from "../../bpf/maps/codec.ts";
import { formatMap, formatMapJson, valueText } from "../../bpf/output/index.ts";
import { sample } from "../helpers/btf-sample.ts";
import { int, scalar, snap, str } from "./golden/output/fixtures.ts";
import { golden } from "../helpers/golden.ts";

const here = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(here, "golden", "record");
const dir = mkdtempSync(join(tmpdir(), "tracebook-record-"));
writeFileSync(join(dir, "vmlinux"), sample().bytes);
const env = recordedEnv(join(here, "../fixtures/tracefs"), { btf: join(dir, "vmlinux"), features: { kprobes: false, trampolines: true, hardwarePmu: false } });

function compiled(source: string) {
  const r = compile(source, { env, origin: "cell[1]" });
  expect(renderDiagnostics(r.diagnostics, source, "cell[1]")).toBe("");
  return r.spec!;
}

/** The type print() records, from the program's only print_value action. */
function printed(source: string): Extract<Type, { k: "record" }> {
  const a = compiled(source).actions.find((x): x is Extract<Action, { kind: "print_value" }> => x.kind === "print_value");
  expect(a?.arg.type.k).toBe("record");
  return a!.arg.type as Extract<Type, { k: "record" }>;
}

const layout = (t: Extract<Type, { k: "record" }>) => (t.fields ?? []).map((f) => `${f.name}@${f.offset}${f.bits ? `:${f.bits.shift}+${f.bits.width}` : ""}`);

describe("struct values: what is copied", () => {
  it("expands a kernel struct through BTF: anonymous union members flattened, bitfields kept, pointers not followed", () => {
    const t = printed("BEGIN { print(*curtask); }");
    expect(t.size).toBe(40);
    expect(t.btfId).toBeUndefined();
    expect(layout(t)).toEqual(["pid@0", "comm@4", "a@20", "b@20", "flag@24:0+1", "mode@24:1+3", "parent@32"]);
  });

  it("a variable holding `*p` prints and stores as the struct, not as its address", () => {
    expect(layout(printed("BEGIN { $t = *curtask; print($t); }"))).toHaveLength(7);
    const spec = compiled("BEGIN { $t = *curtask; @t = $t; @p[1] = *curtask->parent; }");
    for (const name of ["@t", "@p"]) {
      const info = spec.maps.find((m) => m.name === name)!.info!;
      expect(info.valueType.k).toBe("record");
      expect(spec.maps.find((m) => m.name === name)!.valueSize).toBe(40);
    }
  });

  it("a tracepoint's args: the record from the context, a __data_loc string in a trailing slot", () => {
    const t = printed("tracepoint:sched:sched_process_exec { print(args); }");
    expect(layout(t)).toEqual(["filename@20", "pid@12", "old_pid@16"]);
    expect(t.size).toBe(20 + 1024);
    const insns = disassemble(compiled("tracepoint:sched:sched_process_exec { print(args); }").programs[0]!.insns);
    expect(insns).toContain("r2 = 20\n");
    expect(insns).toMatch(/r3 = \*\(u32 \*\)\(r6 \+ 8\)\n.*r3 &= 65535\n.*r3 \+= r6\n(.*\n){2}.*r2 = 1024\n.*call 115 ; bpf_probe_read_kernel_str/);
  });

  it("reads a struct behind a user pointer with probe_read_user", () => {
    const insns = disassemble(compiled("tracepoint:syscalls:sys_enter_openat { $t = (struct task_struct *)args.filename; print(*$t); }").programs[0]!.insns);
    expect(insns).toContain("call 112 ; bpf_probe_read_user");
  });
});

describe("struct values: how they print", () => {
  const t = printed("BEGIN { print(*curtask); }");
  const bytes = new Uint8Array(40);
  const dv = new DataView(bytes.buffer);
  dv.setInt32(0, 42, true);
  bytes.set(Buffer.from("bash"), 4);
  dv.setInt32(20, -1, true);
  dv.setUint8(24, 0b1011); // flag = 1, mode = 0b101
  dv.setBigUint64(32, 0xffff888100001000n, true);
  const v = decodeValue(t, bytes, 0);

  it("text: `{ .field = value, ... }`, strings unquoted, pointers in hex", () => {
    golden(join(GOLDEN, "task.txt"), `${valueText(v)}\n`);
    expect(valueText(v)).toBe("{ .pid = 42, .comm = bash, .a = -1, .b = 4294967295, .flag = 1, .mode = 5, .parent = 0xffff888100001000 }");
  });

  it("nested structs, arrays without spaces, the empty struct as {}", () => {
    const nested = { kind: "record", fields: [
      { name: "a", value: { kind: "array", elements: [int(1), int(2), int(3)] } },
      { name: "in", value: { kind: "record", fields: [{ name: "x", value: str("y") }] } },
      { name: "none", value: { kind: "record", fields: [] } },
    ] } as const;
    expect(valueText(nested)).toBe("{ .a = [1,2,3], .in = { .x = y }, .none = {} }");
  });

  it("as a map value, in text and in -f json", () => {
    const m = snap("@t", "value", [{ key: [int(7)], value: { kind: "value", value: v } }]);
    golden(join(GOLDEN, "map.txt"), formatMap(m));
    golden(join(GOLDEN, "map.ndjson.txt"), formatMapJson(m));
    expect(formatMapJson(scalar("@s", { kind: "value", value: { kind: "record", fields: [{ name: "m", value: int(2) }, { name: "s", value: str("x") }] } })))
      .toBe('{"type": "map", "data": {"@s": {"m": 2, "s": "x"}}}\n');
  });
});
