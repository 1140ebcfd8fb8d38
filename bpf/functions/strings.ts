// The string family: reading strings and buffers from memory (str, buf) and working on
// them in the kernel (strncmp, strcontains, strlen, strcap, strstr, memcmp).
//
//   str/buf   probe_read_*_str / probe_read_user into the value's slot, zeroed first
//   strlen    a bounded loop over the string's bytes (a pointer: probe_read_*_str's length)
//   strstr    the bpf_strnstr kfunc (Linux 6.17): index, or -ENOENT → -1
//   memcmp    a bounded loop over min(count, sizes) signed bytes: left[i] - right[i]
import { asm, H, INLINE_BYTES, R0, R1, R2, R3, R4, R5, R10 } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { constInt } from "../lang/const-fold.ts";
import { CodegenError } from "../types/errors.ts";
import { type Type, DEFAULT_STRLEN, bool, int, isScalar, s64, sizeOf, str, typeName, u64 } from "../types/types.ts";
import { type CallCheck, type FunctionRow, type Use, argsOf, arity, fn, nameOf } from "./row.ts";
import type { EmitContext } from "./emit-context.ts";
import { compareBytes, containsLoop } from "./byte-loops.ts";
import { probeRead, probeReadStr, userPointer } from "./memory.ts";
import { helperErrorCheck } from "./helper-errors.ts";

/** A string-like value: a string, a char array or a pointer (read as a string). */
function stringLike(c: CallCheck, i: number): string | null {
  const t = c.argTypes[i]!;
  if (t.k === "string" || (t.k === "array" && t.element.k === "int" && t.element.bits === 8) || t.k === "ptr" || t.k === "int") return null;
  return `${c.call.callee}() argument ${i + 1} must be a string, not ${typeName(t)}`;
}

/** A string or char array (held in a slot): what strcontains() searches and searches for. */
function inMemoryString(c: CallCheck, i: number): string | null {
  const t = c.argTypes[i]!;
  if (t.k === "string" || (t.k === "array" && t.element.k === "int" && t.element.bits === 8)) return null;
  return `${c.call.callee}() ${i === 0 ? "haystack" : "needle"} must be a string, not ${typeName(t)}`;
}

export const STRING_FUNCTIONS: readonly FunctionRow[] = [
  fn("str", "str(char *s[, int length])", "Read a NUL-terminated string from kernel or user memory.", (c) => {
    const a = arity(c, 1, 2);
    if (a) return a;
    const t = c.argTypes[0]!;
    // str($1) is the parameter's text, a number's digits included (bpftrace)
    const p = c.call.args[0];
    if (p?.kind === "PositionalExpr" && !p.count) {
      const n = c.constInt(1);
      const text = Buffer.byteLength(c.constStr(0) ?? "") + 1;
      return str(n !== undefined ? Math.max(1, Math.min(Number(n), text)) : text);
    }
    if (t.k === "string") return t;
    if (!isScalar(t) && t.k !== "array") return `str() needs a pointer, not ${typeName(t)}`;
    const n = c.constInt(1);
    // the length counts the NUL: str(s, 5) keeps 4 bytes (bpftrace's stdlib.md)
    return str(n !== undefined ? Math.max(1, Math.min(Number(n), c.maxStrlen)) : c.maxStrlen);
  }, { emit: { value: readString } }),
  fn("buf", "buf(void *p | array | string, [int length])", "Length bytes at a pointer, or of an array or string (all of an array without a length), as a buffer (printed with %r).", (c) => {
    const a = arity(c, 1, 2);
    if (a) return a;
    const at = c.argTypes[0]!;
    const held = isScalar(at) ? undefined : sizeOf(at);
    const n = c.argTypes.length > 1 ? c.constInt(1) : held;
    if (n === undefined && held === undefined && c.argTypes.length === 1) return "buf() of a pointer needs a length";
    const size = n !== undefined ? Number(n) : Math.min(64, c.maxStrlen);
    return { k: "buffer", size: Math.min(size, held ?? c.maxStrlen, c.maxStrlen) };
  }, { emit: { value: readBuffer } }),
  fn("strncmp", "strncmp(s1, s2, n)", "Compare at most n bytes; 0 when equal.", (c) => arity(c, 3) ?? (c.constInt(2) === undefined ? "strncmp() length must be a constant" : s64), { emit: { scalar: strncmp } }),
  fn("strcontains", "bool strcontains(string haystack, string needle)", "Whether needle occurs in haystack (before its NUL); an empty needle always does.", (c) => arity(c, 2) ?? inMemoryString(c, 0) ?? inMemoryString(c, 1) ?? bool, { emit: { scalar: strcontains } }),
  fn("strlen", "uint64 strlen(string | int8[] | int8 *s)", "Length of a string-like value (bytes before the NUL, at most its capacity).", (c) => arity(c, 1) ?? stringLike(c, 0) ?? u64, {
    emit: { scalar: (g, x) => strlen(g, argsOf(x)[0]!) },
  }),
  fn("strcap", "int64 strcap(string | int8[] | int8 *s)", "Capacity of a string-like value: its size for strings and arrays, its length for pointers.", (c) => {
    const bad = arity(c, 1) ?? stringLike(c, 0);
    if (bad) return bad;
    const t = c.argTypes[0]!;
    if (t.k === "string") c.setConst?.(BigInt(t.size));
    else if (t.k === "array") c.setConst?.(BigInt(t.length));
    return s64;
  }, {
    // pointers only: the checker made strings and arrays constants
    emit: { scalar: (g, x) => strlen(g, argsOf(x)[0]!) },
  }),
  fn("strstr", "int64 strstr(string haystack, string needle)", "Index of the first occurrence of needle in haystack, -1 when there is none.", (c) => arity(c, 2) ?? stringLike(c, 0) ?? stringLike(c, 1) ?? s64, { emit: { scalar: strstr } }),
  fn("memcmp", "int memcmp(left, right, uint64 count)", "Compare the first count bytes: 0 when equal, negative when left is smaller at the first difference.", (c) => {
    const bad = arity(c, 3);
    if (bad) return bad;
    for (const i of [0, 1]) {
      const t = c.argTypes[i]!;
      if (isScalar(t) || t.k === "none") return `memcmp() argument ${i + 1} must be a value in memory (string, array, tuple, buffer), not ${typeName(t)}`;
    }
    if (!isScalar(c.argTypes[2]!)) return `memcmp() count must be an integer, not ${typeName(c.argTypes[2]!)}`;
    const n = c.constInt(2);
    if (n !== undefined && n < 0n) return "memcmp() count must not be negative";
    return int(32, true);
  }, { emit: { scalar: memcmp } }),
];

