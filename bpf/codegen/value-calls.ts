// Codegen of the functions whose value is formatted in user space or fixed at compile
// time (checked in bpf/check/value-functions.ts): the kernel only records the raw bytes.
//
//   strftime  u64 nanoseconds since boot; the format lives in the type
//   ntop      { u64 af; u8 addr[16] } (bpftrace's inet layout)
//   macaddr   6 bytes
//   kaddr / uaddr / cgroupid   constants resolved through the ProbeEnv
//   join      a ring-buffer record built in a per-CPU scratch value (16 × 1024 bytes do
//             not fit the 512-byte stack): u64 action id, then the strings
//   ustack    stack id in the low 32 bits, pid (tgid) in the high 32 bits; kstack(n) and
//             ustack(n) use a stack map of depth n
import { asm, R0, R1, R2, R3, R4, R6, R10 } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import type { Type } from "../types/types.ts";
import { AF_INET, AF_INET6, JOIN_ARGNUM, JOIN_ARGSIZE, byteLength } from "../check/value-functions.ts";
import { BPF_F_USER_STACK } from "../types/abi.ts";
import { H } from "./emitter.ts";
import { CodegenError } from "./generator.ts";
import type { EmitContext } from "./emit-context.ts";
import { inUserSpace } from "../probes/index.ts";
import { DROPS_MAP, EVENTS_MAP, STACK_DEPTH, stacksMapName } from "./spec.ts";

/** Whether a pointer-ish argument points into user memory (as str() decides). */
function userPointer(g: EmitContext, t: Type): boolean {
  if (t.k === "ptr") return t.user;
  return inUserSpace(g.cp.concrete);
}

/** Store the value of strftime/ntop/macaddr call `x` at r10+off. */
export function storeValueCall(g: EmitContext, x: A.CallExpr, off: number): void {
  const { e } = g;
  switch (x.callee) {
    case "strftime":
      g.scalar(x.args[1]!);
      e.emit(asm.stx(8, R10, off, R0));
      return;
    case "ntop": {
      e.zero(off, 24);
      const addr = x.args[x.args.length - 1]!;
      const n = byteLength(g.type(addr));
      if (x.args.length === 2) {
        g.scalar(x.args[0]!);
        e.emit(asm.stx(8, R10, off, R0));
      } else {
        e.emit(asm.st(8, R10, off, n === 16 ? AF_INET6 : AF_INET));
      }
      if (n === undefined) {
        g.scalar(addr); // an IPv4 address as a (network-order) integer
        e.emit(asm.stx(4, R10, off + 8, R0));
      } else {
        const src = g.value(addr);
        e.copy(R10, off + 8, R10, src, n);
      }
      return;
    }
    case "macaddr": {
      const arg = x.args[0]!;
      const t = g.type(arg);
      if (byteLength(t) !== undefined) {
        const src = g.value(arg);
        e.zero(off, 6);
        e.copy(R10, off, R10, src, 6);
        return;
      }
      e.zero(off, 8);
      g.scalar(arg);
      e.emit(asm.mov(R3, R0));
      e.stackAddr(R1, off);
      e.emit(asm.movImm(R2, 6), asm.call(userPointer(g, t) ? H.probe_read_user : H.probe_read_kernel));
      return;
    }
    default:
      throw new CodegenError(`${x.callee}() has no value here`, x.span);
  }
}

/** r0 = the compile-time constant of kaddr/uaddr/cgroupid. */
export function constantCall(g: EmitContext, x: A.CallExpr): void {
  const name = (x.args[0] as A.StrLit).value;
  const env = g.shared.env;
  let v: bigint | undefined;
  if (x.callee === "kaddr") {
    v = env?.kernelSymbolAddress?.(name);
    if (v === undefined) throw new CodegenError(`kaddr(): no kernel symbol '${name}' (is /proc/kallsyms readable?)`, x.span);
  } else if (x.callee === "cgroupid") {
    v = env?.cgroupId?.(name);
    if (v === undefined) throw new CodegenError(`cgroupid(): no cgroup at '${name}'`, x.span);
  } else {
    const a = g.cp.concrete.attach;
    v = a.kind === "uprobe" ? env?.elfSymbol?.(a.path, name)?.address : undefined;
    if (v === undefined) throw new CodegenError(`uaddr(): no symbol '${name}' in the probed binary`, x.span);
  }
  g.loadConst(v);
}

