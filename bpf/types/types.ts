// Types of the checked language and their in-memory layout (what a value occupies on the
// BPF stack, in a map key or value, and in a ring-buffer record).
//
// Layout rules follow bpftrace: integers are stored at their width, strings are fixed-size
// NUL-padded byte arrays (default 1024 bytes, max_strlen), tuples are C structs
// with natural alignment, stacks are stored as stack ids (u64) and symbolised on read.

export type IntBits = 8 | 16 | 32 | 64;

/** How stack frames print: bpftrace (default), perf (address, symbol, module), raw (addresses). */
export type StackMode = "bpftrace" | "perf" | "raw" | "build_id";

/**
 * An enum the program defines (`enum Foo { A = 1, B }`): its variants, by which its values
 * print (bpftrace's Primitive::Symbolic). Anonymous enums are named "enum <anon_N>", as bpftrace names them.
 */
export interface EnumInfo {
  readonly name: string;
  readonly variants: readonly { readonly name: string; readonly value: bigint }[];
}

export type Type =
  /** An integer; with `enum`, a value of that enum (its variants print by name; arithmetic drops it). */
  | { readonly k: "int"; readonly bits: IntBits; readonly signed: boolean; readonly enum?: EnumInfo }
  | { readonly k: "bool" }
  | { readonly k: "string"; readonly size: number }
  | { readonly k: "buffer"; readonly size: number }
  | { readonly k: "tuple"; readonly elements: readonly Type[] }
  /**
   * A kernel or user stack, stored as the id returned by bpf_get_stackid (u64); a user
   * stack also carries the pid in the upper 32 bits (bpftrace keys them by stackid + pid).
   * `limit` is kstack(n)/ustack(n)'s frame count; `mode` bpftrace's stack mode; `debugInfo`
   * false when show_debug_info is off (no source lines).
   */
  | { readonly k: "stack"; readonly user: boolean; readonly limit?: number; readonly mode?: StackMode; readonly debugInfo?: false }
  /**
   * A number named in user space when it is printed, as bpftrace does: an address as a
   * kernel/user symbol (ksym(), usym(), func in kprobes), or with `table`, a cgroup id as
   * its paths (cgroup_path()) or a uid as its user name (username).
   */
  | { readonly k: "sym"; readonly user: boolean; readonly table?: "cgroup" | "username"; readonly filter?: string }
  /** A pointer; `to` is a BTF type id (kernel types) or an int/struct type of our own. */
  | {
      readonly k: "ptr";
      readonly to: Type;
      readonly user: boolean;
      /** A variable holding a struct (`$s = *$p`) by its address: it prints and stores as the struct. */
      readonly byValue?: true;
    }
  /** A kernel struct/union known through BTF (or a tracepoint's args record). */
  | {
      readonly k: "record";
      readonly name: string;
      readonly size: number;
      /** A kernel type: fields are looked up in BTF by bpf/btf/btf-types.ts. */
      readonly btfId?: number;
      readonly fields?: readonly RecordField[];
      /** The record lives in user memory (reached through a user pointer). */
      readonly user?: boolean;
      /** A struct or union defined in the program, laid out as C does (bpf/check/c-struct.ts). */
      readonly layout?: "c";
      /** Its alignment as a member of a tuple or struct (8 when not known). */
      readonly align?: number;
    }
  | { readonly k: "array"; readonly element: Type; readonly length: number }
  /** ntop() result: an address family plus 16 bytes. */
  | { readonly k: "inet" }
  /** strftime() result: nanoseconds since boot (CLOCK_BOOTTIME), formatted in user space. */
  | { readonly k: "timestamp"; readonly format: string }
  /** macaddr() result: 6 bytes printed as "AA:BB:CC:DD:EE:FF". */
  | { readonly k: "macaddr" }
  /**
   * Statements and calls that produce no value; with a size, a struct member of a type
   * bpftrace cannot represent (float, double): it keeps its bytes and prints as null.
   */
  | { readonly k: "none"; readonly size?: number };

export interface RecordField {
  readonly name: string;
  readonly type: Type;
  readonly offset: number; // bytes
  /** `__data_loc char[]` tracepoint fields: u32 (len << 16 | offset) into the record. */
  readonly dataLoc?: boolean;
  /** Bitfields of program-defined structs. */
  readonly bits?: { readonly loadSize: 1 | 2 | 4 | 8; readonly shift: number; readonly width: number };
}

export const u64: Type = { k: "int", bits: 64, signed: false };
export const s64: Type = { k: "int", bits: 64, signed: true };
export const u32: Type = { k: "int", bits: 32, signed: false };
export const s32: Type = { k: "int", bits: 32, signed: true };
export const u8: Type = { k: "int", bits: 8, signed: false };
export const bool: Type = { k: "bool" };
export const none: Type = { k: "none" };

/**
 * bpftrace's default max_strlen (docs/language.md, Config Variables: 1024): the size of
 * strings the program does not size itself (str(p), __data_loc fields, `probe`, a
 * `string` declaration) and the most str(p, n) and buf(p, n) read. This is the only place
 * the default lives; a program's own setting (BPFTRACE_MAX_STRLEN, `config = {
 * max_strlen = N }`) reaches the checker as CheckOptions.maxStrlen. Any size from 1 up
 * works: what does not fit in the BPF stack goes to the scratch area (codegen/frame.ts).
 */
export const DEFAULT_STRLEN = 1024;
export const COMM_SIZE = 16;

export function str(size: number = DEFAULT_STRLEN): Type {
  return { k: "string", size };
}

export function int(bits: IntBits, signed: boolean): Type {
  return { k: "int", bits, signed };
}

export function isInt(t: Type): t is Extract<Type, { k: "int" }> {
  return t.k === "int";
}

