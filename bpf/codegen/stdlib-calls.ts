// Codegen of bpftrace's smaller standard-library functions and builtins (checked in
// bpf/check/stdlib-functions.ts): ncpus, usermode, probetype, strlen, strcap, strstr,
// memcmp, pton, nsecs(mode), pid/tid(ns), kptr/uptr, len(@map | stack), percpu_kaddr,
// errorf/warnf/assert. The generator asks these first and falls back to its own cases.
//
//   strlen    a bounded loop over the string's bytes (a pointer: probe_read_*_str's length)
//   strstr    the bpf_strnstr kfunc (Linux 6.17): index, or -ENOENT → -1
//   memcmp    a bounded loop over min(count, sizes) signed bytes: left[i] - right[i]
//   len(@m)   bpf_for_each_map_elem with a callback that only returns 0: the helper's
//             result is the number of elements it visited
//   len(stack) bpf_get_stack into a scratch buffer: bytes / 8
import { asm, helpers, R0, R1, R2, R3, R4, R5, R6, R10, withLabel } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { type Type, DEFAULT_STRLEN, sizeOf, tupleLayout } from "../types/types.ts";
import { constInt } from "../check/const-fold.ts";
import { parseFormat } from "../check/printf-format.ts";
import { parsePton } from "../check/pton.ts";
import { probeTypeName, constantUsermode } from "../check/probe-type.ts";
import { BPF_F_USER_STACK, PtRegs } from "../types/abi.ts";
import { H } from "./emitter.ts";
import { CodegenError } from "./generator.ts";
import type { EmitContext } from "./emit-context.ts";
import { inUserSpace } from "../probes/index.ts";
import type { ArgLayout } from "./spec.ts";
import { MAP_CALLBACK_PARAMS } from "./for-map.ts";
import { STACK_DEPTH } from "./spec.ts";
import * as M from "./map-ops.ts";
import * as C from "./calls.ts";

const CLOCK_HELPERS: Record<string, number> = {
  boot: helpers.ktime_get_boot_ns!,
  monotonic: helpers.ktime_get_ns!,
  tai: helpers.ktime_get_tai_ns!,
};

/** ncpus and usermode as bare identifiers; false for other builtins. */
export function builtinScalar(g: EmitContext, name: string): boolean {
  const { e } = g;
  if (name === "ncpus") {
    g.loadConst(BigInt(g.shared.cpus));
    return true;
  }
  if (name === "usermode") {
    const known = constantUsermode(g.cp.concrete);
    if (known !== undefined) {
      g.loadConst(known);
      return true;
    }
    // x86-64: the privilege level is the low two bits of the saved cs (3 = user)
    e.emit(asm.ldx(8, R0, R6, PtRegs.cs), asm.andImm(R0, 3));
    const no = e.label("umno");
    const end = e.label("umend");
    e.emit(asm.jneImm(R0, 3, no), asm.movImm(R0, 1), asm.ja(end));
    e.place(no);
    e.emit(asm.movImm(R0, 0));
    e.place(end);
    g.placeNop();
    return true;
  }
  return false;
}

/** The text of the probetype builtin / probetype() call. */
export function probeTypeText(g: EmitContext): Buffer {
  return Buffer.from(probeTypeName(g.cp.concrete));
}

/** r0 = the value of a stdlib call with a numeric value; false when `x` is not one. */
export function callScalar(g: EmitContext, x: A.CallExpr): boolean {
  const { e } = g;
  switch (x.callee) {
    case "ncpus":
    case "usermode":
      return builtinScalar(g, x.callee);
    case "nsecs": {
      const mode = x.args[0]?.kind === "IdentExpr" ? x.args[0].name : "boot";
      if (mode === "sw_tai") {
        // bpftrace: boot time plus TAI - BOOTTIME measured in user space when compiling
        e.emit(asm.call(H.ktime_get_boot_ns), asm.ldImm64(R1, g.shared.taiOffsetNs ?? 0n), asm.add(R0, R1));
        return true;
      }
      e.emit(asm.call(CLOCK_HELPERS[mode]!));
      return true;
    }
    case "pid":
    case "tid":
      // curr_ns and init are the same view here: the compiler runs in the initial pid namespace
      e.emit(asm.call(H.get_current_pid_tgid));
      if (x.callee === "pid") e.emit(asm.rshImm(R0, 32));
      else e.emit(asm.lshImm(R0, 32), asm.rshImm(R0, 32));
      return true;
    case "kptr":
    case "uptr":
      g.scalar(x.args[0]!);
      return true;
    case "strlen":
      strlen(g, x.args[0]!);
      return true;
    case "strcap":
      strlen(g, x.args[0]!); // pointers only: the checker made strings and arrays constants
      return true;
    case "strstr":
      strstr(g, x);
      return true;
    case "memcmp":
      memcmp(g, x);
      return true;
    case "percpu_kaddr":
      percpuKaddr(g, x);
      return true;
    case "len":
      if (x.args[0]?.kind === "MapExpr") mapLength(g, x.args[0]);
      else stackLength(g, x.args[0]!);
      return true;
    default:
      return false;
  }
}

