// Byte-wise string work as bounded loops. Unrolled, comparing two 1024-byte strings is
// 4096 instructions and strcontains() over one is 1024 copies of the needle test; as a
// loop it is a dozen instructions that the verifier walks once per byte (it follows the
// pointer and the counter exactly, so each iteration is a new state and the loop ends).
// The generator and the string functions unroll up to INLINE_BYTES and call these above
// that.
//
// The verifier follows a conditional jump's fallthrough first and keeps the taken branch
// on a stack of pending states, refusing programs with more than 8192 of them ("the
// sequence of 8193 jumps is too complex"). So each branch whose outcome it cannot know
// *jumps* to the next iteration and falls through to the way out: the way out is walked
// (and pruned where it joins code already seen) before the next iteration starts, and at
// most one state per loop is pending, whatever the string size.
//
// Both take slots as r10 offsets (stack or scratch: stackAddr is rewritten for the
// latter) and clobber r1-r5.
import { asm, R1, R2, R3, R4, R5, R10, type Emitter, INLINE_BYTES } from "../asm/index.ts";

/**
 * Compare `n` bytes at r10+a and r10+b as compareBytesLoop does: unrolled for short
 * strings, a bounded loop beyond INLINE_BYTES.
 */
export function compareBytes(e: Emitter, a: number, b: number, n: number, ne: string, eq: string): void {
  if (n > INLINE_BYTES) return compareBytesLoop(e, a, b, n, ne, eq);
  for (let i = 0; i < n; i++) {
    e.emit(asm.ldx(1, R1, R10, a + i), asm.ldx(1, R2, R10, b + i), asm.jne(R1, R2, ne), asm.jeqImm(R1, 0, eq));
  }
}

/**
 * Compare `n` bytes at r10+a and r10+b: jump to `ne` at the first byte that differs, to
 * `eq` at a NUL both strings have there; fall through when all `n` bytes are equal.
 */
export function compareBytesLoop(e: Emitter, a: number, b: number, n: number, ne: string, eq: string): void {
  const top = e.label("cmploop");
  const same = e.label("cmpsame");
  const more = e.label("cmpmore");
  e.stackAddr(R1, a);
  e.stackAddr(R2, b);
  e.emit(asm.movImm(R3, n));
  e.place(top);
  e.emit(asm.ldx(1, R4, R1, 0), asm.ldx(1, R5, R2, 0), asm.jeq(R4, R5, same), asm.ja(ne));
  e.place(same);
  e.emit(asm.jneImm(R4, 0, more), asm.ja(eq));
  e.place(more);
  e.emit(asm.addImm(R1, 1), asm.addImm(R2, 1), asm.addImm(R3, -1), asm.jneImm(R3, 0, top));
}

/**
 * Search `needle` (non-empty) in the string of `size` bytes at r10+hay: jump to `found`
 * when it starts at some position before the string's NUL, else to `notFound`. A
 * position is tested without branches (r5 = OR of hay[i + j] ^ needle[j]).
 */
export function containsLoop(e: Emitter, hay: number, size: number, needle: Uint8Array, found: string, notFound: string): void {
  const positions = size - needle.length; // starts i with i + needle.length <= size - 1
  if (positions <= 0) {
    e.emit(asm.ja(notFound));
    return;
  }
  const top = e.label("scloop");
  const miss = e.label("scmiss");
  const more = e.label("scmore");
  e.stackAddr(R1, hay);
  e.emit(asm.movImm(R3, positions));
  e.place(top);
  e.emit(asm.movImm(R5, 0));
  needle.forEach((b, j) => e.emit(asm.ldx(1, R4, R1, j), asm.xorImm(R4, b), asm.or(R5, R4)));
  e.emit(asm.jneImm(R5, 0, miss), asm.ja(found));
  e.place(miss);
  e.emit(asm.ldx(1, R4, R1, 0), asm.jneImm(R4, 0, more), asm.ja(notFound)); // the haystack ended
  e.place(more);
  e.emit(asm.addImm(R1, 1), asm.addImm(R3, -1), asm.jneImm(R3, 0, top), asm.ja(notFound));
}
