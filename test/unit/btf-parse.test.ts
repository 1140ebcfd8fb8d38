// The BTF reader on a blob built here, record by record, so every kind and layout rule is
// pinned without depending on the running kernel (test/system/env-live.test.ts reads that).
import { describe, expect, it } from "vitest";
import { Btf, BtfError, Kind } from "../../bpf/btf/index.ts";

/** A tiny BTF writer: strings, then type records in id order (id 1 first). */
class Builder {
  private strs = [""];
  private strOff = new Map<string, number>([["", 0]]);
  private strLen = 1;
  private types: number[][] = [];

  s(name: string): number {
    let o = this.strOff.get(name);
    if (o === undefined) {
      o = this.strLen;
      this.strOff.set(name, o);
      this.strs.push(name);
      this.strLen += Buffer.byteLength(name) + 1;
    }
    return o;
  }
  /** Adds a record; returns its id. */
  t(name: string, kind: number, vlen: number, sizeOrType: number, trailer: number[] = [], kflag = false): number {
    const info = ((kflag ? 1 : 0) << 31) | (kind << 24) | vlen;
    this.types.push([this.s(name), info >>> 0, sizeOrType, ...trailer]);
    return this.types.length;
  }
  build(): Uint8Array {
    const words = this.types.flat();
    const typeLen = words.length * 4;
    const strBytes = Buffer.from(this.strs.join("\0") + "\0", "latin1");
    const out = Buffer.alloc(24 + typeLen + strBytes.length);
    out.writeUInt16LE(0xeb9f, 0);
    out.writeUInt8(1, 2);
    out.writeUInt32LE(24, 4);
    out.writeUInt32LE(0, 8);
    out.writeUInt32LE(typeLen, 12);
    out.writeUInt32LE(typeLen, 16);
    out.writeUInt32LE(strBytes.length, 20);
    words.forEach((w, i) => out.writeInt32LE(w | 0, 24 + 4 * i));
    strBytes.copy(out, 24 + typeLen);
    return out;
  }
}

function sample() {
  const b = new Builder();
  const int = b.t("int", Kind.INT, 0, 4, [(1 << 24) | 32]); // 1: signed 32-bit
  const char = b.t("char", Kind.INT, 0, 1, [(3 << 24) | 8]); // 2: signed char
  const u32 = b.t("unsigned int", Kind.INT, 0, 4, [32]); // 3
  const pidT = b.t("pid_t", Kind.TYPEDEF, 0, int); // 4
  const comm = b.t("", Kind.ARRAY, 0, 0, [char, u32, 16]); // 5: char[16]
  const cchar = b.t("", Kind.CONST, 0, char); // 6: const char
  const pcchar = b.t("", Kind.PTR, 0, cchar); // 7: const char *
  const fwdTask = b.t("task_struct", Kind.FWD, 0, 0); // 8: struct task_struct; (declared before defined)
  // 9: union { int a; unsigned int b; } (anonymous)
  const anonUnion = b.t("", Kind.UNION, 2, 4, [b.s("a"), int, 0, b.s("b"), u32, 0]);
  const taskPtr = b.t("", Kind.PTR, 0, 11); // 10: struct task_struct *
  // 11: struct task_struct { pid_t pid; char comm[16]; union {a; b}; unsigned int flag:1, mode:3; struct task_struct *parent; }
  const task = b.t("task_struct", Kind.STRUCT, 6, 40, [
    b.s("pid"), pidT, 0,
    b.s("comm"), comm, 32,
    0, anonUnion, 160,
    b.s("flag"), u32, (1 << 24) | 192,
    b.s("mode"), u32, (3 << 24) | 193,
    b.s("parent"), taskPtr, 256,
  ], true);
  const proto = b.t("", Kind.FUNC_PROTO, 2, int, [b.s("task"), taskPtr, b.s("name"), pcchar]); // 12
  const func = b.t("do_thing", Kind.FUNC, 1, proto); // 13: global
  const e = b.t("state", Kind.ENUM, 2, 4, [b.s("RUNNING"), 0, b.s("DEAD"), -1], true); // 14: signed enum
  const e64 = b.t("big", Kind.ENUM64, 1, 8, [b.s("HUGE"), 0x89abcdef | 0, 0x01234567]); // 15
  const vol = b.t("", Kind.VOLATILE, 0, int); // 16
  const restrict = b.t("", Kind.RESTRICT, 0, 7); // 17: const char *restrict
  const flt = b.t("double", Kind.FLOAT, 0, 8); // 18
  const v = b.t("jiffies", Kind.VAR, 0, u32, [1]); // 19: global
  const sec = b.t(".data", Kind.DATASEC, 1, 4, [v, 0, 4]); // 20
  const tag = b.t("user", Kind.TYPE_TAG, 0, char); // 21
  const userPtr = b.t("", Kind.PTR, 0, tag); // 22: char __user *
  const dtag = b.t("noinline", Kind.DECL_TAG, 0, func, [-1]); // 23
  // Raw tracepoint sched_demo: typedef void (*btf_trace_sched_demo)(void *, struct task_struct *, int);
  const rtProto = b.t("", Kind.FUNC_PROTO, 3, 0, [0, 25, 0, taskPtr, 0, int]); // 24
  const voidPtr = b.t("", Kind.PTR, 0, 0); // 25: void *
  const rtPtr = b.t("", Kind.PTR, 0, rtProto); // 26
  const btfTrace = b.t("btf_trace_sched_demo", Kind.TYPEDEF, 0, rtPtr); // 27
  const stubProto = b.t("", Kind.FUNC_PROTO, 3, 0, [b.s("__data"), voidPtr, b.s("p"), taskPtr, b.s("cpu"), int]); // 28
  const stub = b.t("__probestub_sched_demo", Kind.FUNC, 1, stubProto); // 29
  const varargs = b.t("", Kind.FUNC_PROTO, 2, int, [b.s("fmt"), pcchar, 0, 0]); // 30: int (const char *, ...)
  const fnPtr = b.t("", Kind.PTR, 0, varargs); // 31
  const arrPtr = b.t("", Kind.PTR, 0, comm); // 32: char (*)[16]
  return {
    btf: Btf.load(b.build()),
    ids: { int, char, u32, pidT, comm, cchar, pcchar, fwdTask, anonUnion, taskPtr, task, proto, func, e, e64, vol, restrict, flt, v, sec, tag, userPtr, dtag, btfTrace, stub, fnPtr, arrPtr, varargs },
  };
}

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
