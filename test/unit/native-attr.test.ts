import { describe, expect, it } from "vitest";
import * as A from "../../native/bpf-attr.ts";
import { BPF_ATTR_SIZE, bpfCmdName, BpfCmd } from "../../native/bpf-constants.ts";
import { encodePerfEventAttr, parseCpuList, PERF_ATTR_SIZE } from "../../native/perf.ts";

const u32 = (b: Uint8Array, off: number) => new DataView(b.buffer, b.byteOffset).getUint32(off, true);
const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);
/** Offsets of the non-zero bytes: the kernel refuses stray non-zero bytes. */
const nonZero = (b: Uint8Array) => [...b.keys()].filter((i) => b[i] !== 0);

describe("object names", () => {
  it("truncates to 15 bytes and replaces what the kernel refuses", () => {
    const n = A.objName("tracepoint:syscalls:sys_enter_openat");
    expect(n.length).toBe(16);
    expect(new TextDecoder().decode(n.subarray(0, 15))).toBe("tracepoint_sysc");
    expect(n[15]).toBe(0);
    expect(new TextDecoder().decode(A.objName("@us.x").subarray(0, 5))).toBe("_us.x");
  });
  it("NUL-terminates C strings", () => {
    expect([...A.cString("GPL")]).toEqual([71, 80, 76, 0]);
  });
});

describe("bpf_attr encoders", () => {
  it("BPF_MAP_CREATE", () => {
    const b = A.encodeMapCreate({ type: 1, keySize: 4, valueSize: 8, maxEntries: 1024, flags: 1, name: "counts" });
    expect(b.length).toBe(BPF_ATTR_SIZE);
    expect([u32(b, 0), u32(b, 4), u32(b, 8), u32(b, 12), u32(b, 16)]).toEqual([1, 4, 8, 1024, 1]);
    expect(new TextDecoder().decode(b.subarray(28, 34))).toBe("counts");
    expect(Math.max(...nonZero(b))).toBeLessThan(44);
  });
  it("BPF_MAP_*_ELEM", () => {
    const b = A.encodeMapElem(7, 0x1000n, 0x2000n, 2);
    expect([u32(b, 0), u64(b, 8), u64(b, 16), u64(b, 24)]).toEqual([7, 0x1000n, 0x2000n, 2n]);
    expect(Math.max(...nonZero(b))).toBeLessThan(32);
  });
  it("BPF_MAP_LOOKUP_BATCH", () => {
    const b = A.encodeMapBatch(5, 0n, 0x10n, 0x20n, 0x30n, 64);
    expect([u64(b, 0), u64(b, 8), u64(b, 16), u64(b, 24)]).toEqual([0n, 0x10n, 0x20n, 0x30n]);
    expect(u32(b, A.BATCH_COUNT_OFFSET)).toBe(64);
    expect(u32(b, 36)).toBe(5);
  });
  it("BPF_PROG_LOAD", () => {
    const b = A.encodeProgLoad({
      type: 26,
      insnCount: 3,
      insns: 0x100n,
      license: 0x200n,
      logLevel: 1,
      logSize: 4096,
      logBuf: 0x300n,
      name: "tp_btf",
      expectedAttachType: 23,
      attachBtfId: 777,
      attachBtfObjFd: 9,
    });
    expect([u32(b, 0), u32(b, 4), u64(b, 8), u64(b, 16)]).toEqual([26, 3, 0x100n, 0x200n]);
    expect([u32(b, 24), u32(b, 28), u64(b, 32)]).toEqual([1, 4096, 0x300n]);
    expect(new TextDecoder().decode(b.subarray(48, 54))).toBe("tp_btf");
    expect([u32(b, 68), u32(b, 108), u32(b, 112)]).toEqual([23, 777, 9]);
  });
  it("BPF_PROG_LOAD with the program's BTF and func_info", () => {
    const b = A.encodeProgLoad({
      type: 17, insnCount: 9, insns: 0x100n, license: 0x200n, logLevel: 0, logSize: 0, logBuf: 0n,
      progBtfFd: 11, funcInfoRecSize: A.FUNC_INFO_REC_SIZE, funcInfo: 0x400n, funcInfoCnt: 2,
    });
    // prog_btf_fd 72, func_info_rec_size 76, func_info 80, func_info_cnt 88
    expect([u32(b, 72), u32(b, 76), u64(b, 80), u32(b, 88)]).toEqual([11, 8, 0x400n, 2]);
    expect(nonZero(b).every((i) => i < 24 || (i >= 72 && i < 92))).toBe(true);
    // struct bpf_func_info { u32 insn_off; u32 type_id; }
    const fi = A.encodeFuncInfo([{ insnOff: 0, typeId: 4 }, { insnOff: 37, typeId: 6 }]);
    expect([...fi]).toEqual([0, 0, 0, 0, 4, 0, 0, 0, 37, 0, 0, 0, 6, 0, 0, 0]);
  });
  it("BPF_BTF_LOAD", () => {
    const b = A.encodeBtfLoad(0x500n, 84, 0x600n, 4096, 1);
    expect(BpfCmd.BTF_LOAD).toBe(18);
    expect(bpfCmdName(BpfCmd.BTF_LOAD)).toBe("BPF_BTF_LOAD");
    // btf 0, btf_log_buf 8, btf_size 16, btf_log_size 20, btf_log_level 24
    expect([u64(b, 0), u64(b, 8), u32(b, 16), u32(b, 20), u32(b, 24)]).toEqual([0x500n, 0x600n, 84, 4096, 1]);
    expect(Math.max(...nonZero(b))).toBeLessThan(28);
  });
  it("BPF_PROG_TEST_RUN and BPF_RAW_TRACEPOINT_OPEN", () => {
    const t = A.encodeProgTestRun(4, 0x40n, 16);
    expect([u32(t, 0), u32(t, 40), u64(t, 48)]).toEqual([4, 16, 0x40n]);
    expect(nonZero(t).every((i) => i === 0 || i === 40 || i === 48)).toBe(true);
    const r = A.encodeRawTracepointOpen(0x50n, 6);
    expect([u64(r, 0), u32(r, 8)]).toEqual([0x50n, 6]);
  });
  it("BPF_LINK_CREATE puts the cookie where the attach type wants it", () => {
    const p = A.encodeLinkCreate({ progFd: 3, targetFd: 4, attachType: 41, cookie: 0xabn }, true);
    expect([u32(p, 0), u32(p, 4), u32(p, 8), u64(p, 16)]).toEqual([3, 4, 41, 0xabn]);
    const t = A.encodeLinkCreate({ progFd: 3, targetFd: 0, attachType: 24, targetBtfId: 99, cookie: 0xcdn }, false);
    expect([u32(t, 16), u64(t, 24)]).toEqual([99, 0xcdn]);
  });
  it("names commands as the kernel does", () => {
    expect(bpfCmdName(BpfCmd.PROG_LOAD)).toBe("BPF_PROG_LOAD");
    expect(bpfCmdName(BpfCmd.MAP_LOOKUP_BATCH)).toBe("BPF_MAP_LOOKUP_BATCH");
    expect(bpfCmdName(99)).toBe("BPF_CMD_99");
  });
});

