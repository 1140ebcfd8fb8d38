// A lazy BTF reader. `Btf.load` makes one pass over the type section to record where each
// record starts (BTF records have variable length, so ids cannot be found otherwise);
// everything else — decoding a type, the name → ids index — happens on demand and is
// cached. Split BTF (kernel modules, /sys/kernel/btf/<module>) is read on top of a base
// Btf: its ids continue the base's and its string offsets start after the base's strings.
import { BtfError, Kind, KIND_NAMES, type KindName, parseHeader, trailerSize, TYPE_HEADER_SIZE } from "./format.ts";
import type {
  BtfType, CompositeType, EnumValue, FuncProtoType, FuncSignature, Linkage, Member, MemberInfo, Param,
} from "./types.ts";
import { declaration } from "./type-name.ts";

const LINKAGE: readonly Linkage[] = ["static", "global", "extern"];

/** Kinds that `resolve` looks through: typedef, volatile, const, restrict, type_tag. */
const QUALIFIERS: ReadonlySet<number> = new Set([Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG]);

/** Prefixes of the FUNCs that name raw tracepoints, as bpftrace lists them (RT_BTF_PREFIXES). */
export const RAW_TRACEPOINT_FUNC_PREFIXES = ["__probestub_", "__traceiter_"] as const;
/** `typedef void (*btf_trace_<tp>)(void *, ...)`: the attach_btf_id of a tp_btf program. */
export const BTF_TRACE_PREFIX = "btf_trace_";

/** After this many lookups by name the full index is built (one decode of every name). */
const INDEX_AFTER_LOOKUPS = 32;

export class Btf {
  /** Ids below this belong to the base (1 for vmlinux: id 0 is void). */
  readonly firstId: number;
  /** One past the largest type id. */
  readonly count: number;

  private readonly buf: Buffer;
  private readonly view: DataView;
  private readonly strStart: number;
  private readonly strLen: number;
  /** String offsets below this are the base's. */
  private readonly strBase: number;
  /** Byte offset of each own type's record, by (id - firstId). */
  private readonly offsets: Uint32Array;
  private readonly nameOffs: Uint32Array;
  private readonly kinds: Uint8Array;
  private readonly cache = new Map<number, BtfType>();
  private index: Map<string, number[]> | undefined;
  private lookups = 0;

  private constructor(bytes: Uint8Array, readonly base: Btf | undefined) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const h = parseHeader(this.view);
    this.strStart = h.strStart;
    this.strLen = h.strLen;
    this.strBase = base ? base.strBase + base.strLen : 0;
    this.firstId = base ? base.count : 1;

