// The stack family: kstack and ustack, as builtins and as functions with a mode and a
// frame limit. The kernel records a stack id (bpf_get_stackid into a stack-trace map of
// the limit's depth); user space symbolises the frames when the value is printed.
//
//   ustack    stack id in the low 32 bits, pid (tgid) in the high 32 bits (the address
//             space its frames are in); kstack(n) and ustack(n) use a stack map of depth n
//   ustack(build_id)  the same, in a stack map created with BPF_F_STACK_BUILD_ID: the
//             kernel stores each frame as the build id of its file and the offset in it
import { asm, H, R0, R1, R2, R3, R6, R10 } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { BPF_F_USER_STACK, BUILD_ID_FRAME_SIZE } from "../types/abi.ts";
import { stacksMapName } from "../types/internal-maps.ts";
import { type StackMode, type Type, STACK_DEPTH } from "../types/types.ts";
import { type CallCheck, type FunctionRow, type Use, arity, fn } from "./row.ts";
import type { EmitContext } from "./emit-context.ts";
import { type Symbolizer, inlinedFrame, readInt } from "./decode.ts";
import type { Value } from "../types/snapshot.ts";

const STACK_MODES: readonly StackMode[] = ["bpftrace", "perf", "raw", "build_id"];

/** kstack(perf) / ustack(raw, 5): the mode is a bare word, not an expression. */
function modeWord(a: A.Expr, i: number): boolean {
  return i === 0 && a.kind === "IdentExpr" && STACK_MODES.includes(a.name as StackMode);
}

/** kstack([mode,] [limit]) / ustack([mode,] [limit]); mode arguments are not evaluated. */
function checkStack(c: CallCheck): Type | string {
  const user = c.call.callee === "ustack";
  const a = arity(c, 0, 2);
  if (a) return a;
  let mode: StackMode | undefined;
  let limit: number | undefined;
  for (const [i, arg] of c.call.args.entries()) {
    if (modeWord(arg, i)) {
      mode = (arg as A.IdentExpr).name as StackMode;
      continue;
    }
    const n = c.constInt(i);
    if (n === undefined) return `${c.call.callee}() takes a mode (bpftrace, perf, raw, build_id) and a constant frame limit`;
    if (n < 1n || n > 1024n) return `${c.call.callee}() frame limit must be between 1 and 1024`;
    limit = Number(n);
  }
  if (mode === "build_id" && !user) return "'build_id' stack mode can only be used for ustack";
  return { k: "stack", user, ...(mode && mode !== "bpftrace" && { mode }), ...(limit !== undefined && { limit }) };
}

function stackRow(user: boolean, signatureDoc: string, builtinDoc: string): FunctionRow {
  const name = user ? "ustack" : "kstack";
  return fn(name, `${name}([mode,] [limit])`, signatureDoc, checkStack, {
    bareWord: modeWord,
    builtin: { doc: builtinDoc, type: () => ({ k: "stack", user }) },
    emit: { scalar: (g, x: Use) => stackId(g, user, g.type(x)) },
    decode: { accepts: (t) => t.k === "stack" && t.user === user, value: decodeStack },
  });
}

export const STACK_FUNCTIONS: readonly FunctionRow[] = [
  stackRow(false, "Kernel stack trace.", "Kernel stack trace (symbolised through /proc/kallsyms)."),
  stackRow(true, "User stack trace, symbolised per process.", "User stack trace."),
];

/** r0 = bpf_get_stackid(ctx, &stacks, flags); a user stack gets the pid in its high half. */
export function stackId(g: EmitContext, user: boolean, t: Type): void {
  const { e } = g;
  const limit = t.k === "stack" ? t.limit : undefined;
  const depth = Math.min(limit ?? STACK_DEPTH, STACK_DEPTH);
  const buildId = t.k === "stack" && t.mode === "build_id";
  if (buildId) g.shared.buildIdStackDepths.add(depth);
  else if (depth === STACK_DEPTH) g.shared.needStacks = true;
  else g.shared.stackDepths.add(depth);
  e.emit(asm.mov(R1, R6), asm.ldMapFd(R2, stacksMapName(depth, buildId)), asm.movImm(R3, user ? BPF_F_USER_STACK : 0), asm.call(H.get_stackid));
  if (!user) return;
  const tmp = g.frame.alloc(8);
  e.emit(asm.lshImm(R0, 32), asm.rshImm(R0, 32), asm.stx(8, R10, tmp, R0));
  e.emit(asm.call(H.get_current_pid_tgid), asm.rshImm(R0, 32), asm.lshImm(R0, 32), asm.ldx(8, R1, R10, tmp), asm.or(R0, R1));
}

/** The frames of a stack value, symbolised (user stacks in their process's address space). */
function decodeStack(type: Type, b: Uint8Array, off: number, sym: Symbolizer): Value {
  const t = type as Extract<Type, { k: "stack" }>;
  const raw = readInt(b, off, 8, true);
  const id = t.user ? BigInt.asIntN(32, raw) : raw;
  const pid = t.user ? Number(BigInt.asUintN(64, raw) >> 32n) : undefined;
  const opts = { ...(pid !== undefined && { pid }), ...(t.mode && { mode: t.mode }), ...(t.limit !== undefined && { depth: t.limit }), ...(t.debugInfo === false && { debugInfo: false }) };
  // The symbolizer reads at most `depth` addresses; the functions inlined at one print as lines of their own.
  const depth = Math.min(t.limit ?? STACK_DEPTH, STACK_DEPTH);
  const frames = id < 0n ? [] : t.mode === "build_id" ? buildIdFrames(sym.buildIdStack?.(id, depth)) : sym.stack(id, t.user, opts);
  const full = frames.filter((f) => !inlinedFrame(f)).length >= Math.min(t.limit ?? STACK_DEPTH, STACK_DEPTH);
  return { kind: "stack", frames, user: t.user, ...(t.mode && { mode: t.mode }), ...(full && { truncated: true as const }) };
}

/**
 * The frames of a build-id stack-map value (struct bpf_stack_build_id each), as bpftrace's
 * format_build_id_stack prints them: "BUILDID 0xOFFSET" for a frame whose file has a build
 * id (status 1), the bare hex address when the kernel fell back to it (status 2, a file
 * without a build id or whose note it could not read without faulting); status 0 ends it.
 */
export function buildIdFrames(value: Uint8Array | undefined): string[] {
  if (!value) return [];
  const dv = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const out: string[] = [];
  for (let off = 0; off + BUILD_ID_FRAME_SIZE <= value.byteLength; off += BUILD_ID_FRAME_SIZE) {
    const status = dv.getInt32(off, true);
    if (status === 0) break;
    const at = dv.getBigUint64(off + 24, true);
    if (status !== 1) {
      out.push(at.toString(16));
      continue;
    }
    const id = [...value.subarray(off + 4, off + 24)].map((b) => b.toString(16).padStart(2, "0")).join("");
    out.push(`${id} 0x${at.toString(16).padStart(2, "0")}`);
  }
  return out;
}
