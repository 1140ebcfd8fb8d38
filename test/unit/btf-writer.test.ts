// BtfWriter (bpf/btf/writer.ts): the bytes of a program's own BTF, pinned record by record
// against linux/btf.h, read back by our BTF reader, and refused where the kernel would.
import { describe, expect, it } from "vitest";
import { Btf, BtfError } from "../../bpf/btf/index.ts";
import { BtfWriter } from "../../bpf/btf/writer.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** main(void *ctx) returning long: what a program with one callback starts with. */
function mainOnly(): BtfWriter {
  const w = new BtfWriter();
  const long = w.int("long", 8, true);
  const voidPtr = w.ptr(0);
  w.func("main", w.funcProto(long, [{ name: "ctx", type: voidPtr }]), "static");
  return w;
}

describe("BtfWriter encoding", () => {
  const table: [string, string][] = [
    // magic 0xeB9F, version 1, flags 0, hdr_len 24, type_off 0, type_len 60, str_off 60, str_len 15
    ["header", "9feb0100" + "18000000" + "00000000" + "3c000000" + "3c000000" + "0f000000"],
    // [1] INT "long": name_off 1, info INT(1) << 24, size 8, encoding SIGNED << 24 | bits 64
    ["int", "01000000" + "00000001" + "08000000" + "40000001"],
    // [2] PTR: name_off 0, info PTR(2) << 24, type 0 (void)
    ["ptr", "00000000" + "00000002" + "00000000"],
    // [3] FUNC_PROTO: info FUNC_PROTO(13) << 24 | vlen 1, return type 1; param "ctx" (6): type 2
    ["func_proto", "00000000" + "0100000d" + "01000000" + "06000000" + "02000000"],
    // [4] FUNC "main" (10): info FUNC(12) << 24 | linkage static (0), type 3
    ["func", "0a000000" + "0000000c" + "03000000"],
    // strings: "", "long", "ctx", "main"
    ["strings", "00" + "6c6f6e6700" + "63747800" + "6d61696e00"],
  ];
  const blob = hex(mainOnly().encode());
  let at = 0;
  for (const [name, want] of table) {
    const from = at;
    it(name, () => expect(blob.slice(from, from + want.length)).toBe(want));
    at += want.length;
  }
  it("has nothing after the strings", () => expect(blob.length).toBe(at));
});

describe("BtfWriter round trip through the reader", () => {
  it("reads back kinds, names, linkage and parameters", () => {
    const w = mainOnly();
    const proto = w.funcProto(1, ["map", "key", "value", "ctx"].map((name) => ({ name, type: 2 })));
    const cb = w.func("map_for_each_cb_0", proto, "static");
    const g = w.func("exported", proto, "global");
    const btf = Btf.load(w.encode());
    expect(btf.typeById(1)).toMatchObject({ kind: "int", name: "long", size: 8, bits: 64, signed: true });
    expect(btf.typeById(2)).toMatchObject({ kind: "ptr", target: 0 });
    expect(btf.typeById(cb)).toMatchObject({ kind: "func", name: "map_for_each_cb_0", proto, linkage: "static" });
    expect(btf.typeById(g)).toMatchObject({ kind: "func", linkage: "global" });
    const p = btf.typeById(proto);
    expect(p.kind === "func_proto" && p.params.map((x) => x.name)).toEqual(["map", "key", "value", "ctx"]);
    // "ctx" is stored once and shared
    expect(w.count).toBe(7);
  });
});

describe("BtfWriter refuses what the kernel would", () => {
  it("names that are not C identifiers", () => {
    expect(() => new BtfWriter().int("unsigned long", 8, false)).toThrow(BtfError);
    expect(() => mainOnly().func("1st", 3)).toThrow(/not a C identifier/);
    // an unnamed typed parameter is "Invalid arg#1" for BPF_BTF_LOAD
    expect(() => mainOnly().funcProto(1, [{ name: "", type: 2 }])).toThrow(/parameter name/);
  });
  it("references to types that do not exist yet", () => {
    expect(() => new BtfWriter().ptr(1)).toThrow(/no type id 1/);
    expect(() => mainOnly().func("f", 99)).toThrow(/no type id 99/);
  });
});
