// The process family: who the current task is (pid, tid, uid, gid, comm, cgroup,
// username, cpid, curtask, ppid, pcomm, leader_comm), cgroups (cgroupid, cgroup_path), and what may be
// done to it (signal, override).
//
//   username      the uid; named from /etc/passwd when printed
//   cgroup_path   the cgroup id; its paths are found when printed
import { asm, H, R0, R1, R2, R3, R10 } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { CodegenError } from "../types/errors.ts";
import { type Type, COMM_SIZE, bool, isScalar, none, sizeOf, str, typeName, u32, u64 } from "../types/types.ts";
import { constInt } from "../lang/const-fold.ts";
import { type CallCheck, type FunctionRow, type Use, argsOf, arity, builtin, fn, intArg, nameOf } from "./row.ts";
import type { EmitContext } from "./emit-context.ts";
import { readInt } from "./decode.ts";

/** pid(NS) / tid(NS): the namespace the id is seen from. */
const PID_NAMESPACES = ["curr_ns", "init"] as const;

const namespaceWord = (a: A.Expr, i: number): boolean => i === 0 && a.kind === "IdentExpr" && (PID_NAMESPACES as readonly string[]).includes(a.name);

/**
 * ppid, pcomm and leader_comm, with or without a task: `task->real_parent->tgid`,
 * `task->real_parent->comm` (bpftrace's stdlib; not the process's name), `task->group_leader->comm`.
 */
function taskWalk(x: Use, hasBtf: boolean): A.Expr | string {
  const name = nameOf(x);
  const args = argsOf(x);
  if (args.length > 1) return x;
  const span = x.span;
  if (!hasBtf) return `${name} reads the task_struct, which needs kernel BTF (/sys/kernel/btf/vmlinux)`;
  const base: A.Expr = args[0] ?? { kind: "IdentExpr", name: "curtask", span };
  const hop = (object: A.Expr, field: string): A.FieldExpr => ({ kind: "FieldExpr", object, field, arrow: true, span });
  if (name === "pcomm") return hop(hop(base, "real_parent"), "comm");
  if (name === "leader_comm") return hop(hop(base, "group_leader"), "comm");
  return { kind: "CastExpr", type: { kind: "TypeSpec", name: "uint32", pointerDepth: 0, arraySize: undefined, span }, expr: hop(hop(base, "real_parent"), "tgid"), span };
}

/** pid or tid, as a builtin or as pid([ns]) / tid([ns]). */
function idRow(name: "pid" | "tid", builtinDoc: string, emit: (g: EmitContext) => void): FunctionRow {
  return fn(name, `uint32 ${name}([curr_ns|init])`, `The ${name === "pid" ? "process" : "thread"} id, seen from bpftrace's pid namespace (curr_ns, default) or the initial one (init).`, (c) => {
    const bad = arity(c, 0, 1);
    if (bad) return bad;
    const a = c.call.args[0];
    if (a && !namespaceWord(a, 0)) return `${name}() takes a pid namespace: ${PID_NAMESPACES.join(", ")}`;
    return u32;
  }, {
    bareWord: namespaceWord,
    builtin: { doc: builtinDoc, type: () => u32 },
    // curr_ns and init are the same view here: the compiler runs in the initial pid namespace
    emit: { scalar: emit },
  });
}

const tgid = (g: EmitContext): void => g.e.emit(asm.call(H.get_current_pid_tgid), asm.rshImm(R0, 32));
const threadId = (g: EmitContext): void => g.e.emit(asm.call(H.get_current_pid_tgid), asm.lshImm(R0, 32), asm.rshImm(R0, 32));
const uid = (g: EmitContext): void => g.e.emit(asm.call(H.get_current_uid_gid), asm.lshImm(R0, 32), asm.rshImm(R0, 32));

function checkCgroupid(c: CallCheck): Type | string {
  const a = arity(c, 1);
  if (a) return a;
  const path = c.constStr(0);
  if (path === undefined) return "cgroupid() needs a string literal path";
  const lookup = c.env?.cgroupId;
  if (lookup && lookup.call(c.env, path) === undefined) return `cgroupid(): no cgroup at '${path}'`;
  return u64;
}