/** str(p[, n]): at most n + 1 bytes (the slot's size) of the string at p, NUL-padded. */
function readString(g: EmitContext, x: Use, off: number, t: Type): void {
  const { e } = g;
  const [arg, len] = argsOf(x);
  const size = sizeOf(t);
  const at = g.type(arg!);
  if (arg!.kind === "PositionalExpr" && !arg!.count) {
    e.storeBytes(off, Buffer.from(g.shared.positional[arg!.index - 1] ?? "").subarray(0, size - 1), size);
    return;
  }
  if (at.k === "string") {
    g.storeInto(arg!, off, t);
    return;
  }
  e.zero(off, size);
  let n = size;
  let lenSlot: number | undefined;
  if (len) {
    const c = constInt(len, g.shared.positional);
    if (c !== undefined) n = Math.max(1, Math.min(size, Number(c)));
    else {
      // a length known at run time: clamped to the value's size, so the verifier sees the bound
      g.scalar(len);
      lenSlot = g.frame.alloc(8);
      e.emit(asm.stx(8, R10, lenSlot, R0));
    }
  }
  g.scalar(arg!);
  e.emit(asm.mov(R3, R0));
  // str(p) below bpftrace's 1024 keeps max_strlen characters: the source address is kept for
  // the byte after them (see below)
  const srcSlot = !len && size < DEFAULT_STRLEN ? g.frame.alloc(8) : undefined;
  if (srcSlot !== undefined) e.emit(asm.stx(8, R10, srcSlot, R0));
  e.stackAddr(R1, off);
  if (lenSlot === undefined) e.emit(asm.movImm(R2, n));
  else {
    const ok = e.label("strlen_ok");
    e.emit(asm.ldx(8, R2, R10, lenSlot), asm.jleImm(R2, size, ok), asm.movImm(R2, size));
    e.place(ok);
  }
  e.emit(asm.call(probeReadStr(g, at)));
  helperErrorCheck(g, probeReadStr(g, at), x.span);
  if (srcSlot !== undefined) keepLastChar(g, off, size, srcSlot, at);
}

