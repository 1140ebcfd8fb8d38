// The BTF reader on a blob built here, record by record, so every kind and layout rule is
// pinned without depending on the running kernel (test/system/env-live.test.ts reads that).
import { describe, expect, it } from "vitest";
import { Btf, BtfError, Kind } from "../../bpf/btf/index.ts";
import { Builder, sample } from "../helpers/btf-sample.ts";

describe("btf: records", () => {
  const { btf, ids } = sample();

  it("counts types and decodes every kind", () => {
    expect(btf.count).toBe(33);
    expect(btf.typeById(0)).toEqual({ id: 0, kind: "void", name: "" });
    expect(btf.typeById(ids.int)).toMatchObject({ kind: "int", name: "int", size: 4, bits: 32, signed: true, char: false });
    expect(btf.typeById(ids.char)).toMatchObject({ kind: "int", signed: true, char: true });
    expect(btf.typeById(ids.comm)).toMatchObject({ kind: "array", elem: ids.char, index: ids.u32, nelems: 16 });
    expect(btf.typeById(ids.fwdTask)).toMatchObject({ kind: "fwd", name: "task_struct", union: false });
    expect(btf.typeById(ids.func)).toMatchObject({ kind: "func", proto: ids.proto, linkage: "global" });
    expect(btf.typeById(ids.e)).toMatchObject({ kind: "enum", signed: true, values: [{ name: "RUNNING", value: 0n }, { name: "DEAD", value: -1n }] });
    expect(btf.typeById(ids.e64)).toMatchObject({ kind: "enum64", size: 8, values: [{ name: "HUGE", value: 0x0123456789abcdefn }] });
    expect(btf.typeById(ids.vol)).toMatchObject({ kind: "volatile", target: ids.int });
    expect(btf.typeById(ids.flt)).toMatchObject({ kind: "float", size: 8 });
    expect(btf.typeById(ids.v)).toMatchObject({ kind: "var", name: "jiffies", typeId: ids.u32, linkage: "global" });
    expect(btf.typeById(ids.sec)).toMatchObject({ kind: "datasec", name: ".data", vars: [{ typeId: ids.v, offset: 0, size: 4 }] });
    expect(btf.typeById(ids.tag)).toMatchObject({ kind: "type_tag", name: "user", target: ids.char });
    expect(btf.typeById(ids.dtag)).toMatchObject({ kind: "decl_tag", target: ids.func, componentIdx: -1 });
    expect(btf.typeById(ids.varargs)).toMatchObject({ kind: "func_proto", variadic: true, params: [{ name: "fmt", typeId: ids.pcchar }] });
    expect(() => btf.typeById(999)).toThrow(BtfError);
  });

  it("finds types by name, preferring a definition over a forward declaration", () => {
    expect(btf.findByName("task_struct")).toBe(ids.task);
    expect(btf.findByName("task_struct", "fwd")).toBe(ids.fwdTask);
    expect(btf.findAllByName("task_struct")).toEqual([ids.fwdTask, ids.task]);
    expect(btf.findByName("do_thing", "func")).toBe(ids.func);
    expect(btf.findByName("do_thing", "struct")).toBeUndefined();
    expect(btf.findByName("nothing")).toBeUndefined();
    expect(btf.findByName("")).toBeUndefined();
    // Substrings of names are not names.
    expect(btf.findByName("task")).toBeUndefined();
  });

  it("answers the same after building the full index", () => {
    const { btf: b2 } = sample();
    b2.buildIndex();
    expect(b2.findByName("task_struct")).toBe(ids.task);
    expect(b2.findByName("pid_t", "typedef")).toBe(ids.pidT);
  });
});