/** signal("SIGKILL") / signal("KILL"): the numbers of the signals bpftrace names. */
const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20,
};

export const PROCESS_FUNCTIONS: readonly FunctionRow[] = [
  idRow("pid", "Process id (the kernel's tgid) of the current task.", tgid),
  idRow("tid", "Thread id (the kernel's pid) of the current task.", threadId),
  builtin("uid", "User id of the current task.", () => u32, { emit: { scalar: uid } }),
  builtin("gid", "Group id of the current task.", () => u32, { emit: { scalar: (g) => g.e.emit(asm.call(H.get_current_uid_gid), asm.rshImm(R0, 32)) } }),
  builtin("comm", "Name of the current task (16 bytes, like /proc/PID/comm).", () => str(COMM_SIZE), {
    emit: {
      value(g, _x, off, t) {
        const size = sizeOf(t);
        g.e.zero(off, size);
        g.e.stackAddr(R1, off);
        g.e.emit(asm.movImm(R2, Math.min(16, size)), asm.call(H.get_current_comm));
      },
    },
  }),
  builtin("cgroup", "cgroup v2 id of the current task.", () => u64, { emit: { scalar: (g) => g.e.emit(asm.call(H.get_current_cgroup_id)) } }),
  builtin("curtask", "Pointer to the current task_struct.", (c) => {
    const task = c.kernelType("struct task_struct");
    return task ? { k: "ptr", to: task, user: false } : { k: "ptr", to: { k: "record", name: "struct task_struct", size: 0 }, user: false };
  }, { emit: { scalar: (g) => g.e.emit(asm.call(H.get_current_task)) } }),
  builtin("cpid", "Pid of the child process started with -c CMD (0 without -c).", () => u32, { emit: { scalar: (g) => g.e.emit(asm.movImm(R0, g.shared.cpid)) } }),
  builtin("username", "Name of the current user (the uid, named from /etc/passwd when printed).", () => ({ k: "sym", user: false, table: "username" }), {
    emit: { scalar: uid },
    decode: {
      accepts: (t) => t.k === "sym" && t.table === "username",
      value(_t, b, off, sym) {
        const id = readInt(b, off, 8, false);
        return { kind: "str", value: sym.userName?.(Number(id)) ?? id.toString() };
      },
    },
  }),
  builtin("__builtin_pid", "Alias of pid.", () => u32, { emit: { scalar: tgid } }),
  fn("ppid", "uint32 ppid([struct task_struct *task])", "Process id of the parent of the current task (or of `task`): task->real_parent->tgid, through BTF.", (c) => arity(c, 0, 1) ?? u32, {
    rewrite: taskWalk,
    builtin: { doc: "Process id of the parent of the current task (task->real_parent->tgid, through BTF).", type: () => u32 },
  }),
  fn("pcomm", "string pcomm([struct task_struct *task])", "Name of the parent of the current task (or of `task`): task->real_parent->comm, through BTF.", (c) => arity(c, 0, 1) ?? str(COMM_SIZE), {
    rewrite: taskWalk,
    builtin: { doc: "Name of the parent of the current task (task->real_parent->comm, through BTF).", type: () => str(COMM_SIZE) },
  }),
  fn("leader_comm", "string leader_comm([struct task_struct *task])", "Name of the thread group leader of the current task (or of `task`): task->group_leader->comm, through BTF.", (c) => arity(c, 0, 1) ?? str(COMM_SIZE), {
    rewrite: taskWalk,
    builtin: { doc: "Name of the thread group leader of the current task (task->group_leader->comm, through BTF).", type: () => str(COMM_SIZE) },
  }),
  fn("cgroupid", "cgroupid(path)", "cgroup v2 id of a cgroupfs path (at compile time).", checkCgroupid, {
    emit: {
      scalar(g, x) {
        const path = (argsOf(x)[0] as A.StrLit).value;
        const v = g.shared.env?.cgroupId?.(path);
        if (v === undefined) throw new CodegenError(`cgroupid(): no cgroup at '${path}'`, x.span);
        g.loadConst(v);
      },
    },
  }),
  fn("cgroup_path", "cgroup_path(int cgroupid [, \"filter\"])", "The cgroup's path in each mounted hierarchy (\"unified:/system.slice/x\"), named in user space when printed.", (c) => {
    const bad = arity(c, 1, 2) ?? intArg(c, 0);
    if (bad) return bad;
    const filter = c.constStr(1);
    if (c.argTypes.length === 2 && filter === undefined) return "cgroup_path(): the filter must be a string literal";
    return { k: "sym", user: false, table: "cgroup", ...(filter !== undefined && { filter }) };
  }, {
    emit: { scalar: (g, x) => g.scalar(argsOf(x)[0]!) },
    decode: {
      accepts: (t) => t.k === "sym" && t.table === "cgroup",
      value(t, b, off, sym) {
        const id = readInt(b, off, 8, false);
        return { kind: "str", value: sym.cgroupPath?.(id, (t as Extract<Type, { k: "sym" }>).filter) ?? id.toString() };
      },
    },
  }),
  fn("signal", "signal(int sig | \"SIGNAME\")", "Send a signal to the current task (needs --unsafe).", (c) => arity(c, 1) ?? none, { unsafe: true, emit: { stmt: signal } }),
  fn("override", "override(rc)", "Override a kprobe'd function's return value (needs --unsafe).", (c) => arity(c, 1) ?? none, { unsafe: true }),
  fn("write_user", "bool write_user(T *dst, T *src, uint32 len)", "Write len bytes of src (a value of the program) to the user address dst with bpf_probe_write_user; true when it did (needs --unsafe).", (c) => {
    const bad = arity(c, 3);
    if (bad) return bad;
    // bpftrace's stdlib macro fails with its own words, not the unsafe gate's
    if (!c.unsafe) return "write_user() is unsafe. To use you need the --unsafe flag";
    if (!isScalar(c.argTypes[0]!)) return `write_user() destination must be an address, not ${typeName(c.argTypes[0]!)}`;
    const src = c.argTypes[1]!;
    if (isScalar(src) || src.k === "none") return `write_user() source must be a value in memory (string, array, struct, tuple, buffer), not ${typeName(src)}`;
    if (!isScalar(c.argTypes[2]!)) return `write_user() length must be an integer, not ${typeName(c.argTypes[2]!)}`;
    const n = c.constInt(2);
    if (n !== undefined && n < 0n) return "write_user() length must not be negative";
    return bool;
  }, { emit: { scalar: writeUser } }),
];

