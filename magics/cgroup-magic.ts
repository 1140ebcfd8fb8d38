// %cgroup PATH | own | off, and the environment variable TRACEBOOK_CGROUP: the following
// DSL cells trace only the tasks of one cgroup v2 (bpf/codegen/cgroup-scope.ts), as %pid
// scopes them to one process. Meant for kernels on shared machines and in Kubernetes pods
// (TRACEBOOK_CGROUP=own in the pod's environment: the pod's own processes only), and for a
// fleet whose "hosts" share one machine. A TRACEBOOK_CGROUP that names no cgroup makes
// every DSL cell fail, rather than trace more than the operator allowed.
import { resolveCgroup, type CgroupScope } from "../bpf/runtime/cgroup-scope.ts";
import type { ExecuteOutcome } from "../kernel/interpreter.ts";
import type { NotebookSettings } from "./dsl-cell.ts";
import type { MagicContext } from "./interpreter.ts";

/** The scope, or why the environment's scope could not be resolved. */
export type CgroupSetting = CgroupScope | { readonly error: string };

/** The notebook's initial scope, from TRACEBOOK_CGROUP. */
export function cgroupFromEnv(env: NodeJS.ProcessEnv = process.env): { cgroup?: CgroupSetting } {
  const spec = env.TRACEBOOK_CGROUP;
  if (spec === undefined || spec === "" || spec === "off") return {};
  const r = resolveCgroup(spec);
  return { cgroup: typeof r === "string" ? { error: `TRACEBOOK_CGROUP=${spec}: ${r}` } : r };
}

export class CgroupScopeError extends Error {
  override readonly name = "CgroupError";
}

/** What a run takes from the setting: the cgroup id; throws when the environment's scope is broken. */
export function cgroupRunOption(settings: NotebookSettings): { cgroup?: bigint } {
  const c = settings.cgroup;
  if (c === undefined) return {};
  if ("error" in c) throw new CgroupScopeError(`${c.error}; nothing was traced (fix the variable, or %cgroup PATH | own | off)`);
  return { cgroup: c.id };
}

export function describeCgroup(c: CgroupSetting | undefined): string {
  if (c === undefined) return "no cgroup scope: probes see every task (%cgroup PATH | own sets one)";
  if ("error" in c) return `cgroup scope broken: ${c.error}`;
  return `cgroup scope: ${c.path} (id ${c.id}): probes see only its tasks`;
}

export function runCgroupMagic(m: MagicContext, arg: string): ExecuteOutcome {
  const spec = arg.trim();
  if (spec === "") {
    m.ctx.stream("stdout", `${describeCgroup(m.settings.cgroup)}\n`);
    return { status: "ok" };
  }
  if (spec === "off") {
    delete m.settings.cgroup;
    return { status: "ok" };
  }
  const r = resolveCgroup(spec);
  if (typeof r === "string") {
    const msg = `%cgroup: ${r}`;
    return { status: "error", ename: "UsageError", evalue: msg, traceback: [msg] };
  }
  m.settings.cgroup = r;
  return { status: "ok" };
}
