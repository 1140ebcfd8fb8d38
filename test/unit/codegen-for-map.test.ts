// `for ($kv : @map)` in codegen (bpf/codegen/for-map.ts), and `for ($i : a..b)` with bounds
// the verifier cannot know (for-range.ts, a bpf_loop callback): the body becomes a callback
// subprogram after the main function, described by BTF func_info in the ProgSpec, working
// in the probe's frame through r9. Behaviour, not bytecode goldens (STYLE.md §10); the
// kernel's verdict is in test/system/engine-for-map.test.ts.
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MapType } from "../../bpf/types/abi.ts";
import { marshal, opcodes, type Instruction } from "../../bpf/asm/index.ts";
import { Btf } from "../../bpf/btf/index.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import { type ProgramSpec } from "../../bpf/codegen/spec.ts";
import { ZERO_MAP } from "../../bpf/types/internal-maps.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";

const here = dirname(fileURLToPath(import.meta.url));
const env = recordedEnv(join(here, "../fixtures/tracefs"));

function compileClean(source: string): ProgramSpec {
  const r = compile(source, { env, origin: "cell[1]" });
  expect(renderDiagnostics(r.diagnostics, source, "cell[1]")).toBe("");
  return r.spec!;
}

/** Instruction index of each 8-byte slot where an instruction starts. */
function atSlot(insns: readonly Instruction[], slot: number): number {
  let pc = 0;
  for (let n = 0; n < insns.length; n++) {
    if (pc === slot) return n;
    pc += insns[n]!.opcode === opcodes.OP_LDDW ? 2 : 1;
  }
  throw new Error(`no instruction at slot ${slot}`);
}

const SUM = 'BEGIN { @m[1] = 10; @m[2] = 20; $s = 0; for ($kv : @m) { $s += $kv.1; } printf("%d\\n", $s); exit(); }';

