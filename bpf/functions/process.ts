// The process family: who the current task is (pid, tid, uid, gid, comm, cgroup,
// username, cpid, curtask, ppid, pcomm), cgroups (cgroupid, cgroup_path), and what may be
// done to it (signal, override).
import type * as A from "../lang/ast.ts";
import { type FunctionRow, type Use, argsOf, arity, fn, nameOf } from "./row.ts";
import { COMM_SIZE, str, u32 } from "../types/types.ts";

/** ppid and pcomm, with or without a task: `task->real_parent->tgid`, `task->group_leader->comm`. */
function taskWalk(x: Use, hasBtf: boolean): A.Expr | string {
  const name = nameOf(x);
  const args = argsOf(x);
  if (args.length > 1) return x;
  const span = x.span;
  if (!hasBtf) return `${name} reads the task_struct, which needs kernel BTF (/sys/kernel/btf/vmlinux)`;
  const base: A.Expr = args[0] ?? { kind: "IdentExpr", name: "curtask", span };
  const hop = (object: A.Expr, field: string): A.FieldExpr => ({ kind: "FieldExpr", object, field, arrow: true, span });
  if (name === "pcomm") return hop(hop(base, "group_leader"), "comm");
  return { kind: "CastExpr", type: { kind: "TypeSpec", name: "uint32", pointerDepth: 0, arraySize: undefined, span }, expr: hop(hop(base, "real_parent"), "tgid"), span };
}

export const PROCESS_FUNCTIONS: readonly FunctionRow[] = [
  fn("ppid", "uint32 ppid([struct task_struct *task])", "Process id of the parent of the current task (or of `task`): task->real_parent->tgid, through BTF.", (c) => arity(c, 0, 1) ?? u32, { rewrite: taskWalk }),
  fn("pcomm", "string pcomm([struct task_struct *task])", "Name of the process of the current task (or of `task`): task->group_leader->comm, through BTF.", (c) => arity(c, 0, 1) ?? str(COMM_SIZE), { rewrite: taskWalk }),
];