/** Store the value of a stdlib call that is not a number (pton, probetype()); false when not one. */
export function callValue(g: EmitContext, x: A.CallExpr, off: number, t: Type): boolean {
  if (x.callee === "pton") {
    const bytes = parsePton((x.args[0] as A.StrLit).value);
    if (typeof bytes === "string") throw new CodegenError(bytes, x.span);
    g.e.storeBytes(off, bytes, sizeOf(t));
    return true;
  }
  if (x.callee === "probetype") {
    g.e.storeBytes(off, probeTypeText(g), sizeOf(t));
    return true;
  }
  return false;
}

/** errorf/warnf/assert and the compile-time-only calls as statements; false for others. */
export function callStmt(g: EmitContext, x: A.CallExpr): boolean {
  switch (x.callee) {
    case "errorf":
    case "warnf":
      severityPrintf(g, x.callee, (x.args[0] as A.StrLit).value, x.args.slice(1), x.span);
      return true;
    case "assert": {
      // bpftrace's assert macro: if (!cond) { errorf("assert failed: %s", msg); exit(1); }
      const { e } = g;
      const failed = e.label("assertfail");
      const ok = e.label("assertok");
      g.cond(x.args[0]!, failed);
      e.emit(asm.ja(ok));
      e.place(failed);
      g.placeNop();
      severityPrintf(g, "errorf", "assert failed: %s", [x.args[1]!], x.span);
      const rec = g.frame.alloc(16);
      g.loadConst(BigInt(C.action(g, { kind: "exit" })));
      e.emit(asm.stx(8, R10, rec, R0), asm.st(8, R10, rec + 8, 1));
      C.output(g, rec, 16);
      e.emit(asm.ja(g.exitLabel));
      e.place(ok);
      g.placeNop();
      return true;
    }
    case "static_assert":
    case "fail":
      return true; // checked at compile time; nothing runs
    default:
      return false;
  }
}

/** bpftrace's source location: line:column-endcolumn, the end exclusive. */
function location(g: EmitContext, span: A.Span): string {
  const range = span.endLine === span.line ? `${span.col}-${span.endCol}` : `${span.col}`;
  return `${g.shared.origin}:${span.line}:${range}`;
}

/** An errorf/warnf record: like printf's, with the severity and the call's location. */
function severityPrintf(g: EmitContext, kind: "errorf" | "warnf", fmt: string, args: readonly A.Expr[], span: A.Span): void {
  const { e } = g;
  const specs = parseFormat(fmt);
  if (typeof specs === "string") throw new CodegenError(specs, span);
  const argTypes = args.map((a) => g.type(a));
  const layout = tupleLayout([{ k: "int", bits: 64, signed: false }, ...argTypes]);
  const laid: ArgLayout[] = argTypes.map((type, i) => ({ type, offset: layout.offsets[i + 1]! }));
  const id = C.action(g, { kind, format: fmt, specs, args: laid, location: location(g, span) });
  const size = Math.max(8, layout.size);
  const rec = g.frame.alloc(size);
  e.zero(rec, size);
  args.forEach((a, i) => g.storeInto(a, rec + laid[i]!.offset, argTypes[i]!));
  g.loadConst(BigInt(id));
  e.emit(asm.stx(8, R10, rec, R0));
  C.output(g, rec, size);
}