/**
 * A struct that lives in kernel or user memory (a kernel type, or one the program
 * defines): read field by field through its address, never copied whole.
 */
export function inMemory(t: Type): t is Extract<Type, { k: "record" }> {
  return t.k === "record" && (t.btfId !== undefined || t.layout === "c");
}

/** Types held in a register (integers, bools, pointers, symbols, stack ids). */
export function isScalar(t: Type): boolean {
  return t.k === "int" || t.k === "bool" || t.k === "ptr" || t.k === "sym" || t.k === "stack";
}

export function sizeOf(t: Type): number {
  switch (t.k) {
    case "int":
      return t.bits / 8;
    case "bool":
      return 1;
    case "string":
    case "buffer":
      return t.size;
    case "tuple":
      return tupleLayout(t.elements).size;
    case "sym":
      return t.user ? 16 : 8; // usym: address, pid
    case "stack":
    case "ptr":
      return 8;
    case "record":
      return t.size;
    case "array":
      return sizeOf(t.element) * t.length;
    case "inet":
      return 24;
    case "timestamp":
      return 8;
    case "macaddr":
      return 6;
    case "none":
      return t.size ?? 0;
  }
}

/** What `p + 1` adds to pointer `p`: the size of its element (1 for `void *` and incomplete types). */
export function pointerStep(t: Type): number {
  return t.k === "ptr" ? Math.max(1, sizeOf(t.to)) : 1;
}

export function alignOf(t: Type): number {
  switch (t.k) {
    case "int":
      return t.bits / 8;
    case "bool":
    case "string":
    case "buffer":
    case "macaddr":
      return 1;
    case "tuple":
      return Math.max(1, ...t.elements.map(alignOf));
    case "array":
      return alignOf(t.element);
    case "record":
      return t.align ?? 8;
    case "inet":
    case "timestamp":
    case "stack":
    case "sym":
    case "ptr":
      return 8;
    case "none":
      return t.size ? Math.min(8, t.size) : 1;
  }
}

/** C struct layout of a tuple: each element at its natural alignment, size padded to max align. */
export function tupleLayout(elements: readonly Type[]): { offsets: number[]; size: number } {
  let off = 0;
  let maxAlign = 1;
  const offsets: number[] = [];
  for (const e of elements) {
    const a = alignOf(e);
    maxAlign = Math.max(maxAlign, a);
    off = Math.ceil(off / a) * a;
    offsets.push(off);
    off += sizeOf(e);
  }
  return { offsets, size: Math.ceil(off / maxAlign) * maxAlign };
}

export function typeName(t: Type): string {
  switch (t.k) {
    case "int":
      return t.enum ? t.enum.name : `${t.signed ? "int" : "uint"}${t.bits}`;
    case "bool":
      return "bool";
    case "string":
      return `string[${t.size}]`;
    case "buffer":
      return `buffer[${t.size}]`;
    case "tuple":
      return `(${t.elements.map(typeName).join(", ")})`;
    case "stack":
      return `${t.user ? "ustack" : "kstack"}${t.mode && t.mode !== "bpftrace" ? `(${t.mode})` : ""}${t.limit !== undefined ? `[${t.limit}]` : ""}`;
    case "sym":
      return t.table === "cgroup" ? "cgroup_path" : t.table === "username" ? "username" : t.user ? "usym" : "ksym";
    case "ptr":
      return `${typeName(t.to)} *`;
    case "record":
      return t.name;
    case "array":
      return `${typeName(t.element)}[${t.length}]`;
    case "inet":
      return "inet";
    case "timestamp":
      return `timestamp(${JSON.stringify(t.format)})`;
    case "macaddr":
      return "macaddr";
    case "none":
      return "none";
  }
}

/**
 * Whether a value of type `b` may be stored where `a` was stored before (same map, same
 * variable). Integers of any width unify to the wider one; strings unify to the longer.
 */
export function compatible(a: Type, b: Type): boolean {
  if (a.k === "int" && b.k === "int") return true;
  if ((a.k === "int" && b.k === "bool") || (a.k === "bool" && b.k === "int")) return true;
  if (a.k === "string" && b.k === "string") return true;
  if (a.k === "tuple" && b.k === "tuple") {
    return a.elements.length === b.elements.length && a.elements.every((e, i) => compatible(e, b.elements[i]!));
  }
  if (a.k === "ptr" && b.k === "ptr") return true;
  if (a.k === "ptr" && b.k === "int") return true;
  if (a.k === "sym" && b.k === "sym") return a.user === b.user && a.table === b.table && a.filter === b.filter;
  // The format and the stack shape are part of how the stored value prints.
  if (a.k === "timestamp" && b.k === "timestamp") return a.format === b.format;
  if (a.k === "stack" && b.k === "stack") return typeName(a) === typeName(b);
  return a.k === b.k;
}

/** The type that holds both `a` and `b` (call only when compatible). */
export function unify(a: Type, b: Type): Type {
  if (a.k === "int" && b.k === "int") {
    const bits = Math.max(a.bits, b.bits) as IntBits;
    // one enum on both sides stays that enum; an enum mixed with plain integers is an integer
    return a.enum && a.enum.name === b.enum?.name ? { k: "int", bits, signed: a.signed || b.signed, enum: a.enum } : int(bits, a.signed || b.signed);
  }
  if (a.k === "bool" && b.k === "int") return b;
  if (a.k === "string" && b.k === "string") return str(Math.max(a.size, b.size));
  if (a.k === "tuple" && b.k === "tuple") {
    return { k: "tuple", elements: a.elements.map((e, i) => unify(e, b.elements[i]!)) };
  }
  return a;
}

/** Frames a stack map keeps per stack (bpftrace's default kstack/ustack depth). */
export const STACK_DEPTH = 127;
