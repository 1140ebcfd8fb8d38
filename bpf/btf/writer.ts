// BtfWriter: builds a small BTF blob (linux/btf.h) from scratch — the few kinds a program's
// own type information needs: INT, PTR, FUNC_PROTO and FUNC. The verifier wants a FUNC per
// subprogram (bpf_func_info) once a program has more than one function, e.g. the callback
// of bpf_for_each_map_elem ("missing btf func_info"). Pure: it returns bytes and does no
// I/O; loading them (BPF_BTF_LOAD) is native/'s job.
//
// Blob layout, little-endian:
//
//   struct btf_header (24 bytes)  magic 0xeB9F u16 | version 1 u8 | flags 0 u8 | hdr_len u32
//                                 | type_off u32 | type_len u32 | str_off u32 | str_len u32
//   type section                  one record per type, ids from 1 in order (0 is void):
//                                 struct btf_type { name_off u32, info u32, size/type u32 }
//                                 info = kind_flag:1 << 31 | kind:5 << 24 | vlen:16
//                                 followed by kind-specific data (below)
//   string section                "\0" then NUL-terminated names; name_off 0 is ""
//
// Offsets in the header are relative to the end of the header.
import { BTF_MAGIC, BTF_VERSION, BtfError, Kind } from "./format.ts";

/** sizeof(struct btf_header). */
export const BTF_HEADER_LEN = 24;

/** BTF_INT_ENCODING bits. */
export const BTF_INT_SIGNED = 1 << 0;

/** enum btf_func_linkage: the FUNC record's vlen. */
export const FuncLinkage = { static: 0, global: 1, extern: 2 } as const; // BTF_FUNC_STATIC/GLOBAL/EXTERN
export type FuncLinkage = keyof typeof FuncLinkage;

export interface BtfParam {
  readonly name: string;
  readonly type: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class BtfWriter {
  readonly #types: Uint8Array[] = [];
  readonly #strings: string[] = [""];
  readonly #offsets = new Map<string, number>([["", 0]]);
  #strLen = 1;

  /** Number of types written so far; the last one's id. */
  get count(): number {
    return this.#types.length;
  }

  /**
   * BTF_KIND_INT: btf_type { name_off, info = INT << 24, size } then
   * u32 encoding:4 << 24 | offset:8 << 16 | bits:8.
   */
  int(name: string, size: 1 | 2 | 4 | 8, signed: boolean): number {
    return this.#add(this.#ident(name, "int"), Kind.INT, 0, size, [((signed ? BTF_INT_SIGNED : 0) << 24) | (size * 8)]);
  }

  /** BTF_KIND_PTR: btf_type { name_off = 0, info = PTR << 24, type = target } (0: void *). */
  ptr(target: number): number {
    return this.#add(0, Kind.PTR, 0, this.#ref(target, "ptr"), []);
  }

  /**
   * BTF_KIND_FUNC_PROTO: btf_type { name_off = 0, info = FUNC_PROTO << 24 | vlen, type = return }
   * then vlen × struct btf_param { name_off u32, type u32 }. The kernel wants every typed
   * parameter of a FUNC's prototype named.
   */
  funcProto(ret: number, params: readonly BtfParam[]): number {
    if (params.length > 0xffff) throw new BtfError(`func proto: ${params.length} parameters`);
    const extra: number[] = [];
    for (const p of params) extra.push(this.#ident(p.name, "parameter"), this.#ref(p.type, "parameter"));
    return this.#add(0, Kind.FUNC_PROTO, params.length, this.#ref(ret, "return"), extra);
  }

  /** BTF_KIND_FUNC: btf_type { name_off, info = FUNC << 24 | linkage, type = proto }. */
  func(name: string, proto: number, linkage: FuncLinkage = "static"): number {
    return this.#add(this.#ident(name, "func"), Kind.FUNC, FuncLinkage[linkage], this.#ref(proto, "func"), []);
  }

  /** The blob: header, types, strings. */
  encode(): Uint8Array {
    const typeLen = this.#types.reduce((n, t) => n + t.length, 0);
    const out = new Uint8Array(BTF_HEADER_LEN + typeLen + this.#strLen);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, BTF_MAGIC, true); // magic
    dv.setUint8(2, BTF_VERSION); // version
    dv.setUint8(3, 0); // flags
    dv.setUint32(4, BTF_HEADER_LEN, true); // hdr_len
    dv.setUint32(8, 0, true); // type_off
    dv.setUint32(12, typeLen, true); // type_len
    dv.setUint32(16, typeLen, true); // str_off
    dv.setUint32(20, this.#strLen, true); // str_len
    let at = BTF_HEADER_LEN;
    for (const t of this.#types) {
      out.set(t, at);
      at += t.length;
    }
    const enc = new TextEncoder();
    for (const s of this.#strings) {
      out.set(enc.encode(s), at);
      at += s.length + 1; // identifiers are ASCII; the NUL is already zero
    }
    return out;
  }

  #add(nameOff: number, kind: number, vlen: number, sizeOrType: number, extra: readonly number[]): number {
    const rec = new Uint8Array(12 + 4 * extra.length);
    const dv = new DataView(rec.buffer);
    dv.setUint32(0, nameOff, true); // name_off
    dv.setUint32(4, ((kind & 0x1f) << 24) | (vlen & 0xffff), true); // info
    dv.setUint32(8, sizeOrType, true); // size / type
    extra.forEach((v, i) => dv.setUint32(12 + 4 * i, v >>> 0, true));
    this.#types.push(rec);
    return this.#types.length;
  }

  #ref(id: number, what: string): number {
    if (!Number.isInteger(id) || id < 0 || id > this.#types.length) throw new BtfError(`${what}: no type id ${id}`);
    return id;
  }

  #ident(name: string, what: string): number {
    if (!IDENT.test(name)) throw new BtfError(`${what} name "${name}" is not a C identifier`);
    const known = this.#offsets.get(name);
    if (known !== undefined) return known;
    const off = this.#strLen;
    this.#strings.push(name);
    this.#offsets.set(name, off);
    this.#strLen += name.length + 1;
    return off;
  }
}