/** r0 = the bytes before the first NUL of a string or char array (at most its size), or of a C string. */
function strlen(g: EmitContext, arg: A.Expr): void {
  const { e } = g;
  const t = g.type(arg);
  if (t.k !== "string" && t.k !== "array") {
    // a pointer: probe_read_*_str returns the bytes it copied, NUL included
    const size = DEFAULT_STRLEN; // bpftrace: default_str_length()
    const buf = g.frame.alloc(size);
    g.scalar(arg);
    e.emit(asm.mov(R3, R0));
    e.stackAddr(R1, buf);
    const user = t.k === "ptr" ? t.user : inUserSpace(g.cp.concrete);
    e.emit(asm.movImm(R2, size), asm.call(user ? H.probe_read_user_str : H.probe_read_kernel_str));
    const neg = e.label("slneg");
    e.emit(asm.jsleImm(R0, 0, neg), asm.addImm(R0, -1));
    const end = e.label("slend");
    e.emit(asm.ja(end));
    e.place(neg);
    e.emit(asm.movImm(R0, 0));
    e.place(end);
    g.placeNop();
    return;
  }
  const off = g.value(arg);
  const n = sizeOf(t);
  const top = e.label("sltop");
  const more = e.label("slmore");
  const done = e.label("sldone");
  e.stackAddr(R1, off);
  e.emit(asm.movImm(R0, 0));
  e.place(top);
  e.emit(asm.ldx(1, R2, R1, 0), asm.jneImm(R2, 0, more), asm.ja(done));
  e.place(more);
  e.emit(asm.addImm(R0, 1), asm.addImm(R1, 1), asm.jltImm(R0, n, top));
  e.place(done);
  g.placeNop();
}

/** r0 = bpf_strnstr(haystack, needle, sizeof haystack), -1 when not found. */
function strstr(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  const id = g.shared.env?.btfId("bpf_strnstr", "func");
  if (id === undefined) throw new CodegenError("strstr() needs the bpf_strnstr kfunc (Linux 6.17) in the kernel's BTF", x.span);
  const hay = g.value(x.args[0]!);
  const needle = g.value(x.args[1]!);
  e.stackAddr(R1, hay);
  e.stackAddr(R2, needle);
  // the kfunc returns an int: sign-extend its low 32 bits
  e.emit(asm.movImm(R3, sizeOf(g.type(x.args[0]!))), asm.callKfunc(id), asm.lshImm(R0, 32), asm.arshImm(R0, 32));
  const found = e.label("ssfound");
  e.emit(asm.jsgeImm(R0, 0, found), asm.movImm(R0, -1));
  e.place(found);
  g.placeNop();
}

/** r0 = the difference of the first differing signed bytes of the two values, 0 when equal. */
function memcmp(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  const [a, b, count] = [x.args[0]!, x.args[1]!, x.args[2]!];
  const lim = Math.min(sizeOf(g.type(a)), sizeOf(g.type(b)));
  const oa = g.value(a);
  const ob = g.value(b);
  const n = constInt(count, g.shared.positional);
  if (n !== undefined) e.emit(asm.movImm(R5, Math.min(Number(n), lim)));
  else {
    g.scalar(count);
    e.emit(asm.mov(R5, R0));
    const inRange = e.label("mcin");
    e.emit(asm.jleImm(R5, lim, inRange), asm.movImm(R5, lim));
    e.place(inRange);
  }
  const top = e.label("mctop");
  const body = e.label("mcbody");
  const same = e.label("mcsame");
  const ne = e.label("mcne");
  const eq = e.label("mceq");
  const out = e.label("mcout");
  e.stackAddr(R1, oa);
  e.stackAddr(R2, ob);
  e.place(top);
  e.emit(asm.jneImm(R5, 0, body), asm.ja(eq));
  e.place(body);
  e.emit(asm.ldxs(1, R3, R1, 0), asm.ldxs(1, R4, R2, 0), asm.jeq(R3, R4, same), asm.ja(ne));
  e.place(same);
  e.emit(asm.addImm(R1, 1), asm.addImm(R2, 1), asm.addImm(R5, -1), asm.ja(top));
  e.place(ne);
  e.emit(asm.mov(R0, R3), asm.sub(R0, R4), asm.ja(out));
  e.place(eq);
  e.emit(asm.movImm(R0, 0));
  e.place(out);
  g.placeNop();
}

