// User-space halves of the functions the kernel only records: strftime (C locale,
// bpftrace's %f/%l/%k, boot time → wall clock), ntop (glibc's inet_ntop), macaddr, the
// join record and cat. Expected strings were produced by GNU date and Python's inet_ntop.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatBootTimestamp, strftime } from "../../bpf/output/strftime.ts";
import { inetText, ipv4Text, ipv6Text, macText } from "../../bpf/output/value-format.ts";
import { catFile, MAX_CAT_BYTES } from "../../bpf/runtime/async-actions.ts";
import { joinText } from "../../bpf/functions/output.ts";
import { decodeValue } from "../../bpf/maps/codec.ts";
import { pidOffsets } from "../../bpf/maps/user-pids.ts";
import { buildIdFrames } from "../../bpf/functions/stacks.ts";
import { valueText } from "../../bpf/output/value-text.ts";

process.env.TZ = "UTC";

const ALL = "%a %A %b %B %h|%c|%C %d %D %e %F|%g %G %V|%H %I %j %m %M %p|%r|%R %S %T|%u %U %w %W|%x %X %y %Y %z %Z %%|%n|%t";

describe("strftime", () => {
  // `TZ=UTC LC_ALL=C date -d @SECS +"$ALL"`
  it.each([
    [1795621068, "Wed Wednesday Nov November Nov|Wed Nov 25 15:37:48 2026|20 25 11/25/26 25 2026-11-25|26 2026 48|15 03 329 11 37 PM|03:37:48 PM|15:37 48 15:37:48|3 47 3 47|11/25/26 15:37:48 26 2026 +0000 UTC %|\n|\t"],
    [1798794303, "Fri Friday Jan January Jan|Fri Jan  1 09:05:03 2027|20 01 01/01/27  1 2027-01-01|26 2026 53|09 09 001 01 05 AM|09:05:03 AM|09:05 03 09:05:03|5 00 5 00|01/01/27 09:05:03 27 2027 +0000 UTC %|\n|\t"],
    [1735516800, "Mon Monday Dec December Dec|Mon Dec 30 00:00:00 2024|20 30 12/30/24 30 2024-12-30|25 2025 01|00 12 365 12 00 AM|12:00:00 AM|00:00 00 00:00:00|1 52 1 53|12/30/24 00:00:00 24 2024 +0000 UTC %|\n|\t"],
    [1772409599, "Sun Sunday Mar March Mar|Sun Mar  1 23:59:59 2026|20 01 03/01/26  1 2026-03-01|26 2026 09|23 11 060 03 59 PM|11:59:59 PM|23:59 59 23:59:59|7 09 0 08|03/01/26 23:59:59 26 2026 +0000 UTC %|\n|\t"],
  ])("every conversion at %i as GNU date prints it", (secs, expected) => {
    expect(strftime(ALL, new Date(secs * 1000))).toBe(expected);
  });

  it("%f, %l, %k are the micro-, milli- and nanoseconds of the second, zero padded", () => {
    expect(strftime("%H:%M:%S.%f|%l|%k", new Date(1795621068_000), 42_053_007)).toBe("15:37:48.042053|042|042053007");
    expect(strftime("%f %l %k", new Date(1795621068_000), 0)).toBe("000000 000 000000000");
  });

  it("an unknown conversion is left as written (glibc prints %+ and %Q as is)", () => {
    expect(strftime("%Q %+ 100%", new Date(0))).toBe("%Q %+ 100%");
  });

  it("nanoseconds since boot + realtime at boot = wall clock; the epoch prints (?)", () => {
    const atBoot = 1795621000_000_000_000n;
    expect(formatBootTimestamp("%H:%M:%S.%f", 68_442_053_999n, atBoot)).toBe("15:37:48.442053");
    expect(formatBootTimestamp("%s %k", 999_999_999n, atBoot)).toBe("1795621000 999999999");
    expect(formatBootTimestamp("%H", 5n, 0n)).toBe("(?)");
  });

  it("a timestamp value decodes with the format of its type", () => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, 68_000_000_000n, true);
    const v = decodeValue({ k: "timestamp", format: "%T" }, b, 0, { stack: () => [], symbol: () => "", realtimeAtBoot: () => 1795621000_000_000_000n });
    expect(v).toEqual({ kind: "text", text: "15:37:48", origin: "timestamp" });
  });
});

