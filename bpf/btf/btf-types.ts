// Kernel types through BTF, as the checker's types. A kernel struct or union is a lazy
// `record` that carries only its BTF id: fields are looked up when a program names them,
// so self-referencing types (task_struct->real_parent) never recurse. `char[N]` members
// read as strings, as bpftrace reads them; other arrays keep their element type.
import type { Btf } from "./btf.ts";
import type { Param } from "./types.ts";
import { type IntBits, type RecordField, type Type, bool, int, str } from "../types/types.ts";

export type RecordType = Extract<Type, { k: "record" }>;

/** How to read one member of a kernel record. */
export interface BtfField {
  readonly type: Type;
  /** Bytes from the start of the record. */
  readonly offset: number;
  /** Bitfields: load `loadSize` bytes at `offset`, shift right, mask to `width` bits. */
  readonly bits?: { readonly loadSize: 1 | 2 | 4 | 8; readonly shift: number; readonly width: number };
}

/** The checker's type for BTF type `id`; `user` says which address space its pointers and records live in. */
export function btfType(btf: Btf, id: number, user: boolean): Type {
  const rid = btf.resolve(id);
  const t = btf.typeById(rid);
  switch (t.kind) {
    case "int":
      if (t.bool) return bool;
      return intOfSize(t.size, t.signed);
    case "enum":
    case "enum64":
      return intOfSize(t.size, t.signed);
    case "float":
      return { k: "none", size: t.size };
    case "ptr": {
      const target = btf.resolve(t.target);
      const tk = btf.kindOf(target);
      const to = target === 0 || tk === "func_proto" || tk === "void" ? int(8, false) : btfType(btf, target, user);
      return { k: "ptr", to, user };
    }
    case "array": {
      const elem = btf.typeById(btf.resolve(t.elem));
      if (elem.kind === "int" && elem.size === 1 && (elem.char || /char/.test(elem.name))) return str(Math.max(1, t.nelems));
      return { k: "array", element: btfType(btf, t.elem, user), length: t.nelems };
    }
    case "struct":
    case "union":
      return { k: "record", name: `${t.kind} ${t.name || "(anon)"}`, size: t.size, btfId: rid, user };
    case "fwd": {
      const full = btf.findByName(t.name, t.union ? "union" : "struct");
      if (full !== undefined) return btfType(btf, full, user);
      return { k: "record", name: `${t.union ? "union" : "struct"} ${t.name}`, size: 0, btfId: rid, user };
    }
    default:
      return int(64, false);
  }
}

function intOfSize(size: number, signed: boolean): Type {
  const bits = size * 8;
  return [8, 16, 32, 64].includes(bits) ? int(bits as IntBits, signed) : int(64, signed);
}

/** A member of a BTF record (anonymous struct/union members are looked through). */
export function btfField(btf: Btf, rec: RecordType, name: string): BtfField | undefined {
  if (rec.btfId === undefined) return undefined;
  const m = btf.member(rec.btfId, name);
  if (!m) return undefined;
  const type = btfType(btf, m.typeId, rec.user ?? false);
  if (m.bitSize === 0) return { type, offset: m.offsetBits / 8 };
  const first = Math.floor(m.offsetBits / 8);
  const shift = m.offsetBits - first * 8;
  const loadSize = ([1, 2, 4, 8] as const).find((n) => shift + m.bitSize <= n * 8) ?? 8;
  return { type, offset: first, bits: { loadSize, shift, width: m.bitSize } };
}

/** Member names of a record, for "did you mean" hints (anonymous members' names included). */
export function btfFieldNames(btf: Btf, rec: RecordType): string[] {
  if (rec.btfId === undefined) return [];
  const out: string[] = [];
  const walk = (id: number, depth: number): void => {
    const t = btf.typeById(btf.resolve(id));
    if ((t.kind !== "struct" && t.kind !== "union") || depth > 8) return;
    for (const m of t.members) {
      if (m.name) out.push(m.name);
      else walk(m.typeId, depth + 1);
    }
  };
  walk(rec.btfId, 0);
  return out;
}

/**
 * A type named in a program, through BTF: "struct task_struct", "union bpf_attr",
 * "enum pid_type", or a typedef such as "u64" or "sector_t". Undefined when unknown.
 */
export function btfNamedType(btf: Btf, name: string, user: boolean): Type | undefined {
  const m = /^(struct|union|enum)\s+(\w+)$/.exec(name.trim());
  if (m) {
    const kind = m[1] as "struct" | "union" | "enum";
    let id = btf.findByName(m[2]!, kind);
    if (id === undefined && kind === "enum") id = btf.findByName(m[2]!, "enum64");
    return id === undefined ? undefined : btfType(btf, id, user);
  }
  if (!/^\w+$/.test(name)) return undefined;
  const id = btf.findByName(name, "typedef");
  return id === undefined ? undefined : btfType(btf, id, user);
}

const enumIndexes = new WeakMap<Btf, Map<string, bigint>>();

/** The value of a kernel enum constant (TASK_RUNNING is a #define, but PIDTYPE_PID is an enum). */
export function btfEnumValue(btf: Btf, name: string): bigint | undefined {
  let index = enumIndexes.get(btf);
  if (!index) {
    index = new Map();
    for (const kind of ["enum", "enum64"] as const) {
      for (const id of btf.idsOfKind(kind)) {
        const t = btf.typeById(id);
        if (t.kind !== "enum" && t.kind !== "enum64") continue;
        for (const v of t.values) if (!index.has(v.name)) index.set(v.name, v.value);
      }
    }
    enumIndexes.set(btf, index);
  }
  return index.get(name);
}

/**
 * Byte offset of a member path (`a.b.c`) inside a record, for offsetof(); a string is an
 * error message naming the missing member.
 */
export function btfOffsetOf(btf: Btf, rec: RecordType, path: readonly string[]): number | string {
  let cur: Type = rec;
  let offset = 0;
  for (const name of path) {
    if (cur.k !== "record") return `${name}: not a struct or union member path`;
    const f = btfField(btf, cur, name);
    if (!f) return `${cur.name} has no member '${name}'`;
    if (f.bits) return `offsetof(${name}): ${name} is a bitfield`;
    offset += f.offset;
    cur = f.type;
  }
  return offset;
}

/**
 * `args` of a probe whose context is an array of u64 arguments (fentry/fexit, raw
 * tracepoints): each parameter by name at 8 * its index, typed through BTF.
 */
export function btfArgsRecord(btf: Btf, name: string, params: readonly Param[]): RecordType {
  const fields: RecordField[] = params.map((p, i) => ({ name: p.name || `arg${i}`, type: btfType(btf, p.typeId, false), offset: 8 * i }));
  return { k: "record", name: `${name} args`, size: 8 * fields.length, fields };
}

/** Alignment of a kernel type, as the C compiler gives it (for program structs that embed one). */
export function btfAlign(btf: Btf, id: number, depth = 0): number {
  const t = btf.typeById(btf.resolve(id));
  switch (t.kind) {
    case "int": case "enum": case "enum64": case "float":
      return Math.min(8, t.size);
    case "array":
      return btfAlign(btf, t.elem, depth + 1);
    case "struct": case "union":
      return depth > 16 ? 8 : Math.max(1, ...t.members.map((m) => btfAlign(btf, m.typeId, depth + 1)));
    default:
      return 8;
  }
}
