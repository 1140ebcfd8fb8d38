// A tiny BTF writer and a sample kernel built with it (a task_struct with a bitfield, an
// anonymous union and a self pointer; enums; a raw tracepoint), for tests of the BTF reader
// and of what the checker and codegen do with kernel types, without the running kernel.
import { Btf, Kind } from "../../bpf/btf/index.ts";

/** A tiny BTF writer: strings, then type records in id order (id 1 first). */
export class Builder {
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

export function sample() {
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
  const bytes = b.build();
  return {
    btf: Btf.load(bytes),
    bytes,
    ids: { int, char, u32, pidT, comm, cchar, pcchar, fwdTask, anonUnion, taskPtr, task, proto, func, e, e64, vol, restrict, flt, v, sec, tag, userPtr, dtag, btfTrace, stub, fnPtr, arrPtr, varargs },
  };
}

