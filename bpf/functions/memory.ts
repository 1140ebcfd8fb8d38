// Where a value that is an address points: user or kernel memory, as bpftrace decides
// it, and so which probe_read helper reads it. A typed pointer says so itself; a plain
// integer is an address in the probed process in probes of a user-space kind (uprobe,
// uretprobe, usdt: Provider.space in bpf/probes/).
import { H } from "../asm/index.ts";
import type { Type } from "../types/types.ts";
import { inUserSpace } from "../probes/index.ts";
import type { EmitContext } from "./emit-context.ts";

/** Whether a pointer-ish value of type `t` points into user memory. */
export function userPointer(g: EmitContext, t: Type): boolean {
  if (t.k === "ptr") return t.user;
  return inUserSpace(g.probe);
}

/** bpf_probe_read_user or _kernel, for a pointer-ish value of type `t`. */
export function probeRead(g: EmitContext, t: Type): number {
  return userPointer(g, t) ? H.probe_read_user : H.probe_read_kernel;
}

/** bpf_probe_read_user_str or _kernel_str, for a pointer-ish value of type `t`. */
export function probeReadStr(g: EmitContext, t: Type): number {
  return userPointer(g, t) ? H.probe_read_user_str : H.probe_read_kernel_str;
}
