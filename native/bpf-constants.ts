// Constants from linux/bpf.h that native/ and its users need, by their kernel names.
// Values are ABI: they never change once a kernel has shipped them.

/** enum bpf_cmd */
export const BpfCmd = {
  MAP_CREATE: 0, // BPF_MAP_CREATE
  MAP_LOOKUP_ELEM: 1, // BPF_MAP_LOOKUP_ELEM
  MAP_UPDATE_ELEM: 2, // BPF_MAP_UPDATE_ELEM
  MAP_DELETE_ELEM: 3, // BPF_MAP_DELETE_ELEM
  MAP_GET_NEXT_KEY: 4, // BPF_MAP_GET_NEXT_KEY
  PROG_LOAD: 5, // BPF_PROG_LOAD
  PROG_TEST_RUN: 10, // BPF_PROG_TEST_RUN (alias BPF_PROG_RUN)
  PROG_GET_NEXT_ID: 11, // BPF_PROG_GET_NEXT_ID
  MAP_GET_NEXT_ID: 12, // BPF_MAP_GET_NEXT_ID
  PROG_GET_FD_BY_ID: 13, // BPF_PROG_GET_FD_BY_ID
  MAP_GET_FD_BY_ID: 14, // BPF_MAP_GET_FD_BY_ID
  OBJ_GET_INFO_BY_FD: 15, // BPF_OBJ_GET_INFO_BY_FD
  RAW_TRACEPOINT_OPEN: 17, // BPF_RAW_TRACEPOINT_OPEN
  BTF_LOAD: 18, // BPF_BTF_LOAD (4.18)
  MAP_LOOKUP_BATCH: 24, // BPF_MAP_LOOKUP_BATCH (5.6)
  LINK_CREATE: 28, // BPF_LINK_CREATE (5.7)
  ENABLE_STATS: 32, // BPF_ENABLE_STATS (5.8)
  ITER_CREATE: 33, // BPF_ITER_CREATE (5.8)
} as const;

/** The name a bpf_cmd value is reported under in SyscallError.call. */
export function bpfCmdName(cmd: number): string {
  for (const [k, v] of Object.entries(BpfCmd)) if (v === cmd) return `BPF_${k}`;
  return `BPF_CMD_${cmd}`;
}

/** enum bpf_map_type */
export const MapType = {
  HASH: 1, // BPF_MAP_TYPE_HASH
  ARRAY: 2, // BPF_MAP_TYPE_ARRAY
  PROG_ARRAY: 3, // BPF_MAP_TYPE_PROG_ARRAY
  PERF_EVENT_ARRAY: 4, // BPF_MAP_TYPE_PERF_EVENT_ARRAY
  PERCPU_HASH: 5, // BPF_MAP_TYPE_PERCPU_HASH
  PERCPU_ARRAY: 6, // BPF_MAP_TYPE_PERCPU_ARRAY
  STACK_TRACE: 7, // BPF_MAP_TYPE_STACK_TRACE
  LRU_HASH: 9, // BPF_MAP_TYPE_LRU_HASH
  LRU_PERCPU_HASH: 10, // BPF_MAP_TYPE_LRU_PERCPU_HASH
  LPM_TRIE: 11, // BPF_MAP_TYPE_LPM_TRIE
  QUEUE: 22, // BPF_MAP_TYPE_QUEUE
  STACK: 23, // BPF_MAP_TYPE_STACK
  RINGBUF: 27, // BPF_MAP_TYPE_RINGBUF (5.8)
  BLOOM_FILTER: 30, // BPF_MAP_TYPE_BLOOM_FILTER
} as const;
export type MapType = (typeof MapType)[keyof typeof MapType];

/** enum bpf_prog_type */
export const ProgType = {
  SOCKET_FILTER: 1, // BPF_PROG_TYPE_SOCKET_FILTER
  KPROBE: 2, // BPF_PROG_TYPE_KPROBE (kprobes and uprobes)
  TRACEPOINT: 5, // BPF_PROG_TYPE_TRACEPOINT
  PERF_EVENT: 7, // BPF_PROG_TYPE_PERF_EVENT (profile:, interval:, software:)
  RAW_TRACEPOINT: 17, // BPF_PROG_TYPE_RAW_TRACEPOINT
  TRACING: 26, // BPF_PROG_TYPE_TRACING (tp_btf, fentry, fexit, iter)
  LSM: 29, // BPF_PROG_TYPE_LSM
  SYSCALL: 31, // BPF_PROG_TYPE_SYSCALL
} as const;
export type ProgType = (typeof ProgType)[keyof typeof ProgType];

/** enum bpf_attach_type (the values tracing uses) */
export const AttachType = {
  NONE: 0, // no expected_attach_type (BPF_CGROUP_INET_INGRESS shares the value)
  TRACE_RAW_TP: 23, // BPF_TRACE_RAW_TP (tp_btf)
  TRACE_FENTRY: 24, // BPF_TRACE_FENTRY
  TRACE_FEXIT: 25, // BPF_TRACE_FEXIT
  MODIFY_RETURN: 26, // BPF_MODIFY_RETURN
  LSM_MAC: 27, // BPF_LSM_MAC
  TRACE_ITER: 28, // BPF_TRACE_ITER
  PERF_EVENT: 41, // BPF_PERF_EVENT (BPF_LINK_CREATE on a perf event fd, 5.15)
  TRACE_KPROBE_MULTI: 42, // BPF_TRACE_KPROBE_MULTI
  TRACE_UPROBE_MULTI: 48, // BPF_TRACE_UPROBE_MULTI (6.6)
} as const;
export type AttachType = (typeof AttachType)[keyof typeof AttachType];

/** Flags of BPF_MAP_UPDATE_ELEM */
export const UpdateFlags = {
  ANY: 0, // BPF_ANY: create or update
  NOEXIST: 1, // BPF_NOEXIST: create only
  EXIST: 2, // BPF_EXIST: update only
} as const;

/** Flags of BPF_MAP_CREATE */
export const MapFlags = {
  NO_PREALLOC: 1 << 0, // BPF_F_NO_PREALLOC
  RDONLY: 1 << 3, // BPF_F_RDONLY (user space side)
  WRONLY: 1 << 4, // BPF_F_WRONLY
  RDONLY_PROG: 1 << 7, // BPF_F_RDONLY_PROG
  MMAPABLE: 1 << 10, // BPF_F_MMAPABLE
} as const;

/** Ring buffer record header bits (BPF_RINGBUF_*). */
export const Ringbuf = {
  BUSY_BIT: 0x80000000, // BPF_RINGBUF_BUSY_BIT: record reserved, not yet committed
  DISCARD_BIT: 0x40000000, // BPF_RINGBUF_DISCARD_BIT: record discarded by the program
  HDR_SZ: 8, // BPF_RINGBUF_HDR_SZ: u32 len, u32 pg_off
} as const;

/** BPF_OBJ_NAME_LEN: object names are at most 15 bytes plus a NUL. */
export const OBJ_NAME_LEN = 16;

/** The verifier log buffer used when a load fails (the kernel caps it at UINT_MAX >> 2). */
export const VERIFIER_LOG_SIZE = 16 * 1024 * 1024;

/**
 * sizeof(union bpf_attr) in the 6.1 uapi header. The kernel accepts a larger or smaller
 * attr as long as bytes it does not know are zero, so one size serves every command.
 */
export const BPF_ATTR_SIZE = 144;
