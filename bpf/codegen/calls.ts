// Calls in the generator: functions with a number or a value as result, and statement
// calls (printf and its relatives, exit, delete, clear, zero, print) that send actions
// through the ring buffer.
import { asm, R0, R1, R2, R3, R4, R6, R10 } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { emitTableName, NAME_STRLEN } from "./name-tables.ts";
import { constInt } from "../check/const-fold.ts";
import { parseFormat } from "../check/printf-format.ts";
import { type Type, sizeOf, tupleLayout, isScalar } from "../types/types.ts";
import { PtRegs } from "../types/abi.ts";
import { H, INLINE_BYTES } from "./emitter.ts";
import { compareBytes, containsLoop } from "./byte-loops.ts";
import * as VC from "./value-calls.ts";
import * as SC from "./stdlib-calls.ts";
import { JOIN_ARGNUM, JOIN_ARGSIZE } from "../check/value-functions.ts";
import type { Action, ArgLayout } from "./spec.ts";
import { DROPS_MAP, EVENTS_MAP } from "./spec.ts";
import { CodegenError } from "./generator.ts";
import type { EmitContext } from "./emit-context.ts";
import { inUserSpace } from "../probes/index.ts";
import * as M from "./map-ops.ts";

export function callScalar(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  switch (x.callee) {
    case "strncmp": {
      const n = Number(constInt(x.args[2]!, g.shared.positional) ?? 0n);
      const a = g.value(x.args[0]!);
      const b = g.value(x.args[1]!);
      const ne = e.label("sncne");
      const end = e.label("sncend");
      const lim = Math.min(n, sizeOf(g.type(x.args[0]!)), sizeOf(g.type(x.args[1]!)));
      compareBytes(e, a, b, lim, ne, end);
      e.place(end);
      return g.flag(0, ne, 1);
    }
    case "strcontains":
      return strcontains(g, x);
    case "delete": {
      // bpf_map_delete_elem returns 0 when it deleted the key: the value is that success.
      callStmt(g, x);
      const no = e.label("delno");
      const end = e.label("delend");
      e.emit(asm.jneImm(R0, 0, no), asm.movImm(R0, 1), asm.ja(end));
      e.place(no);
      e.emit(asm.movImm(R0, 0));
      e.place(end);
      g.placeNop();
      return;
    }
    case "has_key": {
      const m = x.args[0] as A.MapExpr;
      const info = M.mapInfo(g, m.name, m.span);
      M.lookup(g, m.name, M.keyFromExpr(g, info, x.args[1]!));
      const no = e.label("hkno");
      e.emit(asm.jeqImm(R0, 0, no), asm.movImm(R0, 1));
      e.place(no);
      g.placeNop();
      return;
    }
    case "ksym":
    case "usym":
    case "cgroup_path":
    case "bswap":
      g.scalar(x.args[0]!);
      if (x.callee === "bswap") {
        const t = g.type(x.args[0]!);
        e.emit(asm.bswap(R0, (t.k === "int" ? t.bits : 64) as 64));
      }
      return;
    case "kstack":
    case "ustack":
      return g.stackId(x.callee === "ustack", g.type(x));
    case "sizeof":
      return g.scalar(x.args[0]!);
    case "kaddr":
    case "uaddr":
    case "cgroupid":
      return VC.constantCall(g, x);
    case "reg": {
      const name = (x.args[0] as A.StrLit).value;
      const off = (PtRegs as Record<string, number>)[name.replace(/^r?/, "r")] ?? (PtRegs as Record<string, number>)[name];
      if (off === undefined) throw new CodegenError(`unknown register '${name}'`, x.span);
      e.emit(asm.ldx(8, R0, R6, off));
      return;
    }
    default:
      if (SC.callScalar(g, x)) return;
      if (isScalar(g.type(x))) throw new CodegenError(`${x.callee}() is not supported yet`, x.span);
      throw new CodegenError(`${x.callee}() has no numeric value`, x.span);
  }
}