    // A record is at least 12 bytes: size the arrays for the worst case, then trim.
    const max = Math.floor(h.typeLen / TYPE_HEADER_SIZE);
    const offsets = new Uint32Array(max);
    const nameOffs = new Uint32Array(max);
    const kinds = new Uint8Array(max);
    const end = h.typeStart + h.typeLen;
    let n = 0;
    for (let off = h.typeStart; off < end; n++) {
      if (off + TYPE_HEADER_SIZE > end) throw new BtfError(`btf: truncated type record at ${off}`);
      const info = this.view.getUint32(off + 4, true);
      const kind = (info >>> 24) & 0x1f;
      const extra = trailerSize(kind, info & 0xffff);
      if (extra < 0) throw new BtfError(`btf: type ${this.firstId + n} has unknown kind ${kind}`);
      offsets[n] = off;
      nameOffs[n] = this.view.getUint32(off, true);
      kinds[n] = kind;
      off += TYPE_HEADER_SIZE + extra;
    }
    this.offsets = offsets.slice(0, n);
    this.nameOffs = nameOffs.slice(0, n);
    this.kinds = kinds.slice(0, n);
    this.count = this.firstId + n;
  }

  /** Parse a BTF blob (e.g. /sys/kernel/btf/vmlinux); `base` for split (module) BTF. */
  static load(bytes: Uint8Array, base?: Btf): Btf {
    return new Btf(bytes, base);
  }

  // --- names and kinds: cheap, no decoding ---------------------------------------------

  /** The string at a name offset ("" for 0). */
  str(off: number): string {
    if (off < this.strBase) return this.base!.str(off);
    const start = this.strStart + off - this.strBase;
    if (off - this.strBase >= this.strLen) throw new BtfError(`btf: string offset ${off} out of range`);
    const end = this.buf.indexOf(0, start);
    return this.buf.toString("latin1", start, end < 0 ? this.strStart + this.strLen : end);
  }

  kindOf(id: number): KindName {
    if (id === 0) return "void";
    if (id < this.firstId) return this.base!.kindOf(id);
    const k = this.kinds[this.slot(id)]!;
    return KIND_NAMES[k]!;
  }

  nameOf(id: number): string {
    if (id === 0) return "";
    if (id < this.firstId) return this.base!.nameOf(id);
    return this.str(this.nameOffs[this.slot(id)]!);
  }

  private slot(id: number): number {
    const i = id - this.firstId;
    if (!Number.isInteger(id) || i < 0 || i >= this.offsets.length) throw new BtfError(`btf: no type with id ${id}`);
    return i;
  }

  // --- decoding --------------------------------------------------------------------------

  typeById(id: number): BtfType {
    if (id === 0) return { id: 0, kind: "void", name: "" };
    if (id < this.firstId) return this.base!.typeById(id);
    const hit = this.cache.get(id);
    if (hit) return hit;
    const t = this.decode(id);
    this.cache.set(id, t);
    return t;
  }

  private decode(id: number): BtfType {
    const v = this.view;
    const off = this.offsets[this.slot(id)]!;
    const name = this.str(v.getUint32(off, true));
    const info = v.getUint32(off + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const sizeOrType = v.getUint32(off + 8, true);
    const p = off + TYPE_HEADER_SIZE;
    const u32 = (o: number) => v.getUint32(o, true);
    switch (kind) {
      case Kind.INT: {
        const enc = u32(p);
        const e = (enc >>> 24) & 0x0f;
        return {
          id, kind: "int", name, size: sizeOrType, bits: enc & 0xff, bitOffset: (enc >>> 16) & 0xff,
          signed: (e & 1) !== 0, char: (e & 2) !== 0, bool: (e & 4) !== 0,
        };
      }
      case Kind.FLOAT:
        return { id, kind: "float", name, size: sizeOrType };
      case Kind.PTR: case Kind.TYPEDEF: case Kind.VOLATILE: case Kind.CONST: case Kind.RESTRICT: case Kind.TYPE_TAG:
        return { id, kind: KIND_NAMES[kind] as "ptr", name, target: sizeOrType };
      case Kind.ARRAY:
        return { id, kind: "array", name, elem: u32(p), index: u32(p + 4), nelems: u32(p + 8) };
      case Kind.STRUCT: case Kind.UNION: {
        const members: Member[] = [];
        for (let i = 0; i < vlen; i++) {
          const m = p + 12 * i;
          const o = u32(m + 8);
          members.push({
            name: this.str(u32(m)),
            typeId: u32(m + 4),
            // kind_flag: offset = bitfield_size << 24 | bit_offset
            offsetBits: kflag ? o & 0xffffff : o,
            bitSize: kflag ? o >>> 24 : 0,
          });
        }
        return { id, kind: kind === Kind.STRUCT ? "struct" : "union", name, size: sizeOrType, members };
      }
      case Kind.ENUM: case Kind.ENUM64: {
        const values: EnumValue[] = [];
        const wide = kind === Kind.ENUM64;
        for (let i = 0; i < vlen; i++) {
          const e = p + (wide ? 12 : 8) * i;
          let value: bigint;
          if (wide) {
            const raw = (BigInt(u32(e + 8)) << 32n) | BigInt(u32(e + 4));
            value = kflag ? BigInt.asIntN(64, raw) : raw;
          } else {
            value = kflag ? BigInt(v.getInt32(e + 4, true)) : BigInt(u32(e + 4));
          }
          values.push({ name: this.str(u32(e)), value });
        }
        return { id, kind: wide ? "enum64" : "enum", name, size: sizeOrType, signed: kflag, values };
      }
      case Kind.FWD:
        return { id, kind: "fwd", name, union: kflag };
      case Kind.FUNC:
        return { id, kind: "func", name, proto: sizeOrType, linkage: LINKAGE[vlen] ?? "static" };
      case Kind.FUNC_PROTO: {
        const params: Param[] = [];
        let variadic = false;
        for (let i = 0; i < vlen; i++) {
          const nameOff = u32(p + 8 * i);
          const typeId = u32(p + 8 * i + 4);
          if (i === vlen - 1 && nameOff === 0 && typeId === 0) variadic = true;
          else params.push({ name: this.str(nameOff), typeId });
        }
        return { id, kind: "func_proto", name, ret: sizeOrType, params, variadic };
      }
      case Kind.VAR:
        return { id, kind: "var", name, typeId: sizeOrType, linkage: LINKAGE[u32(p)] ?? "static" };
      case Kind.DATASEC: {
        const vars = [];
        for (let i = 0; i < vlen; i++) {
          const s = p + 12 * i;
          vars.push({ typeId: u32(s), offset: u32(s + 4), size: u32(s + 8) });
        }
        return { id, kind: "datasec", name, size: sizeOrType, vars };
      }
      case Kind.DECL_TAG:
        return { id, kind: "decl_tag", name, target: sizeOrType, componentIdx: v.getInt32(p, true) };
      default:
        throw new BtfError(`btf: type ${id} has unknown kind ${kind}`);
    }
  }

  // --- names → ids -----------------------------------------------------------------------

  /**
   * Ids of the types called `name` (of `kind`, if given), own types first, then the base's.
   * The first lookups search the string section; after a few, one index of all names is
   * built, so wildcard-free lookups stay cheap either way.
   */
  findAllByName(name: string, kind?: KindName): number[] {
    const own = this.ownIdsByName(name).filter((id) => kind === undefined || this.kindOf(id) === kind);
    return this.base ? [...own, ...this.base.findAllByName(name, kind)] : own;
  }

  /**
   * The id of a type called `name`. Without `kind`, a complete struct/union wins over a
   * forward declaration of the same name.
   */
  findByName(name: string, kind?: KindName): number | undefined {
    const ids = this.findAllByName(name, kind);
    if (kind !== undefined || ids.length <= 1) return ids[0];
    return ids.find((id) => this.kindOf(id) !== "fwd") ?? ids[0];
  }

  private ownIdsByName(name: string): number[] {
    if (name === "") return [];
    if (!this.index && ++this.lookups > INDEX_AFTER_LOOKUPS) this.buildIndex();
    if (this.index) return this.index.get(name) ?? [];
    // Every name but the empty one follows a NUL, so "\0name\0" finds exactly the copies
    // of `name` (vmlinux strings are deduplicated, but do not rely on it).
    const needle = Buffer.from(`\0${name}\0`, "latin1");
    const section = this.buf.subarray(this.strStart, this.strStart + this.strLen);
    const offs: number[] = [];
    for (let at = section.indexOf(needle); at >= 0; at = section.indexOf(needle, at + 1)) offs.push(at + 1 + this.strBase);
    if (offs.length === 0) return [];
    const ids: number[] = [];
    for (let i = 0; i < this.nameOffs.length; i++) {
      const o = this.nameOffs[i]!;
      if (o === offs[0] || (offs.length > 1 && offs.includes(o))) ids.push(this.firstId + i);
    }
    return ids;
  }

  /** Build the name → ids index now (for callers that will look up many names). */
  buildIndex(): void {
    if (this.index) return;
    const index = new Map<string, number[]>();
    for (let i = 0; i < this.nameOffs.length; i++) {
      const o = this.nameOffs[i]!;
      if (o === 0) continue;
      const n = this.str(o);
      const ids = index.get(n);
      if (ids) ids.push(this.firstId + i);
      else index.set(n, [this.firstId + i]);
    }
    this.index = index;
  }

  /** Names of all own types of one kind, in id order (e.g. every FUNC for kprobe listing). */
  namesOfKind(kind: KindName): string[] {
    const k = KIND_NAMES.indexOf(kind);
    const out: string[] = [];
    for (let i = 0; i < this.kinds.length; i++) {
      if (this.kinds[i] === k && this.nameOffs[i] !== 0) out.push(this.str(this.nameOffs[i]!));
    }
    return out;
  }

  /** Ids of all own types of one kind. */
  idsOfKind(kind: KindName): number[] {
    const k = KIND_NAMES.indexOf(kind);
    const out: number[] = [];
    for (let i = 0; i < this.kinds.length; i++) if (this.kinds[i] === k) out.push(this.firstId + i);
    return out;
  }

  // --- type algebra ----------------------------------------------------------------------

  /** Skip typedef, const, volatile, restrict and type_tag. */
  resolve(id: number): number {
    for (let depth = 0; depth < 64; depth++) {
      if (id === 0) return 0;
      const k = id < this.firstId ? KIND_NAMES.indexOf(this.base!.kindOf(id)) : this.kinds[this.slot(id)]!;
      if (!QUALIFIERS.has(k)) return id;
      id = (this.typeById(id) as { target: number }).target;
    }
    throw new BtfError(`btf: type chain too deep at ${id}`);
  }

  /**
   * Size in bytes, as the C compiler sees it; undefined for types without a size (void,
   * functions, forward declarations). Pointers are 8 bytes (64-bit kernels only).
   */
  sizeof(id: number): number | undefined {
    const t = this.typeById(this.resolve(id));
    switch (t.kind) {
      case "int": case "float": case "struct": case "union": case "enum": case "enum64": case "datasec":
        return t.size;
      case "ptr":
        return 8;
      case "array": {
        const e = this.sizeof(t.elem);
        return e === undefined ? undefined : e * t.nelems;
      }
      case "var":
        return this.sizeof(t.typeId);
      default:
        return undefined;
    }
  }

  /**
   * A member of a struct or union (through typedefs), looking inside anonymous struct and
   * union members as C does. Offsets are from the start of `structId`. Legacy bitfields
   * (an INT whose bits are narrower than its size) are reported like kind_flag ones.
   */
  member(structId: number, name: string): MemberInfo | undefined {
    const t = this.typeById(this.resolve(structId));
    if (t.kind !== "struct" && t.kind !== "union") return undefined;
    return this.findMember(t, name, 0, 0);
  }

  private findMember(t: CompositeType, name: string, base: number, depth: number): MemberInfo | undefined {
    if (depth > 32) return undefined;
    for (const m of t.members) {
      if (m.name === name) {
        let { offsetBits, bitSize } = m;
        if (bitSize === 0) {
          const it = this.typeById(this.resolve(m.typeId));
          if (it.kind === "int" && (it.bits !== it.size * 8 || it.bitOffset !== 0)) {
            offsetBits += it.bitOffset;
            bitSize = it.bits;
          }
        }
        return { name, typeId: m.typeId, offsetBits: base + offsetBits, bitSize };
      }
    }
    for (const m of t.members) {
      if (m.name !== "") continue;
      const inner = this.typeById(this.resolve(m.typeId));
      if (inner.kind !== "struct" && inner.kind !== "union") continue;
      const found = this.findMember(inner, name, base + m.offsetBits, depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  /** The signature of a kernel function (a BTF FUNC), with parameter names and types. */
  funcProto(name: string): FuncSignature | undefined {
    const funcId = this.findByName(name, "func");
    if (funcId === undefined) return undefined;
    const f = this.typeById(funcId);
    if (f.kind !== "func") return undefined;
    const p = this.typeById(f.proto);
    if (p.kind !== "func_proto") return undefined;
    return { name, funcId, protoId: p.id, ret: p.ret, params: p.params, variadic: p.variadic };
  }

  /** The FUNC_PROTO behind a type: itself, or what a (typedef of a) pointer points to. */
  protoOf(id: number): FuncProtoType | undefined {
    let t = this.typeById(this.resolve(id));
    if (t.kind === "func") t = this.typeById(t.proto);
    if (t.kind === "ptr") t = this.typeById(this.resolve(t.target));
    return t.kind === "func_proto" ? t : undefined;
  }

  /** The C declaration of a type without a name: "struct task_struct *", "char[16]". */
  typeName(id: number): string {
    return declaration(this, id, "");
  }

  /** The C declaration of a named thing of type `id`: "const char * filename". */
  declare(id: number, name: string): string {
    return declaration(this, id, name);
  }

  // --- tracing facts -------------------------------------------------------------------

  /** Id of `typedef ... btf_trace_<tracepoint>`: the attach_btf_id for tp_btf (BPF_TRACE_RAW_TP). */
  tracepointTypedefId(tracepoint: string): number | undefined {
    return this.findByName(BTF_TRACE_PREFIX + tracepoint, "typedef");
  }

  /** Id of a kernel function's FUNC: the attach_btf_id for fentry/fexit. */
  funcId(name: string): number | undefined {
    return this.findByName(name, "func");
  }

  /**
   * The arguments of a raw tracepoint, without the leading `void *__data`: named from the
   * `__probestub_<tp>` FUNC where the kernel has one, else unnamed from `btf_trace_<tp>`.
   */
  rawTracepointParams(tracepoint: string): readonly Param[] | undefined {
    for (const prefix of RAW_TRACEPOINT_FUNC_PREFIXES) {
      const sig = this.funcProto(prefix + tracepoint);
      if (sig) return sig.params.slice(1);
    }
    const td = this.tracepointTypedefId(tracepoint);
    const proto = td === undefined ? undefined : this.protoOf(td);
    return proto?.params.slice(1);
  }

  /** Raw tracepoint names, sorted, from the FUNCs bpftrace uses (`__probestub_`, `__traceiter_`). */
  rawTracepointNames(): string[] {
    const names = new Set<string>();
    for (const f of this.namesOfKind("func")) {
      for (const prefix of RAW_TRACEPOINT_FUNC_PREFIXES) {
        if (f.startsWith(prefix)) names.add(f.slice(prefix.length));
      }
    }
    if (names.size === 0) {
      for (const t of this.namesOfKind("typedef")) if (t.startsWith(BTF_TRACE_PREFIX)) names.add(t.slice(BTF_TRACE_PREFIX.length));
    }
    return [...names].sort();
  }
}
