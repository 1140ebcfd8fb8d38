// The BTF wire format (include/uapi/linux/btf.h): a header, then a type section of
// variable-length records and a string section of NUL-terminated names. Only layout
// facts live here; bpf/btf/btf.ts reads them.

/** BTF_MAGIC, little-endian on disk as 9f eb. */
export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;

/** BTF_KIND_* numbers. */
export const Kind = {
  UNKN: 0, // BTF_KIND_UNKN (type id 0 is void)
  INT: 1, // BTF_KIND_INT
  PTR: 2, // BTF_KIND_PTR
  ARRAY: 3, // BTF_KIND_ARRAY
  STRUCT: 4, // BTF_KIND_STRUCT
  UNION: 5, // BTF_KIND_UNION
  ENUM: 6, // BTF_KIND_ENUM
  FWD: 7, // BTF_KIND_FWD
  TYPEDEF: 8, // BTF_KIND_TYPEDEF
  VOLATILE: 9, // BTF_KIND_VOLATILE
  CONST: 10, // BTF_KIND_CONST
  RESTRICT: 11, // BTF_KIND_RESTRICT
  FUNC: 12, // BTF_KIND_FUNC
  FUNC_PROTO: 13, // BTF_KIND_FUNC_PROTO
  VAR: 14, // BTF_KIND_VAR
  DATASEC: 15, // BTF_KIND_DATASEC
  FLOAT: 16, // BTF_KIND_FLOAT
  DECL_TAG: 17, // BTF_KIND_DECL_TAG
  TYPE_TAG: 18, // BTF_KIND_TYPE_TAG
  ENUM64: 19, // BTF_KIND_ENUM64
} as const;

/** Our names for the kinds, as `bpftool btf dump` spells them but lowercase. */
export type KindName =
  | "void" | "int" | "ptr" | "array" | "struct" | "union" | "enum" | "fwd" | "typedef"
  | "volatile" | "const" | "restrict" | "func" | "func_proto" | "var" | "datasec"
  | "float" | "decl_tag" | "type_tag" | "enum64";

export const KIND_NAMES: readonly KindName[] = [
  "void", "int", "ptr", "array", "struct", "union", "enum", "fwd", "typedef", "volatile",
  "const", "restrict", "func", "func_proto", "var", "datasec", "float", "decl_tag",
  "type_tag", "enum64",
];

/** sizeof(struct btf_type): name_off, info, size|type. */
export const TYPE_HEADER_SIZE = 12;

/** Bytes that follow a btf_type of this kind (vlen = BTF_INFO_VLEN(info)). */
export function trailerSize(kind: number, vlen: number): number {
  switch (kind) {
    case Kind.INT: return 4; // u32 encoding/offset/bits
    case Kind.ARRAY: return 12; // struct btf_array
    case Kind.STRUCT:
    case Kind.UNION: return 12 * vlen; // struct btf_member
    case Kind.ENUM: return 8 * vlen; // struct btf_enum
    case Kind.ENUM64: return 12 * vlen; // struct btf_enum64
    case Kind.FUNC_PROTO: return 8 * vlen; // struct btf_param
    case Kind.VAR: return 4; // struct btf_var
    case Kind.DATASEC: return 12 * vlen; // struct btf_var_secinfo
    case Kind.DECL_TAG: return 4; // struct btf_decl_tag
    case Kind.PTR: case Kind.FWD: case Kind.TYPEDEF: case Kind.VOLATILE: case Kind.CONST:
    case Kind.RESTRICT: case Kind.FUNC: case Kind.FLOAT: case Kind.TYPE_TAG:
      return 0;
    default:
      return -1;
  }
}

export interface BtfHeader {
  readonly version: number;
  readonly flags: number;
  readonly hdrLen: number;
  /** Absolute offsets into the blob (the on-disk ones are relative to the header's end). */
  readonly typeStart: number;
  readonly typeLen: number;
  readonly strStart: number;
  readonly strLen: number;
}

export class BtfError extends Error {
  override readonly name = "BtfError";
}

export function parseHeader(view: DataView): BtfHeader {
  if (view.byteLength < 24) throw new BtfError(`btf: blob too short (${view.byteLength} bytes)`);
  const magic = view.getUint16(0, true);
  if (magic !== BTF_MAGIC) {
    throw new BtfError(
      magic === 0x9feb ? "btf: big-endian BTF is not supported" : `btf: bad magic 0x${magic.toString(16)}`,
    );
  }
  const version = view.getUint8(2);
  if (version !== BTF_VERSION) throw new BtfError(`btf: unsupported version ${version}`);
  const hdrLen = view.getUint32(4, true);
  const h: BtfHeader = {
    version,
    flags: view.getUint8(3),
    hdrLen,
    typeStart: hdrLen + view.getUint32(8, true),
    typeLen: view.getUint32(12, true),
    strStart: hdrLen + view.getUint32(16, true),
    strLen: view.getUint32(20, true),
  };
  if (h.typeStart + h.typeLen > view.byteLength || h.strStart + h.strLen > view.byteLength) {
    throw new BtfError("btf: sections run past the end of the blob");
  }
  return h;
}