/**
 * r0 = bpf_probe_write_user(dst, &src, len) == 0. The helper reads len bytes of the
 * program's own memory, so len is clamped to the source's size where the verifier sees it.
 */
function writeUser(g: EmitContext, x: Use): void {
  const { e } = g;
  const [dst, src, len] = argsOf(x);
  const size = sizeOf(g.type(src!));
  const from = g.value(src!);
  const c = constInt(len!, g.shared.positional);
  let lenSlot: number | undefined;
  if (c === undefined) {
    g.scalar(len!);
    lenSlot = g.frame.alloc(8);
    e.emit(asm.stx(8, R10, lenSlot, R0));
  }
  g.scalar(dst!);
  e.emit(asm.mov(R1, R0));
  e.stackAddr(R2, from);
  if (lenSlot === undefined) e.emit(asm.movImm(R3, Math.min(Number(c), size)));
  else {
    const ok = e.label("wu_len_ok");
    e.emit(asm.ldx(8, R3, R10, lenSlot), asm.jleImm(R3, size, ok), asm.movImm(R3, size));
    e.place(ok);
  }
  e.emit(asm.call(H.probe_write_user));
  const failed = e.label("wu_failed");
  e.emit(asm.jneImm(R0, 0, failed));
  g.flag(1, failed, 0);
}

/** bpf_send_signal(sig): a number, or a name resolved at compile time. */
function signal(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  const a = x.args[0]!;
  let sig: number | undefined;
  if (a.kind === "StrLit") sig = SIGNALS[a.value.replace(/^SIG/, "")];
  else g.scalar(a);
  if (a.kind === "StrLit" && sig === undefined) throw new CodegenError(`unknown signal '${a.value}'`, a.span);
  if (sig !== undefined) e.emit(asm.movImm(R0, sig));
  e.emit(asm.mov(R1, R0), asm.call(H.send_signal));
}
