// Kernel types through BTF, live: curtask's fields, ppid and pcomm (task_struct walks),
// a user-space struct reached through a syscall tracepoint's pointer argument (naptime's
// `args.rqtp->tv_nsec`), offsetof/enum constants from the running kernel's BTF, and
// structs the program defines itself, read from a uprobe's argument in user memory; ctx in
// perf-event probes.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { Btf } from "../../bpf/btf/index.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { REQUEST_STRUCT, startC, workloadBinary } from "../helpers/workload.ts";
import { newSession, scalar, traceWorkload } from "../helpers/engine.ts";

const N = 7;
const MISSING = "/tmp/tracebook-missing/btf";

describe.skipIf(skipWithoutBpf())("engine: kernel structs through BTF", () => {
  const session = newSession();
  afterAll(() => session.close());

  it("ppid, pcomm (the parent's name), leader_comm and curtask fields name the workload and its parent (this test process)", async () => {
    const w = await startC(["openat", String(N), MISSING]);
    const prog = "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @[ppid, pcomm == curtask->real_parent->comm, leader_comm, curtask->tgid, curtask->real_parent->tgid, curtask->comm] = count(); }";
    const r = await traceWorkload(session, prog, w);
    const m = r.maps.find((x) => x.name === "@")!;
    expect(m.entries).toHaveLength(1);
    expect(m.entries[0]!.key).toEqual([
      { kind: "int", value: BigInt(process.pid), signed: false },
      { kind: "bool", value: true },
      { kind: "str", value: "myapp" },
      { kind: "int", value: BigInt(w.pid), signed: true },
      { kind: "int", value: BigInt(process.pid), signed: true },
      { kind: "str", value: "myapp" },
    ]);
    expect(m.entries[0]!.value).toEqual({ kind: "count", value: BigInt(N) });
  });

  it("reads a user struct through a syscall argument: the nanoseconds each sleep asked for", async () => {
    const w = await startC(["sleep", String(N), "1234567"]);
    const prog = "tracepoint:syscalls:sys_enter_clock_nanosleep /pid == $1/ { @ns = sum(args.rqtp->tv_nsec); $t = args.rqtp; @s[$t.tv_sec] = count(); }";
    const r = await traceWorkload(session, prog, w, { origin: "cell[2]" });
    expect(scalar(r.maps, "@ns")).toBe(BigInt(N) * 1234567n);
    const s = r.maps.find((x) => x.name === "@s")!;
    expect(s.entries.map((e) => [e.key, e.value])).toEqual([[[{ kind: "int", value: 0n, signed: true }], { kind: "count", value: BigInt(N) }]]);
  });

  it("rawtracepoint args are the raw tracepoint's parameters by name, typed through BTF", async () => {
    const w = await startC(["openat", String(N), MISSING]);
    const prog = "rawtracepoint:sys_enter /pid == $1 && args.id == 257/ { @rdi[(int32)args.regs->di] = count(); }";
    const r = await traceWorkload(session, prog, w, { origin: "cell[4]" });
    const m = r.maps.find((x) => x.name === "@rdi")!;
    // openat(AT_FDCWD, ...): the first syscall argument (rdi) is -100
    expect(m.entries.map((e) => [e.key, e.value])).toEqual([[[{ kind: "int", value: -100n, signed: true }], { kind: "count", value: BigInt(N) }]]);
  });

  it("offsetof and enum constants are this kernel's", async () => {
    const btf = Btf.load(readFileSync("/sys/kernel/btf/vmlinux"));
    const pidOff = btf.member(btf.findByName("task_struct", "struct")!, "pid")!.offsetBits / 8;
    const r = await traceWorkload(session, 'BEGIN { printf("%d %d %d\\n", offsetof(struct task_struct, pid), PIDTYPE_PGID, sizeof(struct task_struct)); exit(); }', undefined, { origin: "cell[3]" });
    expect(r.lines).toEqual([`${pidOff} 2 ${btf.sizeof(btf.findByName("task_struct", "struct")!)}`]);
  });

  it("a struct the program defines is laid out as C does and read from user memory", async () => {
    const N = 5;
    const w = await startC(["struct", String(N)]);
    const prog = `${REQUEST_STRUCT}uprobe:${workloadBinary()}:handleStruct {
  $r = (struct request *)arg0;
  @req[$r->id, $r->name, $r->next->id, $r->next->name, $r->flags, $r->more, $r->total, sizeof(struct request)] = count();
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[5]" });
    const m = r.maps.find((x) => x.name === "@req")!;
    const int = (v: bigint, signed = true) => ({ kind: "int", value: v, signed });
    expect(m.entries.map((e) => [e.key, e.value])).toEqual([[
      [int(7n), { kind: "str", value: "alpha" }, int(42n), { kind: "str", value: "beta" }, int(5n, false), int(300n, false), int(1n << 40n), int(40n, false)],
      { kind: "count", value: BigInt(N) },
    ]]);
  });

  it("ctx in interval and profile probes is struct bpf_perf_event_data *: its members are the event's, a cast reads its memory", async () => {
    // 1 ms is 1000000 ns of cpu-clock; 99 Hz is a period of 1e9 / 99 ns; regs.ip is the interrupted instruction
    const r = await traceWorkload(
      session,
      [
        'interval:ms:1 { printf("period %lu addr %lu ip %d\\n", ctx->sample_period, ctx->addr, ctx->regs.ip == reg("ip")); exit(); }',
        'profile:hz:99 { @p = ctx.sample_period; }',
      ].join("\n"),
      undefined,
      { origin: "cell[6]" },
    );
    expect(r.lines).toEqual(["period 1000000 addr 0 ip 1"]);
    const cast = await traceWorkload(session, 'struct x { unsigned long x; } i:ms:1 /((struct x *)ctx)->x != 0/ { @ptr = count(); exit(); }', undefined, { origin: "cell[7]" });
    expect(scalar(cast.maps, "@ptr")).toBe(1n);
  });

  it("container_of() walks back from a member's pointer to its struct in user memory (bpftrace's stdlib macro)", async () => {
    const N = 4;
    const w = await startC(["struct", String(N)]);
    const prog = `${REQUEST_STRUCT}uprobe:${workloadBinary()}:handleStruct {
  $r = (struct request *)arg0;
  $total = (int64 *)((uint64)$r + offsetof(struct request, total));
  $back = container_of($total, typeof(struct request), total);
  @back[$back == $r, $back->id, $back->name, container_of((uint8 *)$total, typeof(struct request), total)->next->id] = count();
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[6]" });
    const m = r.maps.find((x) => x.name === "@back")!;
    const int = (v: bigint) => ({ kind: "int", value: v, signed: true });
    expect(m.entries.map((e) => [e.key, e.value])).toEqual([[
      [{ kind: "bool", value: true }, int(7n), { kind: "str", value: "alpha" }, int(42n)],
      { kind: "count", value: BigInt(N) },
    ]]);
  });
});