/** r0 = bpf_get_stackid(ctx, &stacks, flags); a user stack gets the pid in its high half. */
export function stackId(g: EmitContext, user: boolean, limit?: number): void {
  const { e } = g;
  const depth = Math.min(limit ?? STACK_DEPTH, STACK_DEPTH);
  if (depth === STACK_DEPTH) g.shared.needStacks = true;
  else g.shared.stackDepths.add(depth);
  e.emit(asm.mov(R1, R6), asm.ldMapFd(R2, stacksMapName(depth)), asm.movImm(R3, user ? BPF_F_USER_STACK : 0), asm.call(H.get_stackid));
  if (!user) return;
  const tmp = g.frame.alloc(8);
  e.emit(asm.lshImm(R0, 32), asm.rshImm(R0, 32), asm.stx(8, R10, tmp, R0));
  e.emit(asm.call(H.get_current_pid_tgid), asm.rshImm(R0, 32), asm.lshImm(R0, 32), asm.ldx(8, R1, R10, tmp), asm.or(R0, R1));
}

/**
 * join(arr[, sep]): read up to 16 pointers of `arr` and the strings they point to into one
 * record (beyond the BPF stack, so in the scratch value: bpf/codegen/scratch.ts), then send
 * it. An empty string ends the list (user space stops there).
 */
export function join(g: EmitContext, x: A.CallExpr, actionId: number): void {
  const { e } = g;
  const size = 8 + JOIN_ARGNUM * JOIN_ARGSIZE;
  const user = userPointer(g, g.type(x.args[0]!));
  const rec = g.frame.alloc(size);
  const key = g.frame.alloc(8);
  const base = g.frame.alloc(8);
  const elem = g.frame.alloc(8);
  const done = e.label("jdone");
  g.scalar(x.args[0]!);
  e.emit(asm.stx(8, R10, base, R0));
  g.loadConst(BigInt(actionId));
  e.emit(asm.stx(8, R10, rec, R0));
  // The scratch value keeps the previous event's strings: clear every first byte.
  for (let i = 0; i < JOIN_ARGNUM; i++) e.emit(asm.st(1, R10, rec + 8 + i * JOIN_ARGSIZE, 0));
  for (let i = 0; i < JOIN_ARGNUM; i++) {
    e.stackAddr(R1, elem);
    e.emit(asm.movImm(R2, 8), asm.ldx(8, R3, R10, base), asm.addImm(R3, i * 8), asm.call(user ? H.probe_read_user : H.probe_read_kernel));
    e.emit(asm.jneImm(R0, 0, done), asm.ldx(8, R3, R10, elem), asm.jeqImm(R3, 0, done));
    e.stackAddr(R1, rec + 8 + i * JOIN_ARGSIZE);
    e.emit(asm.movImm(R2, JOIN_ARGSIZE), asm.call(user ? H.probe_read_user_str : H.probe_read_kernel_str));
  }
  e.place(done);
  const ok = e.label("jok");
  e.emit(asm.ldMapFd(R1, EVENTS_MAP));
  e.stackAddr(R2, rec);
  e.emit(asm.movImm(R3, size), asm.movImm(R4, 0), asm.call(H.ringbuf_output));
  e.emit(asm.jeqImm(R0, 0, ok), asm.st(4, R10, key, 0), asm.ldMapFd(R1, DROPS_MAP));
  e.stackAddr(R2, key);
  e.emit(asm.call(H.map_lookup_elem), asm.jeqImm(R0, 0, ok), asm.movImm(R1, 1), asm.atomic("add", 8, R0, 0, R1));
  e.place(ok);
  g.placeNop();
}
