// bpf(2) against the running kernel: maps, program loads, the verifier log, test runs,
// object info and fd accounting. Instructions are encoded by hand here on purpose: this
// tests native/, not the assembler.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import {
  AttachType,
  MapType,
  ProgType,
  UpdateFlags,
  SyscallError,
  VerifierError,
  BatchUnsupportedError,
  mapCreate,
  mapLookup,
  mapUpdate,
  mapDelete,
  mapGetNextKey,
  mapLookupBatch,
  mapLookupBatchPages,
  mapEntries,
  mapEntryViews,
  enableStats,
  progLoad,
  progLoadWithLog,
  progTestRun,
  objGetInfoByFd,
  loadedProgIds,
  progGetFdById,
  rawTracepointOpen,
  openFdCount,
  type OwnedFd,
} from "../../native/index.ts";
import { insn, prog, MOV64_IMM, EXIT, LD_IMM64, STX_W, ST_W, MOV64_REG, ADD64_IMM, CALL } from "../helpers/raw-insn.ts";

const PSEUDO_MAP_FD = 1; // BPF_PSEUDO_MAP_FD

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: bigint) => new Uint8Array(new BigUint64Array([n]).buffer);
const readU64 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);

describe.skipIf(skipWithoutBpf())("native bpf(2)", () => {
  let baseline = 0;
  beforeAll(() => {
    baseline = openFdCount();
  });
  afterAll(() => {
    expect(openFdCount()).toBe(baseline);
  });

  describe("hash map", () => {
    let map: OwnedFd;
    beforeAll(() => {
      map = mapCreate({ type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 1024, name: "test_hash" });
    });
    afterAll(() => map.close());

    it("updates, looks up, deletes", () => {
      expect(mapLookup(map, u32(1), 8)).toBeUndefined();
      mapUpdate(map, u32(1), u64(0x1122334455667788n));
      expect(readU64(mapLookup(map, u32(1), 8)!)).toBe(0x1122334455667788n);
      mapUpdate(map, u32(1), u64(42n), UpdateFlags.EXIST);
      expect(readU64(mapLookup(map, u32(1), 8)!)).toBe(42n);
      expect(mapDelete(map, u32(1))).toBe(true);
      expect(mapDelete(map, u32(1))).toBe(false);
      expect(mapLookup(map, u32(1), 8)).toBeUndefined();
    });

    it("reports EEXIST and ENOENT by name for NOEXIST/EXIST updates", () => {
      mapUpdate(map, u32(5), u64(5n), UpdateFlags.NOEXIST);
      const e1 = (() => {
        try {
          mapUpdate(map, u32(5), u64(6n), UpdateFlags.NOEXIST);
        } catch (e) {
          return e;
        }
      })();
      expect(e1).toBeInstanceOf(SyscallError);
      expect((e1 as SyscallError).message).toBe("BPF_MAP_UPDATE_ELEM: EEXIST (file exists)");
      expect(() => mapUpdate(map, u32(6), u64(6n), UpdateFlags.EXIST)).toThrow(/BPF_MAP_UPDATE_ELEM: ENOENT/);
      mapDelete(map, u32(5));
    });

    it("iterates keys with get_next_key and reads all entries in batches", () => {
      const n = 700; // more than one page of 256
      for (let i = 0; i < n; i++) mapUpdate(map, u32(i), u64(BigInt(i) * 3n));
      const seen = new Set<number>();
      let k: Uint8Array | undefined;
      while ((k = mapGetNextKey(map, k, 4)) !== undefined) seen.add(new DataView(k.buffer, k.byteOffset).getUint32(0, true));
      expect(seen.size).toBe(n);

      const { keys, values } = mapLookupBatch(map, 4, 8);
      expect(keys.length).toBe(n);
      const got = new Map(keys.map((key, i) => [new DataView(key.buffer).getUint32(0, true), readU64(values[i]!)]));
      for (let i = 0; i < n; i++) expect(got.get(i)).toBe(BigInt(i) * 3n);

      const pages = [...mapLookupBatchPages(map, 4, 8, 100)];
      expect(pages.length).toBeGreaterThan(1);
      expect(pages.reduce((s, p) => s + p.count, 0)).toBe(n);

      // the same entries as views into pages of 100, each key with its own value
      const viewed = new Map<number, bigint>();
      for (const { key, value } of mapEntryViews(map, 4, 8, 100)) {
        expect(key.byteLength).toBe(4);
        viewed.set(new DataView(key.buffer, key.byteOffset).getUint32(0, true), readU64(value.slice()));
      }
      expect(viewed).toEqual(got);
      for (let i = 0; i < n; i++) mapDelete(map, u32(i));
      expect(mapLookupBatch(map, 4, 8).keys).toEqual([]);
    });

    it("reports its info", () => {
      const info = objGetInfoByFd(map);
      expect(info).toMatchObject({ kind: "map", type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 1024, name: "test_hash" });
      expect(info.id).toBeGreaterThan(0);
    });
  });

  it("reads an array map in batches", () => {
    using arr = mapCreate({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 10 });
    mapUpdate(arr, u32(3), u64(33n));
    const { keys, values } = mapEntries(arr, 4, 8);
    expect(keys.length).toBe(10);
    expect(readU64(values[3]!)).toBe(33n);
  });

  it("pushes to and peeks at a queue map (key_size 0: NULL key)", () => {
    using q = mapCreate({ type: MapType.QUEUE, keySize: 0, valueSize: 4, maxEntries: 4 });
    mapUpdate(q, new Uint8Array(0), u32(11));
    mapUpdate(q, new Uint8Array(0), u32(22));
    expect([...mapLookup(q, new Uint8Array(0), 4)!]).toEqual([...u32(11)]);
  });

  it("reports the empty-log refusal of a BPF trampoline as a SyscallError with hints", () => {
    let err: unknown;
    try {
      // fentry on BTF id 1: refused before the verifier here (PLATFORM.md); elsewhere the
      // verifier explains why id 1 is not a function.
      progLoad({
        type: ProgType.TRACING,
        expectedAttachType: AttachType.TRACE_FENTRY,
        attachBtfId: 1,
        insns: prog(insn(MOV64_IMM, 0, 0, 0, 0), insn(EXIT, 0, 0, 0, 0)),
        name: "fentry_test",
      });
    } catch (e) {
      err = e;
    }
    expect(err instanceof SyscallError || err instanceof VerifierError).toBe(true);
    if (err instanceof SyscallError) {
      expect(err.message).toMatch(/^load program "fentry_test": BPF_PROG_LOAD: E[A-Z0-9]+ \(/);
      if (err.code === "EPERM") expect(err.hints.join("\n")).toMatch(/trampolines/);
    }
  });

  it("types the batch refusal of a map without batch ops and falls back", () => {
    using q = mapCreate({ type: MapType.QUEUE, keySize: 0, valueSize: 4, maxEntries: 4 });
    expect(() => mapLookupBatch(q, 0, 4)).toThrow(BatchUnsupportedError);
    using stack = mapCreate({ type: MapType.STACK_TRACE, keySize: 4, valueSize: 8 * 127, maxEntries: 16 });
    let err: unknown;
    try {
      mapLookupBatch(stack, 4, 8 * 127);
    } catch (e) {
      err = e;
    }
    // Stack trace maps have no batch ops: typed refusal, then get_next_key fallback.
    expect(err).toBeInstanceOf(BatchUnsupportedError);
    expect(mapEntries(stack, 4, 8 * 127).keys).toEqual([]);
    // the views fall back to get_next_key + lookup as well
    expect([...mapEntryViews(stack, 4, 8 * 127)]).toEqual([]);
  });

  it("counts program runs and their time while BPF stats are enabled", () => {
    using p = progLoad({
      type: ProgType.RAW_TRACEPOINT,
      insns: prog(insn(MOV64_IMM, 0, 0, 0, 0), insn(EXIT, 0, 0, 0, 0)),
      name: "stats_test",
    });
    const runs = () => (objGetInfoByFd(p) as { runCount: bigint }).runCount;
    const before = runs();
    {
      using _stats = enableStats();
      for (let i = 0; i < 5; i++) progTestRun(p, new Uint8Array(8));
      expect(runs() - before).toBe(5n);
      expect((objGetInfoByFd(p) as { runTimeNs: bigint }).runTimeNs).toBeGreaterThan(0n);
    }
  });

  it("names the failing command and errno", () => {
    let err: unknown;
    try {
      mapCreate({ type: MapType.HASH, keySize: 0, valueSize: 8, maxEntries: 1, name: "bad" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyscallError);
    expect((err as SyscallError).call).toBe("BPF_MAP_CREATE");
    expect((err as SyscallError).code).toBe("EINVAL");
    expect((err as SyscallError).message).toBe('create map "bad": BPF_MAP_CREATE: EINVAL (invalid argument)');
  });

  it("loads r0 = 0; exit as a raw tracepoint program and runs it", () => {
    using p = progLoad({
      type: ProgType.RAW_TRACEPOINT,
      insns: prog(insn(MOV64_IMM, 0, 0, 0, 7), insn(EXIT, 0, 0, 0, 0)),
      name: "ret7",
    });
    expect(progTestRun(p, new Uint8Array(8)).retval).toBe(7);
    const info = objGetInfoByFd(p);
    expect(info).toMatchObject({ kind: "prog", type: ProgType.RAW_TRACEPOINT, name: "ret7" });
    expect(loadedProgIds()).toContain(info.id);
    using again = progGetFdById(info.id);
    expect(objGetInfoByFd(again).id).toBe(info.id);
  });

  it("returns the verifier log when asked", () => {
    const { fd, log } = progLoadWithLog({
      type: ProgType.RAW_TRACEPOINT,
      insns: prog(insn(MOV64_IMM, 0, 0, 0, 0), insn(EXIT, 0, 0, 0, 0)),
      logLevel: 2,
    });
    fd.close();
    expect(log).toMatch(/processed 2 insns/);
  });

  it("throws VerifierError with the log for an invalid program", () => {
    let err: unknown;
    try {
      progLoad({ type: ProgType.RAW_TRACEPOINT, insns: prog(insn(EXIT, 0, 0, 0, 0)), name: "bad" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VerifierError);
    const v = err as VerifierError;
    expect(v.code).toBe("EACCES");
    expect(v.summary).toMatch(/R0 !read_ok/);
    expect(v.log).toMatch(/R0 !read_ok/);
    expect(v.log).toMatch(/processed 1 insns/);
    expect(v.message).toMatch(/^load program "bad": verifier rejected the program: R0 !read_ok/);
  });

  it("runs a program that updates a map with its context argument", () => {
    using m = mapCreate({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    // *(u32 *)(fp-4) = 0; r2 = fp-4; r3 = ctx->args[0]; *(u32 *)(fp-8) = r3; r3 = fp-8
    // r1 = map; r4 = 0; call bpf_map_update_elem (2); r0 = 0; exit
    const insns = prog(
      insn(ST_W, 10, 0, -4, 0),
      insn(0x61, 3, 1, 0, 0), // r3 = *(u32 *)(r1 + 0)  BPF_LDX | BPF_MEM | BPF_W
      insn(STX_W, 10, 3, -8, 0),
      insn(MOV64_REG, 2, 10, 0, 0),
      insn(ADD64_IMM, 2, 0, 0, -4),
      insn(MOV64_REG, 3, 10, 0, 0),
      insn(ADD64_IMM, 3, 0, 0, -8),
      insn(LD_IMM64, 1, PSEUDO_MAP_FD, 0, m.fd),
      insn(0, 0, 0, 0, 0),
      insn(MOV64_IMM, 4, 0, 0, 0),
      insn(CALL, 0, 0, 0, 2),
      insn(MOV64_IMM, 0, 0, 0, 0),
      insn(EXIT, 0, 0, 0, 0),
    );
    using p = progLoad({ type: ProgType.RAW_TRACEPOINT, insns, name: "upd" });
    expect(progTestRun(p, u64(0xabcdefn)).retval).toBe(0);
    expect(new DataView(mapLookup(m, u32(0), 4)!.buffer).getUint32(0, true)).toBe(0xabcdef);
  });

  it("attaches to a raw tracepoint by name and refuses unknown names", () => {
    using p = progLoad({ type: ProgType.RAW_TRACEPOINT, insns: prog(insn(MOV64_IMM, 0, 0, 0, 0), insn(EXIT, 0, 0, 0, 0)) });
    using link = rawTracepointOpen("sys_enter", p);
    expect(link.closed).toBe(false);
    expect(() => rawTracepointOpen("no_such_tracepoint_xyz", p)).toThrow(
      /attach raw tracepoint "no_such_tracepoint_xyz": BPF_RAW_TRACEPOINT_OPEN: ENOENT/,
    );
  });
});
