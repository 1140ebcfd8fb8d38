// Casts between integers and integer arrays (bpftrace docs/language.md "Array Casts"):
// `(uint8[4])0x01020304`, `(int8[])12345` (the length from the value's size) and back,
// `(uint64)$arr`, `(int8[])"str"`. Both sides must have the same size; the bytes are kept as they are
// (no byte swapping: the result follows the machine's byte order).
import { type Type, sizeOf, typeName } from "../types/types.ts";

/**
 * The type of an array cast, an error message, or undefined when `from` → `to` is not an
 * array cast. `to` is the written type (length 0 for `[]`).
 */
export function arrayCastType(from: Type, to: Type, literal?: bigint): Type | string | undefined {
  if (to.k === "array") {
    const es = sizeOf(to.element);
    if (to.element.k !== "int" && to.element.k !== "bool") return `cannot cast to ${typeName(to)}: only integer arrays can be cast`;
    // a string's bytes, NUL included, as bpftrace allows (`(int8[])"hi"` is [104,105,0])
    if (from.k !== "int" && from.k !== "bool" && from.k !== "array" && from.k !== "string") return `cannot cast ${typeName(from)} to an array`;
    if (from.k === "int" && to.length > 0) {
      // as bpftrace: an integer widens into an array of up to 8 bytes; a literal also
      // narrows into one it fits (`(uint8[4])0x01020304`)
      const want = to.length * es;
      if (want <= 8 && want > sizeOf(from)) return to;
      if (want < sizeOf(from) && literal !== undefined && fitsIn(literal, want)) return to;
    }
    const size = sizeOf(from);
    const length = to.length === 0 ? size / es : to.length;
    if (!Number.isInteger(length) || length * es !== size) {
      return `cannot cast ${typeName(from)} (${size} bytes) to ${typeName({ ...to, length: Math.max(1, Math.floor(length)) })}: the sizes differ`;
    }
    return { ...to, length };
  }
  if (from.k === "array" && to.k === "int") {
    if (from.element.k !== "int" && from.element.k !== "bool") return `cannot cast ${typeName(from)} to ${typeName(to)}`;
    if (sizeOf(from) !== sizeOf(to)) return `cannot cast ${typeName(from)} (${sizeOf(from)} bytes) to ${typeName(to)} (${sizeOf(to)} bytes): the sizes differ`;
    return to;
  }
  return undefined;
}

function fitsIn(v: bigint, bytes: number): boolean {
  const bits = BigInt(bytes * 8);
  return v >= -(1n << (bits - 1n)) && v < 1n << bits;
}
