// BPF_BTF_LOAD and a program with a callback subprogram: bpf_for_each_map_elem over a hash
// map, referenced by lddw src=BPF_PSEUDO_FUNC and described by func_info. Instructions and
// the BTF blob are encoded by hand on purpose: this tests native/, not bpf/asm or BtfWriter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import {
  MapType, ProgType, SyscallError, VerifierError, btfLoad, mapCreate, mapLookup, mapUpdate, openFdCount, progLoad,
  progTestRun, type OwnedFd,
} from "../../native/index.ts";
import {
  insn, prog, ADD64_IMM, ADD64_REG, CALL, EXIT, JEQ_IMM, LD_IMM64, LDX_DW, MOV64_IMM, MOV64_REG, ST_DW, ST_W, STX_DW,
} from "../helpers/raw-insn.ts";

const PSEUDO_MAP_FD = 1; // BPF_PSEUDO_MAP_FD
const PSEUDO_FUNC = 4; // BPF_PSEUDO_FUNC
const FOR_EACH_MAP_ELEM = 164; // BPF_FUNC_for_each_map_elem
const MAP_LOOKUP_ELEM = 1; // BPF_FUNC_map_lookup_elem

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: bigint) => new Uint8Array(new BigUint64Array([n]).buffer);
const readU64 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);

/** ld_imm64 as its two slots. */
const lddw = (dst: number, src: number, imm: number) => [insn(LD_IMM64, dst, src, 0, imm), insn(0, 0, 0, 0, 0)];

/**
 * BTF: [1] INT long, [2] PTR void, [3] FUNC_PROTO long(ctx), [4] FUNC main, [5] FUNC_PROTO
 * long(map, key, value, ctx), [6] FUNC cb; all static. `unnamedArg` drops the name of
 * main's parameter, which the kernel refuses.
 */
function btfBlob(unnamedArg = false): Uint8Array {
  const strs = "\0long\0ctx\0main\0map\0key\0value\0cb\0";
  const at = (s: string) => strs.indexOf(`\0${s}\0`) + 1;
  const INT = 1, PTR = 2, FUNC = 12, FUNC_PROTO = 13;
  const info = (kind: number, vlen: number) => ((kind << 24) | vlen) >>> 0;
  const words = [
    at("long"), info(INT, 0), 8, (1 << 24) | 64, // signed, 64 bits
    0, info(PTR, 0), 0,
    0, info(FUNC_PROTO, 1), 1, unnamedArg ? 0 : at("ctx"), 2,
    at("main"), info(FUNC, 0), 3,
    0, info(FUNC_PROTO, 4), 1, at("map"), 2, at("key"), 2, at("value"), 2, at("ctx"), 2,
    at("cb"), info(FUNC, 0), 5,
  ];
  const typeLen = words.length * 4;
  const out = new Uint8Array(24 + typeLen + strs.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xeb9f, true); // magic
  dv.setUint8(2, 1); // version
  dv.setUint32(4, 24, true); // hdr_len
  dv.setUint32(12, typeLen, true); // type_len (type_off 0)
  dv.setUint32(16, typeLen, true); // str_off
  dv.setUint32(20, strs.length, true); // str_len
  words.forEach((w, i) => dv.setUint32(24 + 4 * i, w, true));
  out.set(new TextEncoder().encode(strs), 24 + typeLen);
  return out;
}

/**
 * main: sum = 0 on the stack; n = for_each_map_elem(hash, cb, &sum, 0); result[0] = sum;
 * return n. cb(map, key, value, ctx): *ctx += *value; return `stop` (1 stops the walk).
 */