describe("btf: type algebra", () => {
  const { btf, ids } = sample();

  it("resolves through typedef, const, volatile, restrict and type tags", () => {
    expect(btf.resolve(ids.pidT)).toBe(ids.int);
    expect(btf.resolve(ids.cchar)).toBe(ids.char);
    expect(btf.resolve(ids.vol)).toBe(ids.int);
    expect(btf.resolve(ids.restrict)).toBe(ids.pcchar);
    expect(btf.resolve(ids.tag)).toBe(ids.char);
    expect(btf.resolve(ids.task)).toBe(ids.task);
  });

  it("sizes types", () => {
    expect(btf.sizeof(ids.pidT)).toBe(4);
    expect(btf.sizeof(ids.comm)).toBe(16);
    expect(btf.sizeof(ids.taskPtr)).toBe(8);
    expect(btf.sizeof(ids.task)).toBe(40);
    expect(btf.sizeof(ids.e64)).toBe(8);
    expect(btf.sizeof(0)).toBeUndefined();
    expect(btf.sizeof(ids.func)).toBeUndefined();
    expect(btf.sizeof(ids.fwdTask)).toBeUndefined();
  });

  it("finds members, inside anonymous unions and as bitfields", () => {
    expect(btf.member(ids.task, "pid")).toEqual({ name: "pid", typeId: ids.pidT, offsetBits: 0, bitSize: 0 });
    expect(btf.member(ids.task, "comm")).toEqual({ name: "comm", typeId: ids.comm, offsetBits: 32, bitSize: 0 });
    expect(btf.member(ids.task, "b")).toEqual({ name: "b", typeId: ids.u32, offsetBits: 160, bitSize: 0 });
    expect(btf.member(ids.task, "flag")).toEqual({ name: "flag", typeId: ids.u32, offsetBits: 192, bitSize: 1 });
    expect(btf.member(ids.task, "mode")).toEqual({ name: "mode", typeId: ids.u32, offsetBits: 193, bitSize: 3 });
    expect(btf.member(ids.task, "nope")).toBeUndefined();
    expect(btf.member(ids.int, "pid")).toBeUndefined();
  });

  it("spells types as C declarations, the way libbpf's btf_dump does", () => {
    expect(btf.typeName(ids.taskPtr)).toBe("struct task_struct *");
    expect(btf.typeName(ids.pcchar)).toBe("const char *");
    expect(btf.typeName(ids.restrict)).toBe("const char * restrict");
    expect(btf.typeName(ids.comm)).toBe("char[16]");
    expect(btf.typeName(ids.pidT)).toBe("pid_t");
    expect(btf.typeName(ids.e)).toBe("enum state");
    expect(btf.typeName(ids.fwdTask)).toBe("struct task_struct");
    expect(btf.typeName(ids.anonUnion)).toBe("union {...}");
    expect(btf.typeName(ids.userPtr)).toBe("char *");
    expect(btf.typeName(ids.fnPtr)).toBe("int (*)(const char *, ...)");
    expect(btf.typeName(ids.arrPtr)).toBe("char (*)[16]");
    expect(btf.typeName(0)).toBe("void");
    expect(btf.declare(ids.comm, "comm")).toBe("char comm[16]");
    expect(btf.declare(ids.pcchar, "name")).toBe("const char *name");
  });
});

describe("btf: tracing facts", () => {
  const { btf, ids } = sample();

  it("gives a function's parameters with names and types", () => {
    const sig = btf.funcProto("do_thing")!;
    expect(sig).toMatchObject({ name: "do_thing", funcId: ids.func, protoId: ids.proto, ret: ids.int, variadic: false });
    expect(sig.params).toEqual([{ name: "task", typeId: ids.taskPtr }, { name: "name", typeId: ids.pcchar }]);
    expect(btf.funcId("do_thing")).toBe(ids.func);
    expect(btf.funcProto("missing")).toBeUndefined();
  });

  it("finds btf_trace_<tp> for tp_btf and raw tracepoint arguments without __data", () => {
    expect(btf.tracepointTypedefId("sched_demo")).toBe(ids.btfTrace);
    expect(btf.rawTracepointParams("sched_demo")).toEqual([{ name: "p", typeId: ids.taskPtr }, { name: "cpu", typeId: ids.int }]);
    expect(btf.rawTracepointNames()).toEqual(["sched_demo"]);
    expect(btf.protoOf(ids.btfTrace)?.params).toHaveLength(3);
  });

  it("lists names of a kind", () => {
    expect(btf.namesOfKind("func")).toEqual(["do_thing", "__probestub_sched_demo"]);
    expect(btf.idsOfKind("struct")).toEqual([ids.task]);
  });
});

describe("btf: header checks", () => {
  it("rejects bad magic, versions and truncated blobs", () => {
    const good = new Builder();
    good.t("int", Kind.INT, 0, 4, [32]);
    const bytes = good.build();
    expect(Btf.load(bytes).count).toBe(2);
    const badMagic = Uint8Array.from(bytes);
    badMagic[0] = 0;
    expect(() => Btf.load(badMagic)).toThrow(/bad magic/);
    const badVersion = Uint8Array.from(bytes);
    badVersion[2] = 2;
    expect(() => Btf.load(badVersion)).toThrow(/version/);
    expect(() => Btf.load(bytes.subarray(0, 30))).toThrow(BtfError);
    expect(() => Btf.load(new Uint8Array(4))).toThrow(/too short/);
  });

  it("reads split BTF on top of a base", () => {
    const { btf: base, ids } = sample();
    const b = new Builder();
    // An anonymous type only: the split blob's string offsets would otherwise have to
    // continue the base's.
    b.t("", Kind.PTR, 0, ids.task); // id 33: struct task_struct *
    const split = Btf.load(b.build(), base);
    expect(split.firstId).toBe(33);
    expect(split.count).toBe(34);
    expect(split.typeName(33)).toBe("struct task_struct *");
    expect(split.findByName("task_struct")).toBe(ids.task);
  });
});