export function strcontains(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  const hay = g.value(x.args[0]!);
  const needle = x.args[1]!;
  if (needle.kind !== "StrLit") throw new CodegenError("strcontains() needs a string literal as the needle (for now)", needle.span);
  const bytes = Buffer.from(needle.value);
  const hsize = sizeOf(g.type(x.args[0]!));
  const found = e.label("scfound");
  const end = e.label("scend");
  if (bytes.length === 0 || bytes.length > hsize - 1) {
    // empty needle: always found; one longer than the haystack can hold: never (and no
    // position to test, so `found` would be unreachable code)
    e.emit(asm.movImm(R0, bytes.length === 0 ? 1 : 0));
    return;
  }
  if (hsize > INLINE_BYTES) containsLoop(e, hay, hsize, bytes, found, end);
  else for (let i = 0; i + bytes.length <= hsize - 1; i++) {
    const next = e.label("scnext");
    for (let j = 0; j < bytes.length; j++) {
      e.emit(asm.ldx(1, R1, R10, hay + i + j), asm.jneImm(R1, bytes[j]!, next));
    }
    e.emit(asm.ja(found));
    e.place(next);
    e.emit(asm.ldx(1, R1, R10, hay + i), asm.jeqImm(R1, 0, end)); // the haystack ended
  }
  e.place(end);
  g.flag(0, found, 1);
}

export function callValue(g: EmitContext, x: A.CallExpr, off: number, t: Type): void {
  const { e } = g;
  const size = sizeOf(t);
  switch (x.callee) {
    case "str": {
      const at = g.type(x.args[0]!);
      if (at.k === "string") {
        g.storeInto(x.args[0]!, off, t);
        return;
      }
      e.zero(off, size);
      let n = size;
      if (x.args[1]) {
        const c = constInt(x.args[1], g.shared.positional);
        if (c !== undefined) n = Math.min(size, Number(c) + 1);
      }
      g.scalar(x.args[0]!);
      e.emit(asm.mov(R3, R0));
      e.stackAddr(R1, off);
      const user = at.k === "ptr" ? at.user : inUserSpace(g.cp.concrete);
      e.emit(asm.movImm(R2, n), asm.call(user ? H.probe_read_user_str : H.probe_read_kernel_str));
      return;
    }
    case "buf": {
      e.zero(off, size);
      g.scalar(x.args[0]!);
      e.emit(asm.mov(R3, R0));
      e.stackAddr(R1, off);
      e.emit(asm.movImm(R2, size), asm.call(H.probe_read_user));
      return;
    }
    case "strftime":
    case "ntop":
    case "macaddr":
      return VC.storeValueCall(g, x, off);
    case "syscall_name":
    case "strerror":
      if (size > NAME_STRLEN) e.zero(off, size);
      return emitTableName(g, x, x.callee, off);
    default:
      if (SC.callValue(g, x, off, t)) return;
      if (isScalar(t)) {
        callScalar(g, x);
        e.emit(asm.stx(8, R10, off, R0));
        return;
      }
      throw new CodegenError(`${x.callee}() is not supported yet`, x.span);
  }
}

