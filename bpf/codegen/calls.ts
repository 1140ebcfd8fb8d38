// Calls in the generator: functions with a number or a value as result, and statement
// calls (printf and its relatives, exit, delete, clear, zero, print) that send actions
// through the ring buffer.
import { asm, R0, R1, R2, R3, R4, R6, R10, H, INLINE_BYTES } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { constInt } from "../lang/const-fold.ts";
import { parseFormat } from "../output/printf-format.ts";
import { type Type, sizeOf, tupleLayout, isScalar } from "../types/types.ts";
import { PtRegs } from "../types/abi.ts";
import * as VC from "./value-calls.ts";
import * as SC from "./stdlib-calls.ts";
import { JOIN_ARGNUM, JOIN_ARGSIZE } from "../check/value-functions.ts";
import type { Action, ArgLayout } from "../functions/actions.ts";
import { DROPS_MAP, EVENTS_MAP } from "../types/internal-maps.ts";
import { CodegenError } from "../types/errors.ts";
import type { GenContext } from "./emit-context.ts";
import * as M from "./map-ops.ts";
import { functions } from "../functions/index.ts";
import { action, output, simpleAction } from "../functions/records.ts";

export function callScalar(g: GenContext, x: A.CallExpr): void {
  const { e } = g;
  const row = functions.get(x.callee);
  if (row?.emit?.scalar) return row.emit.scalar(g, x);
  switch (x.callee) {
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
    default:
      if (SC.callScalar(g, x)) return;
      if (isScalar(g.type(x))) throw new CodegenError(`${x.callee}() is not supported yet`, x.span);
      throw new CodegenError(`${x.callee}() has no numeric value`, x.span);
  }
}

export function callValue(g: GenContext, x: A.CallExpr, off: number, t: Type): void {
  const { e } = g;
  const size = sizeOf(t);
  const row = functions.get(x.callee);
  if (row?.emit?.value) return row.emit.value(g, x, off, t);
  if (row?.emit?.scalar && isScalar(t)) {
    row.emit.scalar(g, x);
    e.emit(asm.stx(8, R10, off, R0));
    return;
  }
  switch (x.callee) {
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

export function callStmt(g: GenContext, x: A.CallExpr): void {
  const { e } = g;
  const row = functions.get(x.callee);
  if (row?.emit?.stmt) return row.emit.stmt(g, x);
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
    default:
      if (SC.callStmt(g, x)) return;
      g.discard(x);
  }
}

export function printf(g: GenContext, x: A.CallExpr): void {
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
