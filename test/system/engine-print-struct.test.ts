// Struct values, live: print() of a tracepoint's args, of a kernel struct read through
// BTF and of a struct the program defines (read from user memory), and structs stored as
// map values, printed the way bpftrace prints records: `{ .field = value, ... }`.
import { afterAll, describe, expect, it } from "vitest";
import { formatMap, formatMapJson } from "../../bpf/output/index.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { REQUEST_STRUCT, startC, workloadBinary } from "../helpers/workload.ts";
import { mapOf, newSession, traceWorkload } from "../helpers/engine.ts";

const N = 3;

describe.skipIf(skipWithoutBpf())("engine: struct values", () => {
  const session = newSession();
  afterAll(() => session.close());

  it("print(args) in a tracepoint prints every field, __data_loc strings included", async () => {
    const w = await startC(["openat", String(N), "/tmp/tracebook-missing/print-args"]);
    const prog = "tracepoint:syscalls:sys_enter_openat /pid == $1/ { print(args); }";
    const r = await traceWorkload(session, prog, w);
    expect(r.lines).toHaveLength(N);
    for (const l of r.lines) expect(l).toMatch(/^\{ \.__syscall_nr = 257, \.dfd = 4294967196, \.filename = 0x[0-9a-f]+, \.flags = 0, \.mode = \d+ \}$/);
  });

  it("print(*ptr) of a user struct through BTF, and the struct as a map value", async () => {
    const w = await startC(["sleep", String(N), "1234567"]);
    const prog = "tracepoint:syscalls:sys_enter_clock_nanosleep /pid == $1/ { print(*args.rqtp); @ts[comm] = *args.rqtp; $t = *args.rqtp; @last = $t; }";
    const r = await traceWorkload(session, prog, w, { origin: "cell[2]" });
    expect(r.lines).toEqual(Array(N).fill("{ .tv_sec = 0, .tv_nsec = 1234567 }"));
    expect(formatMap(mapOf(r.maps, "@ts"))).toBe("@ts[myapp]: { .tv_sec = 0, .tv_nsec = 1234567 }\n");
    expect(formatMap(mapOf(r.maps, "@last"))).toBe("@last: { .tv_sec = 0, .tv_nsec = 1234567 }\n");
    expect(formatMapJson(mapOf(r.maps, "@ts"))).toBe('{"type": "map", "data": {"@ts": {"myapp": {"tv_sec": 0, "tv_nsec": 1234567}}}}\n');
  });

  it("a program-defined struct with bitfields, printed and stored", async () => {
    const w = await startC(["struct", String(N)]);
    const prog = `${REQUEST_STRUCT}uprobe:${workloadBinary()}:handleStruct {
  $r = (struct request *)arg0;
  print(*$r);
  @next = *$r->next;
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[3]" });
    expect(r.lines).toHaveLength(N);
    for (const l of r.lines) expect(l).toMatch(/^\{ \.id = 7, \.name = alpha, \.next = 0x[0-9a-f]+, \.flags = 5, \.more = 300, \.total = 1099511627776 \}$/);
    expect(formatMap(mapOf(r.maps, "@next"))).toBe("@next: { .id = 42, .name = beta, .next = 0x0, .flags = 1, .more = 0, .total = 0 }\n");
  });

  it("a program-defined struct with nested definitions, named and anonymous, printed, stored and measured with offsetof", async () => {
    const w = await startC(["struct", String(N)]);
    const prog = `struct view { struct head { int id; char name[12]; } h; struct { struct request *next; }; unsigned int bits; }
uprobe:${workloadBinary()}:handleStruct {
  print(*(struct view *)arg0);
  @v = *(struct view *)arg0;
  @off = (offsetof(struct view, h.name), offsetof(struct view, next), offsetof(struct view, bits));
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[5]" });
    expect(r.lines).toHaveLength(N);
    for (const l of r.lines) expect(l).toMatch(/^\{ \.h = \{ \.id = 7, \.name = alpha \}, \.next = 0x[0-9a-f]+, \.bits = 2405 \}$/);
    expect(formatMap(mapOf(r.maps, "@v"))).toMatch(/^@v: \{ \.h = \{ \.id = 7, \.name = alpha \}, \.next = 0x[0-9a-f]+, \.bits = 2405 \}\n$/);
    expect(formatMap(mapOf(r.maps, "@off"))).toBe("@off: (4, 16, 24)\n");
  });

  it("a struct as a map key, alone, with another key, from a variable and from another map", async () => {
    const w = await startC(["struct", String(N)]);
    const prog = `struct K { int id; char name[12]; }
uprobe:${workloadBinary()}:handleStruct {
  @kk[*(struct K *)arg0] = count();
  @km[*(struct K *)arg0, 5] = 1;
  $v = *(struct K *)arg0; @kv[$v] = 2;
  @kx = *(struct K *)arg0; @ky[@kx] = 3;
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[6]" });
    expect(formatMap(mapOf(r.maps, "@kk"))).toBe(`@kk[{ .id = 7, .name = alpha }]: ${N}\n`);
    expect(formatMap(mapOf(r.maps, "@km"))).toBe("@km[{ .id = 7, .name = alpha }, 5]: 1\n");
    expect(formatMap(mapOf(r.maps, "@kv"))).toBe("@kv[{ .id = 7, .name = alpha }]: 2\n");
    expect(formatMap(mapOf(r.maps, "@ky"))).toBe("@ky[{ .id = 7, .name = alpha }]: 3\n");
  });

  it("print() of a kernel struct nests its struct members", async () => {
    const r = await traceWorkload(session, "BEGIN { print(*curtask->fs); exit(); }", undefined, { origin: "cell[4]" });
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^\{ \.users = \d+, \.seq = \{ \.seqcount = .* \.root = \{ \.mnt = 0x[0-9a-f]+, \.dentry = 0x[0-9a-f]+ \}, \.pwd = \{ \.mnt = 0x[0-9a-f]+, \.dentry = 0x[0-9a-f]+ \} \}$/);
  });
});
