// The network family: addresses as bpftrace types them (ntop's inet, macaddr's MAC,
// pton's bytes) and byte order (bswap). The kernel records the raw bytes; user space
// formats them when they are printed (bpf/output/value-format.ts).
//
//   ntop      { u64 af; u8 addr[16] } (bpftrace's inet layout)
//   macaddr   6 bytes
//   pton      the address's bytes, parsed at compile time
import { asm, R0, R1, R2, R3, R10 } from "../asm/index.ts";
import { CodegenError } from "../types/errors.ts";
import { AF_INET, AF_INET6 } from "../types/abi.ts";
import { type Type, int, isScalar, sizeOf, typeName } from "../types/types.ts";
import { inetText, macText } from "../output/value-format.ts";
import type * as A from "../lang/ast.ts";
import { type CallCheck, type FunctionRow, type Use, argsOf, arity, fn, intArg } from "./row.ts";
import type { EmitContext } from "./emit-context.ts";
import { readInt } from "./decode.ts";
import { probeRead } from "./memory.ts";
import { parsePton } from "./pton.ts";

/** Bytes of an array-like argument (char[N], uint8[N], buffer), or undefined. */
export function byteLength(t: Type): number | undefined {
  if (t.k === "string" || t.k === "buffer") return t.size;
  if (t.k === "array") return sizeOf(t);
  return undefined;
}

function checkNtop(c: CallCheck): Type | string {
  const a = arity(c, 1, 2);
  if (a) return a;
  const addr = c.argTypes[c.argTypes.length - 1]!;
  if (c.argTypes.length === 2 && !isScalar(c.argTypes[0]!)) return `ntop() address family must be an integer, not ${typeName(c.argTypes[0]!)}`;
  const n = byteLength(addr);
  if (n === undefined && !isScalar(addr)) return `ntop() needs an integer or a 4- or 16-byte array, not ${typeName(addr)}`;
  if (n !== undefined && n !== 4 && n !== 16) return `ntop() needs a 4-byte (IPv4) or 16-byte (IPv6) array, not ${n} bytes`;
  return { k: "inet" };
}

function checkMacaddr(c: CallCheck): Type | string {
  const a = arity(c, 1);
  if (a) return a;
  const t = c.argTypes[0]!;
  const n = byteLength(t);
  if (n === undefined && !isScalar(t)) return `macaddr() needs a 6-byte array or a pointer, not ${typeName(t)}`;
  if (n !== undefined && n < 6) return `macaddr() needs at least 6 bytes, not ${n}`;
  return { k: "macaddr" };
}

export const NETWORK_FUNCTIONS: readonly FunctionRow[] = [
  fn("ntop", "ntop([af,] addr)", "Format an IPv4 (integer or 4 bytes) or IPv6 (16 bytes) address.", checkNtop, {
    emit: { value: ntop },
    decode: {
      accepts: (t) => t.k === "inet",
      value: (_t, b, off) => ({ kind: "text", text: inetText(Number(readInt(b, off, 8, false)), b.subarray(off + 8, off + 24)), origin: "inet" }),
    },
  }),
  fn("pton", "char[4] | char[16] pton(const string addr)", "An IPv4 or IPv6 address in text as its bytes (network order), at compile time.", (c) => {
    const bad = arity(c, 1);
    if (bad) return bad;
    const text = c.constStr(0);
    if (text === undefined) return "pton() needs a string literal";
    const bytes = parsePton(text);
    if (typeof bytes === "string") return bytes;
    return { k: "array", element: int(8, true), length: bytes.length };
  }, { emit: { value: pton } }),
  fn("macaddr", "macaddr(addr)", "Format 6 bytes as a MAC address.", checkMacaddr, {
    emit: { value: macaddr },
    decode: {
      accepts: (t) => t.k === "macaddr",
      value: (_t, b, off) => ({ kind: "text", text: macText(b.subarray(off, off + 6)), origin: "mac_address" }),
    },
  }),
  fn("bswap", "bswap(int)", "Reverse the bytes of an integer.", (c) => arity(c, 1) ?? intArg(c, 0) ?? c.argTypes[0]!, { emit: { scalar: bswap } }),
];

/** ntop([af,] addr): the family (given, or by the address's size) and the address bytes. */
function ntop(g: EmitContext, x: Use, off: number): void {
  const { e } = g;
  const args = argsOf(x);
  e.zero(off, 24);
  const addr = args[args.length - 1]!;
  const n = byteLength(g.type(addr));
  if (args.length === 2) {
    g.scalar(args[0]!);
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
}

/** macaddr(addr): 6 bytes of an array, or read through a pointer. */
function macaddr(g: EmitContext, x: Use, off: number): void {
  const { e } = g;
  const arg = argsOf(x)[0]!;
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
  e.emit(asm.movImm(R2, 6), asm.call(probeRead(g, t)));
}

function pton(g: EmitContext, x: Use, off: number, t: Type): void {
  const bytes = parsePton((argsOf(x)[0] as A.StrLit).value);
  if (typeof bytes === "string") throw new CodegenError(bytes, x.span);
  g.e.storeBytes(off, bytes, sizeOf(t));
}

function bswap(g: EmitContext, x: Use): void {
  const arg = argsOf(x)[0]!;
  g.scalar(arg);
  const t = g.type(arg);
  const bits = t.k === "int" ? t.bits : 64;
  // one byte has no order to reverse (bpftrace gives it back as is)
  if (bits !== 8) g.e.emit(asm.bswap(R0, bits as 64));
}
