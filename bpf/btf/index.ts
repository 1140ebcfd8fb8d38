// bpf/btf: a pure reader of BTF blobs (/sys/kernel/btf/vmlinux and module BTF): type
// records, names, members, sizes, C spellings, and the ids tracing needs (btf_trace_<tp>
// for tp_btf, FUNCs for fentry); and a writer of the small blobs a program's own func_info
// needs (writer.ts); and the language's types of kernel types (btf-types.ts: structs as
// lazy records, members, enum values, offsetof), which the checker and the probe kinds
// share. Reads and writes bytes only; does no I/O of its own; of bpf/ it imports only
// types/ (the vocabulary), and must not import native/ or anything above bpf/.
export { Btf, BTF_TRACE_PREFIX, RAW_TRACEPOINT_FUNC_PREFIXES } from "./btf.ts";
export { BtfError, Kind, KIND_NAMES, type KindName } from "./format.ts";
export type * from "./types.ts";
export { BtfWriter, FuncLinkage, type BtfParam } from "./writer.ts";
export { cDefinition, fullTypeName } from "./c-definition.ts";
