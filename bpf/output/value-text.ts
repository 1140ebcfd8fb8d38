// Map keys and plain values as bpftrace's text output prints them (v0.23 src/output.cpp
// value_to_str / map_key_str): strings unquoted, tuples "(a, b)", stacks one frame per
// line after a leading newline, buffers with \x escapes.

import type { Value } from "../types/snapshot.ts";
import type { StackMode } from "../types/types.ts";

/** Stack frames are indented by 8 spaces (BPFtrace::get_stack, indent = 8). */
const STACK_INDENT = " ".repeat(8);

/**
 * bpftrace's hex_format_buffer(keep_ascii = true, escape_hex = true): printable ASCII
 * (32..126) as is, every other byte as `\xNN`.
 */
export function hexFormatBuffer(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    out += b >= 32 && b <= 126 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return out;
}

/**
 * A stack as bpftrace prints it: "\n" then "        frame\n" per frame; perf mode
 * indents with a tab, raw and build_id modes not at all (BPFtrace::get_stack,
 * format_build_id_stack).
 */
export function stackText(frames: readonly string[], mode: StackMode = "bpftrace"): string {
  const indent = mode === "perf" ? "\t" : mode === "raw" || mode === "build_id" ? "" : STACK_INDENT;
  let out = "\n";
  for (const f of frames) out += `${indent}${f}\n`;
  return out;
}

/** An integer divided the way print(@m, top, div) divides (C++ truncating division). */
export function divide(v: bigint, div: bigint): bigint {
  return div === 1n || div === 0n ? v : v / div;
}

/** A value in text form; `div` applies to integers, as bpftrace applies it to int maps. */
export function valueText(v: Value, div = 1n): string {
  switch (v.kind) {
    case "int":
      // an enum variant prints as its name (bpftrace's TextEmitter<Symbolic>), undivided
      return v.symbol ?? String(divide(v.value, div));
    case "bool":
      return v.value ? "true" : "false";
    case "str":
      return v.value;
    case "stack":
      return stackText(v.frames, v.mode);
    case "tuple":
      return `(${v.elements.map((e) => valueText(e, div)).join(", ")})`;
    case "buf":
      return hexFormatBuffer(v.bytes);
    case "text":
      return v.text;
    case "record":
      // bpftrace's TextEmitter<Primitive::Record>: structs always get spaces, arrays none
      return v.fields.length ? `{ ${v.fields.map((f) => `.${f.name} = ${valueText(f.value, div)}`).join(", ")} }` : "{}";
    case "array":
      return `[${v.elements.map((e) => valueText(e, div)).join(",")}]`;
  }
}

/**
 * The text between `@name[` and `]`. Several key parts (bpftrace keys them by a tuple)
 * and a single tuple key both print without the tuple's parentheses.
 */
export function keyText(parts: readonly Value[]): string {
  const only = parts.length === 1 ? parts[0] : undefined;
  const elems = only?.kind === "tuple" ? only.elements : parts;
  return elems.map((p) => valueText(p)).join(", ");
}

/** `@name` or `@name[key]`, the left-hand side of every printed entry. */
export function entryName(name: string, keyed: boolean, key: readonly Value[]): string {
  return keyed || key.length > 0 ? `${name}[${keyText(key)}]` : name;
}
