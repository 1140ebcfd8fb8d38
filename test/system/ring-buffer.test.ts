// The ring buffer consumer against real BPF_MAP_TYPE_RINGBUF maps, fed by raw tracepoint
// programs run with BPF_PROG_TEST_RUN: exact counts, order, bytes, wrap-around, discards,
// a full buffer, and wake-up through the event loop.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import {
  MapType,
  ProgType,
  mapCreate,
  progLoad,
  progTestRun,
  openFdCount,
  openMappingCount,
  pageSize,
  waitReadable,
  type OwnedFd,
} from "../../native/index.ts";
import { insn, prog, MOV64_IMM, MOV64_REG, ADD64_IMM, AND64_IMM, LDX_DW, STX_DW, LD_IMM64, JEQ_IMM, JNE_IMM, JA, CALL, EXIT } from "../helpers/raw-insn.ts";
import { RingBuffer } from "../../bpf/maps/ring-buffer.ts";

const PSEUDO_MAP_FD = 1; // BPF_PSEUDO_MAP_FD
const FN_RINGBUF_OUTPUT = 130; // BPF_FUNC_ringbuf_output
const FN_RINGBUF_RESERVE = 131; // BPF_FUNC_ringbuf_reserve
const FN_RINGBUF_SUBMIT = 132; // BPF_FUNC_ringbuf_submit
const FN_RINGBUF_DISCARD = 133; // BPF_FUNC_ringbuf_discard

/**
 * args[0] is a u64 pattern written 8 times to fp-64..fp-1; args[1] & 63, plus one, is
 * the record size. bpf_ringbuf_output(map, fp-64, size, 0); returns what the helper did.
 */
function outputProgram(mapFd: number): Uint8Array {
  const stores = Array.from({ length: 8 }, (_, i) => insn(STX_DW, 10, 2, -64 + i * 8, 0));
  return prog(
    insn(LDX_DW, 2, 1, 0, 0), // r2 = ctx->args[0]
    insn(LDX_DW, 3, 1, 8, 0), // r3 = ctx->args[1]
    ...stores,
    insn(AND64_IMM, 3, 0, 0, 63),
    insn(ADD64_IMM, 3, 0, 0, 1), // r3 in [1, 64]
    insn(LD_IMM64, 1, PSEUDO_MAP_FD, 0, mapFd),
    insn(0, 0, 0, 0, 0),
    insn(MOV64_REG, 2, 10, 0, 0),
    insn(ADD64_IMM, 2, 0, 0, -64),
    insn(MOV64_IMM, 4, 0, 0, 0),
    insn(CALL, 0, 0, 0, FN_RINGBUF_OUTPUT), // r0 = 0 or -EAGAIN
    insn(EXIT, 0, 0, 0, 0),
  );
}

/** Reserves 16 bytes, writes args[0] and args[1], then discards if args[2] != 0 else submits. */
function reserveProgram(mapFd: number): Uint8Array {
  return prog(
    insn(MOV64_REG, 6, 1, 0, 0), // 0: r6 = ctx
    insn(LD_IMM64, 1, PSEUDO_MAP_FD, 0, mapFd), // 1
    insn(0, 0, 0, 0, 0), // 2
    insn(MOV64_IMM, 2, 0, 0, 16), // 3
    insn(MOV64_IMM, 3, 0, 0, 0), // 4
    insn(CALL, 0, 0, 0, FN_RINGBUF_RESERVE), // 5
    insn(JEQ_IMM, 0, 0, 11, 0), // 6: if r0 == 0 goto 18
    insn(LDX_DW, 7, 6, 0, 0), // 7
    insn(STX_DW, 0, 7, 0, 0), // 8
    insn(LDX_DW, 7, 6, 8, 0), // 9
    insn(STX_DW, 0, 7, 8, 0), // 10
    insn(LDX_DW, 7, 6, 16, 0), // 11
    insn(MOV64_REG, 1, 0, 0, 0), // 12
    insn(MOV64_IMM, 2, 0, 0, 0), // 13
    insn(JNE_IMM, 7, 0, 2, 0), // 14: if r7 != 0 goto 17
    insn(CALL, 0, 0, 0, FN_RINGBUF_SUBMIT), // 15
    insn(JA, 0, 0, 1, 0), // 16: goto 18
    insn(CALL, 0, 0, 0, FN_RINGBUF_DISCARD), // 17
    insn(MOV64_IMM, 0, 0, 0, 0), // 18
    insn(EXIT, 0, 0, 0, 0), // 19
  );
}