describe("ntop and macaddr", () => {
  it("IPv4: network byte order, dotted quad", () => {
    expect(ipv4Text(Uint8Array.of(127, 0, 0, 1))).toBe("127.0.0.1");
    expect(inetText(2, Uint8Array.of(192, 168, 1, 2, 9, 9, 9, 9))).toBe("192.168.1.2");
  });

  // Python's socket.inet_ntop (glibc) on the same bytes.
  it.each([
    ["00000000000000000000000000000001", "::1"],
    ["00000000000000000000000000000000", "::"],
    ["fe800000000000000000000000000001", "fe80::1"],
    ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"],
    ["00000000000000000000ffff01020304", "::ffff:1.2.3.4"],
    ["00010000000000000000000000000008", "1::8"],
    ["00000000000000000000000001020304", "::1.2.3.4"],
    ["00010002000300040005000600070008", "1:2:3:4:5:6:7:8"],
    ["00010000000000020000000000000003", "1:0:0:2::3"],
    ["00000000000100000000000000000000", "0:0:1::"],
    ["00000002000300040005000600070008", "0:2:3:4:5:6:7:8"],
  ])("IPv6 %s is %s", (hex, text) => {
    expect(ipv6Text(Buffer.from(hex, "hex"))).toBe(text);
    expect(inetText(10, Buffer.from(hex, "hex"))).toBe(text);
  });

  it("macaddr: upper-case hex, colon separated", () => {
    expect(macText(Uint8Array.of(0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e, 0xff))).toBe("00:1B:21:3C:4D:5E");
  });
});

describe("join and cat records", () => {
  function joinRecord(parts: string[], count = 4, size = 8): Uint8Array {
    const rec = new Uint8Array(8 + count * size);
    parts.forEach((p, i) => rec.set(Buffer.from(p).subarray(0, size - 1), 8 + i * size));
    return rec;
  }

  it("join: the strings up to the first empty one, with the separator, then a newline", () => {
    expect(joinText(joinRecord(["ls", "-l", "/tmp"]), " ", 4, 8)).toBe("ls -l /tmp\n");
    expect(joinText(joinRecord(["a", "", "c"]), ",", 4, 8)).toBe("a\n");
    expect(joinText(joinRecord(["a", "b", "c", "d"]), "--", 4, 8)).toBe("a--b--c--d\n");
    expect(joinText(joinRecord([]), " ", 4, 8)).toBe("\n");
  });

  it("cat: the file as is, at most max_cat_bytes; a missing file is an error for stderr", () => {
    const dir = mkdtempSync(join(tmpdir(), "tb-cat-"));
    writeFileSync(join(dir, "small"), "a\nb");
    writeFileSync(join(dir, "big"), "x".repeat(MAX_CAT_BYTES + 10));
    expect(catFile(join(dir, "small"))).toEqual({ out: "a\nb" });
    expect(catFile(join(dir, "big")).out).toHaveLength(MAX_CAT_BYTES);
    expect(catFile(join(dir, "small"), 1)).toEqual({ out: "a" });
    expect(catFile(join(dir, "big"), 20_000).out).toHaveLength(MAX_CAT_BYTES + 10);
    expect(catFile(join(dir, "none"))).toEqual({ out: "", err: `ERROR: failed to open file '${join(dir, "none")}' (No such file or directory)\n` });
  });
});

