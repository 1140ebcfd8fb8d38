// `asm`: every builder in one namespace, so generated code reads like assembly:
//   asm.ldx(8, R1, R10, -8), asm.jeqImm(R1, 0, "out"), asm.call(helpers.map_lookup_elem)

import { alu, aluBuilders, bswap, endian, movsx, movsx32 } from "./alu.ts";
import { call, callKfunc, callLocal, exit, gotol, ja, jmp, jumpBuilders, mayGoto } from "./jump.ts";
import {
  atomic, ldAbs, ldBtfId, ldFunc, ldImm64, ldInd, ldMapFd, ldMapValue, ldx, ldxs, loadAcquire, st,
  storeRelease, stx,
} from "./load-store.ts";

export const asm = {
  alu,
  ...aluBuilders,
  movsx,
  movsx32,
  endian,
  bswap,
  jmp,
  ja,
  gotol,
  mayGoto,
  ...jumpBuilders,
  call,
  callLocal,
  callKfunc,
  exit,
  ldx,
  ldxs,
  stx,
  st,
  ldImm64,
  ldMapFd,
  ldMapValue,
  ldFunc,
  ldBtfId,
  atomic,
  loadAcquire,
  storeRelease,
  ldAbs,
  ldInd,
} as const;
