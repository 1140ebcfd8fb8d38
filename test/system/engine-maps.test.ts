// Maps are notebook-global: a map one cell writes is extended by the next cell in the same
// Session; a use with another type fails with a TypeError naming the first cell, and the
// map keeps its data.
import { afterAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startC } from "../helpers/workload.ts";
import { mapOf, newSession, scalar, traceWorkload } from "../helpers/engine.ts";
import { CompileFailure } from "../../bpf/session.ts";
import { describeError } from "../../bpf/errors.ts";
import * as native from "../../native/index.ts";

const MISSING = "/tmp/tracebook-missing/maps";
const COUNT = "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @x = count(); @byPid[pid] = count(); }";

describe.skipIf(skipWithoutBpf())("engine: maps across cells", () => {
  const fdsBefore = native.openFdCount();
  const session = newSession();
  afterAll(() => {
    session.close();
    expect(native.openFdCount()).toBe(fdsBefore);
  });

  it("a second cell adds to the count of the first", async () => {
    const w1 = await startC(["openat", "4", MISSING]);
    const r1 = await traceWorkload(session, COUNT, w1, { origin: "cell[1]" });
    expect(scalar(r1.maps, "@x")).toBe(4n);
    const w2 = await startC(["openat", "6", MISSING]);
    const r2 = await traceWorkload(session, COUNT, w2, { origin: "cell[2]" });
    expect(scalar(r2.maps, "@x")).toBe(10n);
    // keyed by pid: both workloads' entries are there, with their own counts
    const by = new Map(mapOf(r2.maps, "@byPid").entries.map((e) => [(e.key[0] as { value: bigint }).value, (e.value as { value: bigint }).value]));
    expect(by).toEqual(new Map([[BigInt(w1.pid), 4n], [BigInt(w2.pid), 6n]]));
    expect(session.snapshot("@x")?.entries[0]?.value).toEqual({ kind: "count", value: 10n });
  });

  it("a BEGIN-only cell reads and extends the map of another cell", async () => {
    const r = await traceWorkload(session, 'BEGIN { @x = count(); printf("x is there\\n"); exit(); }', undefined, { origin: "cell[3]" });
    expect(r.lines).toEqual(["x is there"]);
    expect(scalar(r.maps, "@x")).toBe(11n);
  });

  it("a conflicting use fails with a TypeError naming the first cell; the map is kept", async () => {
    const idsBefore = new Set(native.loadedProgIds());
    const fds = native.openFdCount();
    let err: unknown;
    try {
      await session.run("BEGIN { @x = hist(1); exit(); }", { origin: "cell[4]", output: () => {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CompileFailure);
    const d = describeError(err);
    expect(d.ename).toBe("TypeError");
    expect(d.text).toContain("cell[1]");
    expect(d.text).toContain("@x");
    expect(native.openFdCount()).toBe(fds);
    expect(native.loadedProgIds().filter((id) => !idsBefore.has(id))).toEqual([]);
    expect(session.snapshot("@x")?.entries[0]?.value).toEqual({ kind: "count", value: 11n });
    // and it is still usable as a count
    const w = await startC(["openat", "2", MISSING]);
    const r = await traceWorkload(session, COUNT, w, { origin: "cell[5]" });
    expect(scalar(r.maps, "@x")).toBe(13n);
  });

  it("a conflicting key type fails too", async () => {
    await expect(session.run('BEGIN { @byPid["x"] = count(); exit(); }', { origin: "cell[6]", output: () => {} })).rejects.toSatisfy(
      (e: unknown) => e instanceof CompileFailure && describeError(e).ename === "TypeError" && describeError(e).text.includes("cell[1]"),
    );
  });

  it("clear() and delete() in one cell act on the maps of another", async () => {
    const r = await traceWorkload(session, "BEGIN { delete(@byPid[$1]); clear(@x); exit(); }", undefined, { origin: "cell[7]", extra: ["1"] });
    expect(r.reason).toBe("exit");
    expect(session.snapshot("@x")?.entries ?? []).toEqual([]);
    const by = session.snapshot("@byPid")!;
    expect(by.entries).toHaveLength(3);
    const w = await startC(["openat", "3", MISSING]);
    const r2 = await traceWorkload(session, "tracepoint:syscalls:sys_enter_openat /pid == $1/ { delete(@byPid[pid]); @x = count(); }", w, { origin: "cell[8]" });
    expect(scalar(r2.maps, "@x")).toBe(3n);
  });

  it("print() of a scalar map nothing wrote yet prints its zero value; keyed maps and histograms print nothing", async () => {
    const r = await traceWorkload(
      session,
      "BEGIN { print(@z0); print(@zs); print(@zv); print(@zk); print(@zh); @zv = 5; print(@zv); exit(); } END { @z0 = count(); @zs = stats(4); @zk[1] = 2; @zh = hist(1); }",
      undefined,
      { origin: "cell[9]" },
    );
    expect(r.reason).toBe("exit");
    // @zk and @zh print as empty maps do: their terminator alone
    const printed = "@z0: 0\n@zs: { .count = 0, .average = 0, .total = 0 }\n\n@zv: 0\n\n\n@zv: 5\n";
    expect(r.text.slice(0, printed.length)).toBe(printed);
  });
});