describe("user stacks and usym carry their pid", () => {
  it("a ustack's pid is the high half of its u64; usym's is the second u64; inside tuples too", () => {
    expect(pidOffsets({ k: "stack", user: true })).toEqual([4]);
    expect(pidOffsets({ k: "stack", user: false })).toEqual([]);
    expect(pidOffsets({ k: "sym", user: true })).toEqual([8]);
    expect(pidOffsets({ k: "tuple", elements: [{ k: "int", bits: 32, signed: false }, { k: "stack", user: true }] })).toEqual([12]);
  });

  it("decoding splits stack id and pid, passes the frame limit, mode and show_debug_info; inlined lines do not count", () => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, (4321n << 32n) | 7n, true);
    const seen: unknown[] = [];
    // the symbolizer reads `depth` addresses; a function inlined at one is a line of its own
    const frames = ["[inlined] f@x.c:3", "a+1@x.c:9", "b+2"];
    const sym = { stack: (id: bigint, user: boolean, o?: object) => (seen.push([id, user, o]), frames), symbol: () => "" };
    expect(decodeValue({ k: "stack", user: true, limit: 2, mode: "perf" }, b, 0, sym)).toEqual({ kind: "stack", frames, user: true, mode: "perf", truncated: true });
    // a stack that did not fill its limit is whole
    expect(decodeValue({ k: "stack", user: true, limit: 3, debugInfo: false }, b, 0, sym)).toEqual({ kind: "stack", frames, user: true });
    expect(seen).toEqual([[7n, true, { pid: 4321, mode: "perf", depth: 2 }], [7n, true, { pid: 4321, depth: 3, debugInfo: false }]]);
    new DataView(b.buffer).setBigUint64(0, (4321n << 32n) | 0xfffffff2n, true); // -EFAULT
    expect(decodeValue({ k: "stack", user: true }, b, 0, sym)).toEqual({ kind: "stack", frames: [], user: true });
  });
});

describe("ustack(build_id)", () => {
  /** struct bpf_stack_build_id: s32 status, u8 build_id[20], padding, u64 offset (or ip). */
  function frame(status: number, id: number[], at: bigint): Uint8Array {
    const f = new Uint8Array(32);
    const dv = new DataView(f.buffer);
    dv.setInt32(0, status, true);
    f.set(id, 4);
    dv.setBigUint64(24, at, true);
    return f;
  }
  const id = Array.from({ length: 20 }, (_, i) => (i % 16) * 17);
  const hexId = "00112233445566778899aabbccddeeff00112233";

  it("frames print as format_build_id_stack does: 40 hex digits and the file offset (two digits at least), the bare ip on fallback, up to the first empty frame", () => {
    const value = new Uint8Array(32 * 5);
    value.set(frame(1, id, 0x1126n), 0);
    value.set(frame(1, id, 0x5n), 32);
    value.set(frame(2, [], 0x7f0012345678n), 64);
    value.set(frame(1, id, 0x99n), 128); // after the empty frame at 96: not read
    expect(buildIdFrames(value)).toEqual([`${hexId} 0x1126`, `${hexId} 0x05`, "7f0012345678"]);
    expect(buildIdFrames(undefined)).toEqual([]);
  });

  it("a value reads the build-id stack map of its depth, and prints unindented", () => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, (4321n << 32n) | 3n, true);
    const seen: unknown[] = [];
    const sym = { stack: () => ["wrong"], symbol: () => "", buildIdStack: (i: bigint, depth: number) => (seen.push([i, depth]), frame(1, id, 0x40n)) };
    const v = decodeValue({ k: "stack", user: true, mode: "build_id", limit: 30 }, b, 0, sym);
    expect(v).toEqual({ kind: "stack", frames: [`${hexId} 0x40`], user: true, mode: "build_id" });
    expect(seen).toEqual([[3n, 30]]);
    expect(valueText(v)).toBe(`\n${hexId} 0x40\n`);
  });
});