const ctx = (...args: bigint[]) => new Uint8Array(new BigUint64Array(args).buffer);

/** The bytes outputProgram writes for record i. */
function expected(i: number): { ctx: Uint8Array; bytes: Uint8Array } {
  const pattern = Array.from({ length: 8 }, (_, b) => (i * 8 + b) & 0xff);
  const word = new DataView(new Uint8Array(pattern).buffer).getBigUint64(0, true);
  const size = ((i * 7) % 64) + 1;
  const bytes = new Uint8Array(size).map((_, j) => pattern[j % 8]!);
  return { ctx: ctx(word, BigInt(size - 1)), bytes };
}

describe.skipIf(skipWithoutBpf())("RingBuffer", () => {
  const size = pageSize(); // the smallest ring: wraps quickly
  let fdBaseline = 0;
  let mapBaseline = 0;
  let map: OwnedFd;
  let output: OwnedFd;

  beforeAll(() => {
    fdBaseline = openFdCount();
    mapBaseline = openMappingCount();
    map = mapCreate({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: size, name: "events" });
    output = progLoad({ type: ProgType.RAW_TRACEPOINT, insns: outputProgram(map.fd), name: "rb_output" });
  });
  afterAll(() => {
    output.close();
    map.close();
    expect(openFdCount()).toBe(fdBaseline);
    expect(openMappingCount()).toBe(mapBaseline);
  });

  it("delivers exactly N records in order with their bytes, across wrap-arounds", () => {
    using rb = RingBuffer.open(map, size);
    const got: Uint8Array[] = [];
    const n = 1000; // ~40 bytes each: about ten trips around a 4 KiB ring
    for (let i = 0; i < n; i++) {
      expect(progTestRun(output, expected(i).ctx).retval).toBe(0);
      if (i % 25 === 24) expect(rb.drain((r) => got.push(r))).toBe(25);
    }
    expect(rb.drain((r) => got.push(r))).toBe(0);
    expect(rb.pending()).toBe(0);
    expect(got.length).toBe(n);
    for (let i = 0; i < n; i++) expect(got[i]).toEqual(expected(i).bytes);
  });

  it("honours max and keeps the rest for the next drain", () => {
    using rb = RingBuffer.open(map, size);
    for (let i = 0; i < 10; i++) progTestRun(output, expected(i).ctx);
    const got: Uint8Array[] = [];
    expect(rb.drain((r) => got.push(r), 4)).toBe(4);
    expect(rb.drain((r) => got.push(r))).toBe(6);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => expected(i).bytes));
  });

  it("hands views of the mapping with views: one ArrayBuffer, the space kept until the callback returns", () => {
    using rb = RingBuffer.open(map, size);
    for (let i = 0; i < 10; i++) progTestRun(output, expected(i).ctx);
    const buffers = new Set<ArrayBufferLike>();
    let i = 0;
    const n = rb.drain((r) => {
      expect(r).toEqual(expected(i).bytes);
      buffers.add(r.buffer);
      // the record's space is still the reader's: the producer cannot have reused it
      expect(rb.pending()).toBeGreaterThan(0);
      i++;
    }, Infinity, true);
    expect(n).toBe(10);
    expect(buffers.size).toBe(1);
    expect(rb.pending()).toBe(0);
  });

  it("with views, a throwing callback loses that record only and gets no record twice", () => {
    using rb = RingBuffer.open(map, size);
    for (let i = 0; i < 5; i++) progTestRun(output, expected(i).ctx);
    const got: Uint8Array[] = [];
    expect(() =>
      rb.drain((r) => {
        if (got.length === 2) throw new Error("hook failed");
        got.push(r.slice());
      }, Infinity, true),
    ).toThrow("hook failed");
    rb.drain((r) => got.push(r.slice()), Infinity, true);
    expect(got).toEqual([0, 1, 3, 4].map((i) => expected(i).bytes));
    expect(rb.pending()).toBe(0);
  });

  it("refuses records when full and accepts them again once drained", () => {
    using rb = RingBuffer.open(map, size);
    const EAGAIN = 0xffffffff - 11 + 1; // (u32)-EAGAIN
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 200; i++) {
      const r = progTestRun(output, ctx(0x0102030405060708n, 63n)).retval; // 64 bytes + 8 header
      if (r === 0) accepted++;
      else {
        expect(r).toBe(EAGAIN);
        rejected++;
      }
    }
    expect(accepted).toBe(Math.floor(size / 72));
    expect(rejected).toBe(200 - accepted);
    expect(rb.drain(() => {})).toBe(accepted);
    expect(progTestRun(output, ctx(1n, 0n)).retval).toBe(0);
    expect(rb.drain(() => {})).toBe(1);
  });

  it("skips discarded records (reserve/submit/discard)", () => {
    using m = mapCreate({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: size });
    using p = progLoad({ type: ProgType.RAW_TRACEPOINT, insns: reserveProgram(m.fd), name: "rb_reserve" });
    using rb = RingBuffer.open(m, size);
    for (let i = 0; i < 20; i++) expect(progTestRun(p, ctx(BigInt(i), BigInt(i * i), BigInt(i % 3 === 0 ? 1 : 0))).retval).toBe(0);
    const got: bigint[][] = [];
    const n = rb.drain((r) => {
      expect(r.byteLength).toBe(16);
      const dv = new DataView(r.buffer, r.byteOffset);
      got.push([dv.getBigUint64(0, true), dv.getBigUint64(8, true)]);
    });
    const want = Array.from({ length: 20 }, (_, i) => i)
      .filter((i) => i % 3 !== 0)
      .map((i) => [BigInt(i), BigInt(i * i)]);
    expect(n).toBe(want.length);
    expect(got).toEqual(want);
    expect(rb.pending()).toBe(0);
  });

  it("wakes the event loop through poll when records arrive", async () => {
    using rb = RingBuffer.open(map, size);
    expect(waitReadable(map, 0)).toBe(false);
    const got: Uint8Array[] = [];
    let wakes = 0;
    const done = new Promise<void>((resolve) => {
      rb.onReadable(() => {
        wakes++;
        rb.drain((r) => got.push(r));
        if (got.length === 30) resolve();
      });
    });
    // Produce from timers, so each batch arrives while the loop is waiting.
    for (let batch = 0; batch < 3; batch++) {
      await new Promise((r) => setTimeout(r, 10));
      for (let i = 0; i < 10; i++) progTestRun(output, expected(batch * 10 + i).ctx);
    }
    await done;
    rb.onReadable(null);
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => expected(i).bytes));
    expect(wakes).toBeGreaterThanOrEqual(1);
    expect(wakes).toBeLessThanOrEqual(6); // woken per batch, not spinning
  });

  it("pauses a callback that does not drain instead of spinning", async () => {
    using rb = RingBuffer.open(map, size);
    let calls = 0;
    rb.onReadable(() => {
      calls++;
    });
    progTestRun(output, expected(0).ctx);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(1);
    // The next drain re-arms the watch.
    expect(rb.drain(() => {})).toBe(1);
    progTestRun(output, expected(1).ctx);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(2);
    rb.drain(() => {});
    rb.close();
    expect(rb.closed).toBe(true);
    expect(() => rb.drain(() => {})).toThrow(/closed ring buffer/);
  });

  it("keeps working when the map's own fd is closed first", () => {
    const m = mapCreate({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: size });
    const p = progLoad({ type: ProgType.RAW_TRACEPOINT, insns: outputProgram(m.fd) });
    const rb = RingBuffer.open(m, size);
    m.close(); // the program and the ring buffer's dup keep the map alive
    progTestRun(p, expected(3).ctx);
    const got: Uint8Array[] = [];
    expect(rb.drain((r) => got.push(r))).toBe(1);
    expect(got[0]).toEqual(expected(3).bytes);
    p.close();
    rb.close();
    rb.close(); // idempotent
  });

  it("checks the size against the map", () => {
    expect(() => RingBuffer.open(map, size * 2)).toThrow(`ring buffer map "events" has ${size} bytes, not ${size * 2}`);
    expect(() => RingBuffer.open(map, 3000)).toThrow(RangeError);
  });
});
