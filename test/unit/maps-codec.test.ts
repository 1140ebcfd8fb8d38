// Decoding map entries that are views into one shared batch page (as Session.snapshot reads
// them: native.mapEntryViews) gives what decoding separate copies gives, and a read past a
// view's end is still refused although the page goes on.
import { describe, expect, it } from "vitest";
import { decodeMap, decodeValue, strCut } from "../../bpf/maps/codec.ts";
import type { MapInfo } from "../../bpf/types/map-info.ts";
import { s32, str, u64 } from "../../bpf/types/types.ts";

const countMap = (keyTypes: MapInfo["keyTypes"]): MapInfo => ({ name: "@m", valueKind: "count", keyTypes, valueType: u64, maxEntries: 16, origin: "test" });

/** Entries laid out one after another in one buffer, starting at an odd offset. */
function page(entries: { key: Uint8Array; value: Uint8Array }[]): { key: Uint8Array; value: Uint8Array }[] {
  const keySize = entries[0]!.key.length;
  const valueSize = entries[0]!.value.length;
  const buf = new Uint8Array(3 + entries.length * (keySize + valueSize));
  const out: { key: Uint8Array; value: Uint8Array }[] = [];
  let at = 3;
  for (const e of entries) {
    buf.set(e.key, at);
    buf.set(e.value, at + keySize);
    out.push({ key: buf.subarray(at, at + keySize), value: buf.subarray(at + keySize, at + keySize + valueSize) });
    at += keySize + valueSize;
  }
  return out;
}

const u32le = (n: number) => new Uint8Array(new Int32Array([n]).buffer);
const perCpu = (...counts: bigint[]) => new Uint8Array(new BigInt64Array(counts).buffer);
const cstr = (s: string, size: number) => {
  const b = new Uint8Array(size);
  b.set(Buffer.from(s));
  return b;
};

describe("map codec over views of a batch page", () => {
  it("decodes int keys and per-CPU counts as it does copies", () => {
    const info = countMap([s32]);
    const raw = [-5, 0, 7, 1 << 30].map((k, i) => ({ key: u32le(k), value: perCpu(BigInt(i + 1), 10n) }));
    const fromCopies = decodeMap(info, raw, 2);
    const fromViews = decodeMap(info, page(raw), 2);
    expect(fromViews).toEqual(fromCopies);
    expect(fromViews.entries.map((e) => [e.key[0], e.value])).toEqual([
      [{ kind: "int", value: -5n, signed: true }, { kind: "count", value: 11n }],
      [{ kind: "int", value: 0n, signed: true }, { kind: "count", value: 12n }],
      [{ kind: "int", value: 7n, signed: true }, { kind: "count", value: 13n }],
      [{ kind: "int", value: 1073741824n, signed: true }, { kind: "count", value: 14n }],
    ]);
  });

  it("decodes string keys up to their NUL, each from its own place in the page", () => {
    const info = countMap([str(16)]);
    const raw = ["/etc/passwd", "", "sixteen-bytes-xx"].map((s) => ({ key: cstr(s, 16), value: perCpu(1n) }));
    const snap = decodeMap(info, page(raw), 1);
    expect(snap.entries.map((e) => e.key[0])).toEqual([
      { kind: "str", value: "/etc/passwd" },
      { kind: "str", value: "" },
      { kind: "str", value: "sixteen-bytes-xx" },
    ]);
  });

  it("a string of str()'s size (max_strlen below 1024) that fills its bytes without a NUL was cut: it gets the trailer, in tuples too", () => {
    const cut = strCut({ maxStrlen: 4, strTruncTrailer: ".." });
    expect(decodeValue(str(4), cstr("abcd", 4), 0, undefined, cut)).toEqual({ kind: "str", value: "abcd.." });
    expect(decodeValue(str(4), cstr("abc", 4), 0, undefined, cut)).toEqual({ kind: "str", value: "abc" });
    // a char array of another size that fills it is whole (bpftrace reads a byte more of those)
    expect(decodeValue(str(5), cstr("hello", 5), 0, undefined, cut)).toEqual({ kind: "str", value: "hello" });
    const custom = strCut({ maxStrlen: 4, strTruncTrailer: "_xxx" });
    expect(decodeValue(str(4), cstr("abcd", 4), 0, undefined, custom)).toEqual({ kind: "str", value: "abcd_xxx" });
    const pair = new Uint8Array([...cstr("ab", 4), ...cstr("wxyz", 4)]);
    expect(decodeValue({ k: "tuple", elements: [str(4), str(4)] }, pair, 0, undefined, strCut({ maxStrlen: 4, strTruncTrailer: "~" }))).toEqual({
      kind: "tuple",
      elements: [{ kind: "str", value: "ab" }, { kind: "str", value: "wxyz~" }],
    });
    // from 1024 on, str() keeps its NUL and cuts nothing
    expect(strCut({ maxStrlen: 1024, strTruncTrailer: ".." })).toBeUndefined();
    expect(decodeValue(str(4), cstr("abcd", 4), 0)).toEqual({ kind: "str", value: "abcd" });
  });

  it("refuses a read past the end of a view although the page goes on", () => {
    const [first] = page([{ key: u32le(1), value: perCpu(1n) }, { key: u32le(2), value: perCpu(2n) }]);
    expect(() => decodeValue(u64, first!.key, 0)).toThrow(RangeError);
  });
});