/**
 * bpftrace HEAD reads max_strlen + 1 bytes and keeps max_strlen: a longer string keeps its
 * first max_strlen characters and no NUL, which is how its output knows it was cut (and
 * prints str_trunc_trailer). The same without a byte more of slot: when probe_read_*_str
 * filled all `size` bytes (r0 = size, the NUL last), the source's character at that place
 * replaces the NUL; a NUL there (or a fault, which zeroes it) leaves the string whole.
 */
function keepLastChar(g: EmitContext, off: number, size: number, srcSlot: number, at: Type): void {
  const { e } = g;
  const whole = e.label("str_whole");
  e.emit(asm.jneImm(R0, size, whole));
  e.stackAddr(R1, off + size - 1);
  e.emit(asm.movImm(R2, 1), asm.ldx(8, R3, R10, srcSlot), asm.addImm(R3, size - 1), asm.call(probeRead(g, at)));
  e.place(whole);
}

/** buf(p, n): n bytes at p (user memory, as bpftrace reads them). */
function readBuffer(g: EmitContext, x: Use, off: number, t: Type): void {
  const { e } = g;
  const size = sizeOf(t);
  const arg = argsOf(x)[0]!;
  const at = g.type(arg);
  e.zero(off, size);
  if (!isScalar(at)) {
    // a string, array or record already held in a slot: its first bytes
    const src = g.value(arg);
    e.copy(R10, off, R10, src, Math.min(size, sizeOf(at)));
    return;
  }
  g.scalar(arg);
  e.emit(asm.mov(R3, R0));
  e.stackAddr(R1, off);
  e.emit(asm.movImm(R2, size), asm.call(probeRead(g, at)));
  helperErrorCheck(g, probeRead(g, at), x.span);
}

/** r0 = 1 when the first n bytes differ (bpftrace's strncmp is a not-equal flag). */
function strncmp(g: EmitContext, x: Use): void {
  const { e } = g;
  const [s1, s2, count] = argsOf(x);
  const n = Number(constInt(count!, g.shared.positional) ?? 0n);
  const a = g.value(s1!);
  const b = g.value(s2!);
  const ne = e.label("sncne");
  const end = e.label("sncend");
  const lim = Math.min(n, sizeOf(g.type(s1!)), sizeOf(g.type(s2!)));
  compareBytes(e, a, b, lim, ne, end);
  e.place(end);
  g.flag(0, ne, 1);
}

/**
 * r0 = whether the needle occurs in the haystack (before its NUL). A literal needle is
 * searched for by code made for its bytes; any other is bpftrace's strstr(h, n) >= 0,
 * through the bpf_strnstr kfunc (both stop at a NUL: "wo\0rld" is "wo").
 */
function strcontains(g: EmitContext, x: Use): void {
  const { e } = g;
  const [haystack, needle] = argsOf(x);
  if (needle!.kind !== "StrLit") {
    strstr(g, x);
    const found = e.label("scfound");
    e.emit(asm.jsgeImm(R0, 0, found));
    g.flag(0, found, 1);
    return;
  }
  const hay = g.value(haystack!);
  const literal = Buffer.from(needle!.value);
  const nul = literal.indexOf(0);
  const bytes = nul < 0 ? literal : literal.subarray(0, nul);
  const hsize = sizeOf(g.type(haystack!));
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
    e.emit(asm.movImm(R2, size), asm.call(probeReadStr(g, t)));
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
function strstr(g: EmitContext, x: Use): void {
  const { e } = g;
  const [haystack, needle] = argsOf(x);
  const id = g.shared.env?.btfId("bpf_strnstr", "func");
  if (id === undefined) throw new CodegenError(`${nameOf(x)}() needs the bpf_strnstr kfunc (Linux 6.17) in the kernel's BTF`, x.span);
  const hay = g.value(haystack!);
  const ndl = g.value(needle!);
  e.stackAddr(R1, hay);
  e.stackAddr(R2, ndl);
  // the kfunc returns an int: sign-extend its low 32 bits
  e.emit(asm.movImm(R3, sizeOf(g.type(haystack!))), asm.callKfunc(id), asm.lshImm(R0, 32), asm.arshImm(R0, 32));
  const found = e.label("ssfound");
  e.emit(asm.jsgeImm(R0, 0, found), asm.movImm(R0, -1));
  e.place(found);
  g.placeNop();
}

/** r0 = the difference of the first differing signed bytes of the two values, 0 when equal. */
function memcmp(g: EmitContext, x: Use): void {
  const { e } = g;
  const [a, b, count] = argsOf(x) as [A.Expr, A.Expr, A.Expr];
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