describe("for-map codegen", () => {
  const spec = compileClean(SUM);
  const p = spec.programs[0]!;
  const btf = p.btf!;
  const cbStart = atSlot(p.insns, btf.funcInfo[1]!.insnOff);

  it("describes main and the callback in func_info, in instruction order", () => {
    expect(btf.funcInfo.map((f) => f.insnOff)[0]).toBe(0);
    expect(btf.funcInfo).toHaveLength(2);
    const types = Btf.load(btf.blob);
    const [main, cb] = btf.funcInfo.map((f) => types.typeById(f.typeId));
    expect(main).toMatchObject({ kind: "func", name: "main", linkage: "static" });
    expect(cb).toMatchObject({ kind: "func", name: "map_for_each_cb_0", linkage: "static" });
    const proto = types.typeById((cb as { proto: number }).proto);
    expect(proto.kind === "func_proto" && proto.params.map((x) => x.name)).toEqual(["map", "key", "value", "ctx"]);
  });

  it("calls bpf_for_each_map_elem with the callback's address", () => {
    const main = p.insns.slice(0, cbStart);
    expect(main.some((i) => i.opcode === opcodes.OP_LDDW && i.src === opcodes.PSEUDO_FUNC && i.target === p.insns[cbStart]!.label)).toBe(true);
    expect(main.some((i) => i.opcode === 0x85 && i.src === 0 && i.imm === 164n)).toBe(true); // call bpf_for_each_map_elem#164
    // main ends before the callback: the verifier refuses falling from one function into another
    expect(main[main.length - 1]!.opcode).toBe(0x95);
  });

  it("runs the callback in the probe's frame: r9 = ctx - slot, and no r10", () => {
    const cb = p.insns.slice(cbStart);
    expect(cb[0]).toMatchObject({ opcode: 0xbf, dst: 9, src: 4 }); // r9 = r4
    expect(cb[1]).toMatchObject({ opcode: 0x07, dst: 9 }); // r9 += -ctxSlot
    expect(cb.filter((i) => i.dst === 10 || i.src === 10)).toEqual([]);
    expect(cb[cb.length - 1]!.opcode).toBe(0x95);
  });

  it("adds the always-zero map that hides the variables' values from the verifier", () => {
    expect(spec.maps.find((m) => m.name === ZERO_MAP)).toMatchObject({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    const fds = new Map(spec.maps.map((m, i) => [m.name, 3 + i]));
    expect(marshal(p.insns, { maps: fds }).length).toBeGreaterThan(0);
  });

  it("programs without for-map loops have no BTF and no zero map", () => {
    const plain = compileClean('BEGIN { @m[1] = 1; for ($i : 0..3) { @m[$i] = 1; } exit(); }');
    expect(plain.programs[0]!.btf).toBeUndefined();
    expect(plain.maps.some((m) => m.name === ZERO_MAP)).toBe(false);
  });

  it("nested loops make one callback each", () => {
    const s = compileClean("BEGIN { @a[1] = 1; @b[2] = 2; $t = 0; for ($x : @a) { for ($y : @b) { $t += $x.1 * $y.1; } } exit(); }");
    const f = s.programs[0]!.btf!.funcInfo;
    expect(f).toHaveLength(3);
    expect(f.map((x) => x.insnOff)).toEqual([...f.map((x) => x.insnOff)].sort((a, b) => a - b));
  });

  it("accepts the spelling without parentheses", () => {
    expect(compileClean("BEGIN { @m[1] = 1; for $kv : @m { printf(\"%d\\n\", $kv.0); } exit(); }").programs[0]!.btf).toBeDefined();
  });

  it("scopes $kv to its loop, as bpftrace does", () => {
    compileClean('BEGIN { @s["a"] = 1; @n[1] = 2; for ($kv : @s) { printf("%s\\n", $kv.0); } for ($kv : @n) { printf("%d\\n", $kv.0); } exit(); }');
    const src = "BEGIN { @n[1] = 2; for ($kv : @n) { } printf(\"%d\\n\", $kv.1); exit(); }";
    const r = compile(src, { env, origin: "cell[1]" });
    expect(renderDiagnostics(r.diagnostics, src, "cell[1]")).toContain("$kv is used before it is assigned");
  });

  it("refuses to iterate hist, lhist and stats maps, as bpftrace does", () => {
    for (const agg of ["hist(5)", "lhist(5, 0, 10, 1)", "stats(5)"]) {
      const src = `BEGIN { @h[1] = ${agg}; for ($kv : @h) { } exit(); }`;
      const r = compile(src, { env, origin: "cell[1]" });
      expect(r.spec).toBeUndefined();
      expect(renderDiagnostics(r.diagnostics, src, "cell[1]")).toContain(`for loops cannot iterate over a ${agg.split("(")[0]}() map`);
    }
  });
});

describe("for-range codegen", () => {
  it("constant bounds make a plain loop: no callback, no BTF", () => {
    const s = compileClean("BEGIN { for ($i : (1+1)..(2*4)) { printf(\"%d\\n\", $i); } exit(); }");
    expect(s.programs[0]!.btf).toBeUndefined();
    expect(s.programs[0]!.insns.some((i) => i.opcode === 0x85 && i.src === 0 && i.imm === 181n)).toBe(false);
  });

  it("a map bound calls bpf_loop with a loop_cb(index, ctx) callback in the probe's frame", () => {
    const p = compileClean("BEGIN { @a = 10; for ($i : 0..@a) { @a += 1; } exit(); }").programs[0]!;
    const btf = p.btf!;
    expect(btf.funcInfo).toHaveLength(2);
    const types = Btf.load(btf.blob);
    const cbType = types.typeById(btf.funcInfo[1]!.typeId);
    expect(cbType).toMatchObject({ kind: "func", name: "loop_cb_0", linkage: "static" });
    const proto = types.typeById((cbType as { proto: number }).proto);
    expect(proto.kind === "func_proto" && proto.params.map((x) => x.name)).toEqual(["index", "ctx"]);
    const cbStart = atSlot(p.insns, btf.funcInfo[1]!.insnOff);
    expect(p.insns.slice(0, cbStart).some((i) => i.opcode === 0x85 && i.src === 0 && i.imm === 181n)).toBe(true); // call bpf_loop#181
    const cb = p.insns.slice(cbStart);
    expect(cb[0]).toMatchObject({ opcode: 0xbf, dst: 9, src: 2 }); // r9 = r2, the context
    expect(cb.filter((i) => i.dst === 10 || i.src === 10)).toEqual([]);
  });

  it("variable bounds and a range nested in a constant one each get a callback", () => {
    const s = compileClean("BEGIN { for ($i : 1..4) { for ($j : 1..$i) { printf(\"%d\\n\", $j); } } exit(); }");
    expect(s.programs[0]!.btf!.funcInfo).toHaveLength(2);
  });
});