/** r0 = bpf_for_each_map_elem(&map, callback returning 0, NULL, 0): the number of elements. */
function mapLength(g: EmitContext, m: A.MapExpr): void {
  const { e } = g;
  const info = M.mapInfo(g, m.name, m.span);
  if (info.keyTypes.length === 0) throw new CodegenError(`len() expects a map with explicit keys (non-scalar map): ${m.name} has none`, m.span);
  const entry = e.label("len_cb");
  e.emit(asm.ldMapFd(R1, m.name), asm.ldFunc(R2, entry), asm.movImm(R3, 0), asm.movImm(R4, 0), asm.call(H.for_each_map_elem));
  g.subprogs.push({
    name: `map_len_cb_${g.subprogs.length}`,
    label: entry,
    params: MAP_CALLBACK_PARAMS,
    insns: [withLabel(asm.movImm(R0, 0), entry), asm.exit()],
  });
}

/** r0 = frames of the current kernel or user stack: bpf_get_stack's bytes / 8. */
function stackLength(g: EmitContext, arg: A.Expr): void {
  const { e } = g;
  const t = g.type(arg);
  if (t.k !== "stack") throw new CodegenError("len() expects a map, ustack or kstack", arg.span);
  const depth = Math.min(t.limit ?? STACK_DEPTH, STACK_DEPTH);
  const buf = g.frame.alloc(depth * 8);
  e.emit(asm.mov(R1, R6));
  e.stackAddr(R2, buf);
  e.emit(asm.movImm(R3, depth * 8), asm.movImm(R4, t.user ? BPF_F_USER_STACK : 0), asm.call(helpers.get_stack!));
  const ok = e.label("stlok");
  e.emit(asm.jsgeImm(R0, 0, ok), asm.movImm(R0, 0));
  e.place(ok);
  e.emit(asm.rshImm(R0, 3));
}

/** `(int8[N])v`: the integer's bytes (or another array's) into the array at r10+off. */
export function arrayCast(g: EmitContext, x: A.CastExpr, off: number, t: Type): void {
  const from = g.type(x.expr);
  const size = sizeOf(t);
  if (from.k === "array") {
    const src = g.value(x.expr);
    g.e.copy(R10, off, R10, src, size);
    return;
  }
  // the integer's low `size` bytes (little-endian: its first bytes), any size up to 8
  const tmp = g.frame.alloc(8);
  g.scalar(x.expr);
  g.e.emit(asm.stx(8, R10, tmp, R0));
  g.e.copy(R10, off, R10, tmp, size);
}

/**
 * r0 = bpf_this_cpu_ptr(&sym) or bpf_per_cpu_ptr(&sym, cpu): the variable is the BTF VAR
 * of vmlinux's per-CPU section (lddw BPF_PSEUDO_BTF_ID). The verifier types the result
 * as a kernel pointer (or NULL); it goes through probe_read_kernel once so that the rest
 * of the program holds it as a plain number, like every other address.
 */
function percpuKaddr(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  const name = (x.args[0] as A.StrLit).value;
  const btf = g.shared.env?.btf?.();
  const id = btf?.findAllByName(name).find((i) => btf.kindOf(i) === "var");
  if (id === undefined) throw new CodegenError(`percpu_kaddr(): no per-CPU kernel variable '${name}' in the kernel's BTF`, x.span);
  // the verifier finds the variable through kallsyms, which lists data only with CONFIG_KALLSYMS_ALL
  if (g.shared.env?.kernelSymbolAddress?.(name) === undefined) {
    throw new CodegenError(`percpu_kaddr(): '${name}' is not in /proc/kallsyms (a kernel without CONFIG_KALLSYMS_ALL), so BPF programs cannot address it here`, x.span);
  }
  if (x.args[1]) {
    g.scalar(x.args[1]);
    e.emit(asm.mov(R2, R0), asm.ldBtfId(R1, id), asm.call(helpers.per_cpu_ptr!));
  } else {
    e.emit(asm.ldBtfId(R1, id), asm.call(helpers.this_cpu_ptr!));
  }
  const slot = g.frame.alloc(8, 8, "stack");
  const val = g.frame.alloc(8, 8, "stack");
  e.emit(asm.stx(8, R10, slot, R0));
  e.stackAddr(R1, val);
  e.emit(asm.movImm(R2, 8));
  e.stackAddr(R3, slot);
  e.emit(asm.call(H.probe_read_kernel), asm.ldx(8, R0, R10, val));
}
