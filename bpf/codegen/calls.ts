// Calls in the generator: functions with a number or a value as result, and statement
// calls (printf and its relatives, exit, delete, clear, zero, print) that send actions
// through the ring buffer.
import { asm, R0, R1, R2, R3, R4, R6, R10, H, INLINE_BYTES } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { constInt } from "../lang/const-fold.ts";
import { parseFormat } from "../output/printf-format.ts";
import { type Type, sizeOf, tupleLayout, isScalar } from "../types/types.ts";
import { PtRegs } from "../types/abi.ts";
import * as SC from "./stdlib-calls.ts";
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
    default:
      g.discard(x);
  }
}
