// Decoded BTF types: one plain value per kind, as `Btf.typeById` returns them. Member,
// parameter and target fields are type ids into the same Btf; id 0 is void.
import type { KindName } from "./format.ts";

interface Base<K extends KindName> {
  readonly id: number;
  readonly kind: K;
  /** "" for anonymous types. */
  readonly name: string;
}

export interface VoidType extends Base<"void"> {}

export interface IntType extends Base<"int"> {
  readonly size: number;
  /** Bits of value (BTF_INT_BITS); less than size*8 only for legacy bitfield ints. */
  readonly bits: number;
  /** BTF_INT_OFFSET: bit offset of the value inside its storage, legacy bitfields only. */
  readonly bitOffset: number;
  readonly signed: boolean; // BTF_INT_SIGNED
  readonly char: boolean; // BTF_INT_CHAR
  readonly bool: boolean; // BTF_INT_BOOL
}

export interface FloatType extends Base<"float"> {
  readonly size: number;
}

/** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG: a name (typedef, tag) and a target. */
export interface RefType extends Base<"ptr" | "typedef" | "volatile" | "const" | "restrict" | "type_tag"> {
  readonly target: number;
}

export interface ArrayType extends Base<"array"> {
  readonly elem: number;
  readonly index: number;
  readonly nelems: number;
}

export interface Member {
  /** "" for an anonymous struct/union member. */
  readonly name: string;
  readonly typeId: number;
  readonly offsetBits: number;
  /** Width of a bitfield member, 0 for an ordinary one. */
  readonly bitSize: number;
}

export interface CompositeType extends Base<"struct" | "union"> {
  readonly size: number;
  readonly members: readonly Member[];
}

export interface EnumValue {
  readonly name: string;
  readonly value: bigint;
}

/** ENUM (32-bit values) and ENUM64. kind_flag says whether values are signed. */
export interface EnumType extends Base<"enum" | "enum64"> {
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly EnumValue[];
}

export interface FwdType extends Base<"fwd"> {
  /** `union foo;` rather than `struct foo;` (kind_flag). */
  readonly union: boolean;
}

/** btf_func_linkage */
export type Linkage = "static" | "global" | "extern";

export interface FuncType extends Base<"func"> {
  /** The FUNC_PROTO id. */
  readonly proto: number;
  readonly linkage: Linkage;
}

export interface Param {
  /** "" when the prototype has no names (as in function pointer types). */
  readonly name: string;
  readonly typeId: number;
}

export interface FuncProtoType extends Base<"func_proto"> {
  /** Return type id (0 for void). */
  readonly ret: number;
  readonly params: readonly Param[];
  /** The last btf_param was {name 0, type 0}: `...`. It is not in params. */
  readonly variadic: boolean;
}

export interface VarType extends Base<"var"> {
  readonly typeId: number;
  readonly linkage: Linkage;
}

export interface SecInfo {
  readonly typeId: number;
  readonly offset: number;
  readonly size: number;
}

export interface DatasecType extends Base<"datasec"> {
  readonly size: number;
  readonly vars: readonly SecInfo[];
}

export interface DeclTagType extends Base<"decl_tag"> {
  readonly target: number;
  /** -1 when the tag applies to the whole target, else the member/parameter index. */
  readonly componentIdx: number;
}

export type BtfType =
  | VoidType | IntType | FloatType | RefType | ArrayType | CompositeType | EnumType
  | FwdType | FuncType | FuncProtoType | VarType | DatasecType | DeclTagType;

/** A struct/union member found by `Btf.member`, with its offset from the outer type's start. */
export interface MemberInfo {
  readonly name: string;
  readonly typeId: number;
  readonly offsetBits: number;
  /** 0 unless the member is a bitfield. */
  readonly bitSize: number;
}

/** A function's parameters, as `Btf.funcProto` returns them. */
export interface FuncSignature {
  readonly name: string;
  readonly funcId: number;
  readonly protoId: number;
  readonly ret: number;
  readonly params: readonly Param[];
  readonly variadic: boolean;
}