function program(hash: number, result: number, stop: 0 | 1): Uint8Array {
  const main = [
    insn(ST_DW, 10, 0, -8, 0), // 0: *(u64 *)(r10 - 8) = 0
    ...lddw(1, PSEUDO_MAP_FD, hash), // 1-2: r1 = hash
    ...lddw(2, PSEUDO_FUNC, 21 - 4), // 3-4: r2 = cb (slot 21, relative to slot 4)
    insn(MOV64_REG, 3, 10, 0, 0), // 5: r3 = r10
    insn(ADD64_IMM, 3, 0, 0, -8), // 6: r3 -= 8
    insn(MOV64_IMM, 4, 0, 0, 0), // 7: r4 = 0 (flags)
    insn(CALL, 0, 0, 0, FOR_EACH_MAP_ELEM), // 8
    insn(MOV64_REG, 7, 0, 0, 0), // 9: r7 = elements visited
    insn(ST_W, 10, 0, -12, 0), // 10: key 0
    ...lddw(1, PSEUDO_MAP_FD, result), // 11-12
    insn(MOV64_REG, 2, 10, 0, 0), // 13
    insn(ADD64_IMM, 2, 0, 0, -12), // 14
    insn(CALL, 0, 0, 0, MAP_LOOKUP_ELEM), // 15
    insn(JEQ_IMM, 0, 0, 2, 0), // 16: if r0 == 0 goto 19
    insn(LDX_DW, 1, 10, -8, 0), // 17: r1 = sum
    insn(STX_DW, 0, 1, 0, 0), // 18: result[0] = r1
    insn(MOV64_REG, 0, 7, 0, 0), // 19: return n
    insn(EXIT, 0, 0, 0, 0), // 20
  ];
  const cb = [
    insn(LDX_DW, 0, 3, 0, 0), // 21: r0 = *value
    insn(LDX_DW, 5, 4, 0, 0), // r5 = *ctx (the caller's stack)
    insn(ADD64_REG, 5, 0, 0, 0),
    insn(STX_DW, 4, 5, 0, 0), // *ctx = r5
    insn(MOV64_IMM, 0, 0, 0, stop),
    insn(EXIT, 0, 0, 0, 0),
  ];
  return prog(...main, ...cb);
}

const FUNC_INFO = [{ insnOff: 0, typeId: 4 }, { insnOff: 21, typeId: 6 }];

describe.skipIf(skipWithoutBpf())("native: BTF and callback subprograms", () => {
  let baseline = 0;
  let hash: OwnedFd;
  let result: OwnedFd;
  beforeAll(() => {
    baseline = openFdCount();
    hash = mapCreate({ type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 16, name: "fe_hash" });
    result = mapCreate({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, name: "fe_result" });
    for (let k = 1; k <= 5; k++) mapUpdate(hash, u32(k), u64(BigInt(k * 100)));
  });
  afterAll(() => {
    hash.close();
    result.close();
    expect(openFdCount()).toBe(baseline);
  });

  const run = (stop: 0 | 1) => {
    const btf = btfLoad(btfBlob());
    try {
      using p = progLoad({
        type: ProgType.RAW_TRACEPOINT, name: "for_each_test", insns: program(hash.fd, result.fd, stop), btf, funcInfo: FUNC_INFO,
      });
      mapUpdate(result, u32(0), u64(0n));
      const { retval } = progTestRun(p, new Uint8Array(8));
      return { visited: retval, sum: readU64(mapLookup(result, u32(0), 8)!) };
    } finally {
      btf.close();
    }
  };

  it("runs the callback over every element, writing the caller's stack", () => {
    expect(run(0)).toEqual({ visited: 5, sum: 1500n });
  });

  it("stops the walk when the callback returns 1", () => {
    const r = run(1);
    expect(r.visited).toBe(1);
    expect([100n, 200n, 300n, 400n, 500n]).toContain(r.sum);
  });

  it("is refused without func_info: the verifier needs it for BPF_PSEUDO_FUNC", () => {
    const load = () => progLoad({ type: ProgType.RAW_TRACEPOINT, insns: program(hash.fd, result.fd, 0), name: "no_func_info" });
    expect(load).toThrow(VerifierError);
    expect(load).toThrow(/missing btf func_info/);
  });

  it("reports a BTF blob the kernel refuses with the kernel's reason as a hint", () => {
    let err: unknown;
    try {
      btfLoad(btfBlob(true), { context: "load BTF of test" }).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyscallError);
    expect((err as SyscallError).message).toBe("load BTF of test: BPF_BTF_LOAD: EINVAL (invalid argument)");
    expect((err as SyscallError).hints.join("\n")).toMatch(/kernel says: .*Invalid arg#1/);
  });
});