describe("bpf_*_info decoders", () => {
  it("decodes bpf_map_info", () => {
    const b = new Uint8Array(A.MAP_INFO_SIZE);
    const dv = new DataView(b.buffer);
    [27, 12, 0, 0, 4096, 0].forEach((v, i) => dv.setUint32(i * 4, v, true));
    b.set(new TextEncoder().encode("events"), 24);
    expect(A.decodeMapInfo(b)).toEqual({
      kind: "map", type: 27, id: 12, keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0, name: "events",
    });
  });
  it("decodes bpf_prog_info", () => {
    const b = new Uint8Array(A.PROG_INFO_SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, 17, true);
    dv.setUint32(4, 301, true);
    b.set([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3], 8);
    b.set(new TextEncoder().encode("BEGIN"), 64);
    dv.setUint32(216, 5, true);
    const info = A.decodeProgInfo(b);
    expect([info.kind, info.type, info.id, info.tag, info.name, info.verifiedInsns]).toEqual([
      "prog", 17, 301, "deadbeef00010203", "BEGIN", 5,
    ]);
  });
});

describe("perf_event_attr", () => {
  it("encodes a tracepoint event", () => {
    const b = encodePerfEventAttr({ type: 2, config: 1234, samplePeriod: 1, wakeupEvents: 1 });
    expect(b.length).toBe(PERF_ATTR_SIZE);
    expect([u32(b, 0), u32(b, 4), u64(b, 8), u64(b, 16), u64(b, 40), u32(b, 48)]).toEqual([
      2, 128, 1234n, 1n, 0n, 1,
    ]);
  });
  it("sets freq when a frequency is given, and the flag bits", () => {
    const b = encodePerfEventAttr({ type: 1, config: 0, sampleFreq: 99, disabled: true, excludeIdle: true });
    expect(u64(b, 16)).toBe(99n);
    expect(u64(b, 40)).toBe((1n << 0n) | (1n << 7n) | (1n << 10n));
  });
  it("carries config1/config2 for the probe PMUs", () => {
    const b = encodePerfEventAttr({ type: 9, config: 1, config1: 0xfeedn, config2: 0x40 });
    expect([u64(b, 56), u64(b, 64)]).toEqual([0xfeedn, 0x40n]);
  });
});

describe("cpu lists", () => {
  it.each([
    ["0", [0]],
    ["0-3\n", [0, 1, 2, 3]],
    ["0-1,4,6-7", [0, 1, 4, 6, 7]],
  ])("%j", (text, cpus) => expect(parseCpuList(text)).toEqual(cpus));
  it("rejects garbage", () => expect(() => parseCpuList("a-b")).toThrow(/bad cpu list/));
});