export function callStmt(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  switch (x.callee) {
    case "printf":
    case "system":
    case "cat":
      return printf(g, x);
    case "join": {
      const sep = x.args[1]?.kind === "StrLit" ? x.args[1].value : " ";
      return VC.join(g, x, action(g, { kind: "join", separator: sep, count: JOIN_ARGNUM, size: JOIN_ARGSIZE }));
    }
    case "exit": {
      const id = action(g, { kind: "exit" });
      const rec = g.frame.alloc(16);
      g.loadConst(BigInt(id));
      e.emit(asm.stx(8, R10, rec, R0));
      if (x.args[0]) g.scalar(x.args[0]);
      else e.emit(asm.movImm(R0, 0));
      e.emit(asm.stx(8, R10, rec + 8, R0));
      output(g, rec, 16);
      e.emit(asm.ja(g.exitLabel));
      return;
    }
    case "delete": {
      const m = x.args[0] as A.MapExpr;
      const info = M.mapInfo(g, m.name, m.span);
      const keyOff = x.args.length === 2 ? M.keyFromExpr(g, info, x.args[1]!) : M.buildKey(g, m, info).off;
      e.emit(asm.ldMapFd(R1, m.name));
      e.stackAddr(R2, keyOff);
      e.emit(asm.call(H.map_delete_elem));
      return;
    }
    case "clear":
    case "zero": {
      const m = x.args[0] as A.MapExpr;
      M.mapInfo(g, m.name, m.span);
      return simpleAction(g, { kind: x.callee, map: m.name });
    }
    case "print": {
      const a = x.args[0]!;
      if (a.kind === "MapExpr" && a.keys.length === 0) {
        M.mapInfo(g, a.name, a.span);
        const top = x.args[1] ? Number(constInt(x.args[1], g.shared.positional) ?? 0n) : 0;
        const div = x.args[2] ? Number(constInt(x.args[2], g.shared.positional) ?? 1n) : 1;
        return simpleAction(g, { kind: "print", map: a.name, top, div });
      }
      const t = g.type(a);
      const rec = g.frame.alloc(8 + sizeOf(t), 8);
      const id = action(g, { kind: "print_value", arg: { type: t, offset: 8 } });
      g.storeInto(a, rec + 8, t);
      g.loadConst(BigInt(id));
      e.emit(asm.stx(8, R10, rec, R0));
      output(g, rec, 8 + sizeOf(t));
      return;
    }
    case "time": {
      const fmt = x.args[0]?.kind === "StrLit" ? x.args[0].value : "%H:%M:%S\n";
      return simpleAction(g, { kind: "time", format: fmt });
    }
    case "signal": {
      const a = x.args[0]!;
      let sig: number | undefined;
      if (a.kind === "StrLit") sig = SIGNALS[a.value.replace(/^SIG/, "")];
      else g.scalar(a);
      if (a.kind === "StrLit" && sig === undefined) throw new CodegenError(`unknown signal '${a.value}'`, a.span);
      if (sig !== undefined) e.emit(asm.movImm(R0, sig));
      e.emit(asm.mov(R1, R0), asm.call(H.send_signal));
      return;
    }
    default:
      if (SC.callStmt(g, x)) return;
      g.discard(x);
  }
}

export function simpleAction(g: EmitContext, a: Action): void {
  const id = action(g, a);
  const rec = g.frame.alloc(8);
  g.loadConst(BigInt(id));
  g.e.emit(asm.stx(8, R10, rec, R0));
  output(g, rec, 8);
}

export function action(g: EmitContext, a: Action): number {
  g.shared.actions.push(a);
  return g.shared.actions.length - 1;
}

export function printf(g: EmitContext, x: A.CallExpr): void {
  const { e } = g;
  const fmt = (x.args[0] as A.StrLit).value;
  const specs = parseFormat(fmt);
  if (typeof specs === "string") throw new CodegenError(specs, x.span);
  const argTypes = x.args.slice(1).map((a) => g.type(a));
  const layout = tupleLayout([{ k: "int", bits: 64, signed: false }, ...argTypes]);
  const args: ArgLayout[] = argTypes.map((type, i) => ({ type, offset: layout.offsets[i + 1]! }));
  const kind = x.callee === "system" || x.callee === "cat" ? x.callee : "printf";
  const id = action(g, { kind, format: fmt, specs, args });
  const size = Math.max(8, layout.size);
  const rec = g.frame.alloc(size);
  e.zero(rec, size);
  x.args.slice(1).forEach((a, i) => g.storeInto(a, rec + args[i]!.offset, argTypes[i]!));
  g.loadConst(BigInt(id));
  e.emit(asm.stx(8, R10, rec, R0));
  output(g, rec, size);
}

/** ringbuf_output(&events, r10+off, size, 0); count a drop when it fails. */
export function output(g: EmitContext, off: number, size: number): void {
  const { e } = g;
  const ok = e.label("out_ok");
  e.emit(asm.ldMapFd(R1, EVENTS_MAP));
  e.stackAddr(R2, off);
  e.emit(asm.movImm(R3, size), asm.movImm(R4, 0), asm.call(H.ringbuf_output), asm.jeqImm(R0, 0, ok));
  // lost: drops[0] += 1 (an array map; atomic add, programs run on every CPU)
  const key = g.frame.alloc(8);
  e.emit(asm.st(4, R10, key, 0), asm.ldMapFd(R1, DROPS_MAP));
  e.stackAddr(R2, key);
  e.emit(asm.call(H.map_lookup_elem), asm.jeqImm(R0, 0, ok), asm.movImm(R1, 1), asm.atomic("add", 8, R0, 0, R1));
  e.place(ok);
  g.placeNop();
}

/** signal("SIGKILL") / signal("KILL"): the numbers of the signals bpftrace names. */
const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20,
};
