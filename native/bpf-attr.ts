// Encoders for `union bpf_attr` and decoders for bpf_*_info, one function per command.
// Pure: pointers come in as BigInt addresses, so the byte layout is unit-tested without
// privileges. Offsets follow /usr/include/linux/bpf.h; the kernel rejects non-zero bytes
// it does not know, so every buffer starts zeroed and only named fields are written.
import { BPF_ATTR_SIZE, OBJ_NAME_LEN } from "./bpf-constants.ts";

function attr(): { buf: Uint8Array; dv: DataView } {
  const buf = new Uint8Array(BPF_ATTR_SIZE);
  return { buf, dv: new DataView(buf.buffer) };
}

/**
 * An object name as the kernel accepts it: at most 15 bytes of [A-Za-z0-9_.]; other
 * characters become '_' (bpf_obj_name_cpy returns EINVAL on them).
 */
export function objName(name: string): Uint8Array {
  const clean = name.replace(/[^A-Za-z0-9_.]/g, "_").slice(0, OBJ_NAME_LEN - 1);
  const out = new Uint8Array(OBJ_NAME_LEN);
  for (let i = 0; i < clean.length; i++) out[i] = clean.charCodeAt(i);
  return out;
}

/** A NUL-terminated C string. */
export function cString(s: string): Uint8Array {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

export interface MapCreateAttr {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  name?: string;
  innerMapFd?: number;
  mapExtra?: bigint;
}

/** BPF_MAP_CREATE */
export function encodeMapCreate(a: MapCreateAttr): Uint8Array {
  const { buf, dv } = attr();
  dv.setUint32(0, a.type, true); // map_type
  dv.setUint32(4, a.keySize, true); // key_size
  dv.setUint32(8, a.valueSize, true); // value_size
  dv.setUint32(12, a.maxEntries, true); // max_entries
  dv.setUint32(16, a.flags ?? 0, true); // map_flags
  dv.setUint32(20, a.innerMapFd ?? 0, true); // inner_map_fd
  if (a.name) buf.set(objName(a.name), 28); // map_name[16]
  dv.setBigUint64(64, a.mapExtra ?? 0n, true); // map_extra
  return buf;
}

/** BPF_MAP_*_ELEM and BPF_MAP_GET_NEXT_KEY: value and next_key share offset 16. */
export function encodeMapElem(mapFd: number, key: bigint, valueOrNextKey: bigint, flags: number): Uint8Array {
  const { buf, dv } = attr();
  dv.setUint32(0, mapFd, true); // map_fd
  dv.setBigUint64(8, key, true); // key
  dv.setBigUint64(16, valueOrNextKey, true); // value / next_key
  dv.setBigUint64(24, BigInt(flags), true); // flags
  return buf;
}

/** BPF_MAP_*_BATCH; `count` is read back from offset 32 after the call. */
export function encodeMapBatch(
  mapFd: number,
  inBatch: bigint,
  outBatch: bigint,
  keys: bigint,
  values: bigint,
  count: number,
): Uint8Array {
  const { buf, dv } = attr();
  dv.setBigUint64(0, inBatch, true); // batch.in_batch (0: from the start)
  dv.setBigUint64(8, outBatch, true); // batch.out_batch
  dv.setBigUint64(16, keys, true); // batch.keys
  dv.setBigUint64(24, values, true); // batch.values
  dv.setUint32(32, count, true); // batch.count (in/out)
  dv.setUint32(36, mapFd, true); // batch.map_fd
  return buf;
}
export const BATCH_COUNT_OFFSET = 32;

export interface ProgLoadAttr {
  type: number;
  insnCount: number;
  insns: bigint;
  license: bigint;
  logLevel: number;
  logSize: number;
  logBuf: bigint;
  progFlags?: number;
  name?: string;
  expectedAttachType?: number;
  progBtfFd?: number;
  /** sizeof(struct bpf_func_info) as user space lays it out: 8. */
  funcInfoRecSize?: number;
  /** Address of func_info_cnt struct bpf_func_info records. */
  funcInfo?: bigint;
  funcInfoCnt?: number;
  attachBtfId?: number;
  /** attach_btf_obj_fd and attach_prog_fd share this slot. */
  attachBtfObjFd?: number;
  fdArray?: bigint;
}

/** BPF_PROG_LOAD */
export function encodeProgLoad(a: ProgLoadAttr): Uint8Array {
  const { buf, dv } = attr();
  dv.setUint32(0, a.type, true); // prog_type
  dv.setUint32(4, a.insnCount, true); // insn_cnt
  dv.setBigUint64(8, a.insns, true); // insns
  dv.setBigUint64(16, a.license, true); // license
  dv.setUint32(24, a.logLevel, true); // log_level
  dv.setUint32(28, a.logSize, true); // log_size
  dv.setBigUint64(32, a.logBuf, true); // log_buf
  dv.setUint32(44, a.progFlags ?? 0, true); // prog_flags
  if (a.name) buf.set(objName(a.name), 48); // prog_name[16]
  dv.setUint32(68, a.expectedAttachType ?? 0, true); // expected_attach_type
  dv.setUint32(72, a.progBtfFd ?? 0, true); // prog_btf_fd
  dv.setUint32(76, a.funcInfoRecSize ?? 0, true); // func_info_rec_size
  dv.setBigUint64(80, a.funcInfo ?? 0n, true); // func_info
  dv.setUint32(88, a.funcInfoCnt ?? 0, true); // func_info_cnt
  dv.setUint32(108, a.attachBtfId ?? 0, true); // attach_btf_id
  dv.setUint32(112, a.attachBtfObjFd ?? 0, true); // attach_btf_obj_fd / attach_prog_fd
  dv.setBigUint64(120, a.fdArray ?? 0n, true); // fd_array
  return buf;
}
/** log_true_size (6.4+): the log length the kernel wanted to write, 0 on older kernels. */
export const PROG_LOAD_LOG_TRUE_SIZE_OFFSET = 136;

/** sizeof(struct bpf_func_info): u32 insn_off, u32 type_id. */
export const FUNC_INFO_REC_SIZE = 8;

/** struct bpf_func_info records, back to back. */
export function encodeFuncInfo(recs: readonly { insnOff: number; typeId: number }[]): Uint8Array {
  const buf = new Uint8Array(recs.length * FUNC_INFO_REC_SIZE);
  const dv = new DataView(buf.buffer);
  recs.forEach((r, i) => {
    dv.setUint32(i * FUNC_INFO_REC_SIZE, r.insnOff, true); // insn_off (in 8-byte slots)
    dv.setUint32(i * FUNC_INFO_REC_SIZE + 4, r.typeId, true); // type_id (a BTF_KIND_FUNC)
  });
  return buf;
}

/** BPF_BTF_LOAD (4.18) */
export function encodeBtfLoad(btf: bigint, btfSize: number, logBuf: bigint, logSize: number, logLevel: number): Uint8Array {
  const { buf, dv } = attr();
  dv.setBigUint64(0, btf, true); // btf
  dv.setBigUint64(8, logBuf, true); // btf_log_buf
  dv.setUint32(16, btfSize, true); // btf_size
  dv.setUint32(20, logSize, true); // btf_log_size
  dv.setUint32(24, logLevel, true); // btf_log_level
  return buf;
}

/** BPF_PROG_TEST_RUN; retval at 4 and duration at 36 are read back. */
export function encodeProgTestRun(
  progFd: number,
  ctxIn: bigint,
  ctxSizeIn: number,
  opts: { repeat?: number; flags?: number; cpu?: number } = {},
): Uint8Array {
  const { dv, buf } = attr();
  dv.setUint32(0, progFd, true); // test.prog_fd
  dv.setUint32(32, opts.repeat ?? 0, true); // test.repeat
  dv.setUint32(40, ctxSizeIn, true); // test.ctx_size_in
  dv.setBigUint64(48, ctxIn, true); // test.ctx_in
  dv.setUint32(64, opts.flags ?? 0, true); // test.flags
  dv.setUint32(68, opts.cpu ?? 0, true); // test.cpu
  return buf;
}
export const TEST_RUN_RETVAL_OFFSET = 4;
export const TEST_RUN_DURATION_OFFSET = 36;

/** BPF_RAW_TRACEPOINT_OPEN: name 0 attaches a tp_btf/tracing program by its attach_btf_id. */
export function encodeRawTracepointOpen(name: bigint, progFd: number): Uint8Array {
  const { dv, buf } = attr();
  dv.setBigUint64(0, name, true); // raw_tracepoint.name
  dv.setUint32(8, progFd, true); // raw_tracepoint.prog_fd
  return buf;
}

export interface LinkCreateAttr {
  progFd: number;
  targetFd: number;
  attachType: number;
  flags?: number;
  /** tracing.target_btf_id (fentry/fexit re-targeting). */
  targetBtfId?: number;
  /** perf_event.bpf_cookie or tracing.cookie, read by bpf_get_attach_cookie(). */
  cookie?: bigint;
  /** iter_info pointer and length, for BPF_TRACE_ITER. */
  iterInfo?: bigint;
  iterInfoLen?: number;
}

/** BPF_LINK_CREATE: the union at offset 16 depends on the attach type. */
export function encodeLinkCreate(a: LinkCreateAttr, perfEvent: boolean): Uint8Array {
  const { dv, buf } = attr();
  dv.setUint32(0, a.progFd, true); // link_create.prog_fd
  dv.setUint32(4, a.targetFd, true); // link_create.target_fd
  dv.setUint32(8, a.attachType, true); // link_create.attach_type
  dv.setUint32(12, a.flags ?? 0, true); // link_create.flags
  if (perfEvent) {
    dv.setBigUint64(16, a.cookie ?? 0n, true); // perf_event.bpf_cookie
  } else if (a.iterInfo !== undefined) {
    dv.setBigUint64(16, a.iterInfo, true); // iter_info
    dv.setUint32(24, a.iterInfoLen ?? 0, true); // iter_info_len
  } else {
    dv.setUint32(16, a.targetBtfId ?? 0, true); // tracing.target_btf_id
    dv.setBigUint64(24, a.cookie ?? 0n, true); // tracing.cookie
  }
  return buf;
}

/** BPF_ITER_CREATE: iter_create.link_fd, iter_create.flags (0). */
export function encodeIterCreate(linkFd: number): Uint8Array {
  const { dv, buf } = attr();
  dv.setUint32(0, linkFd, true); // iter_create.link_fd
  return buf;
}

/** BPF_*_GET_NEXT_ID (next_id read back at 4) and BPF_*_GET_FD_BY_ID. */
export function encodeGetId(id: number, openFlags = 0): Uint8Array {
  const { dv, buf } = attr();
  dv.setUint32(0, id, true); // start_id / prog_id / map_id
  dv.setUint32(8, openFlags, true); // open_flags
  return buf;
}
export const NEXT_ID_OFFSET = 4;

/** BPF_ENABLE_STATS: enable_stats.type (BPF_STATS_RUN_TIME = 0). */
export function encodeEnableStats(type = 0): Uint8Array {
  const { dv, buf } = attr();
  dv.setUint32(0, type, true);
  return buf;
}

/** BPF_OBJ_GET_INFO_BY_FD */
export function encodeObjGetInfo(fd: number, info: bigint, infoLen: number): Uint8Array {
  const { dv, buf } = attr();
  dv.setUint32(0, fd, true); // info.bpf_fd
  dv.setUint32(4, infoLen, true); // info.info_len
  dv.setBigUint64(8, info, true); // info.info
  return buf;
}

function cName(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** sizeof(struct bpf_prog_info) in the 6.1 uapi. */
export const PROG_INFO_SIZE = 232;
/** sizeof(struct bpf_map_info) in the 6.1 uapi. */
export const MAP_INFO_SIZE = 88;

export interface ProgInfo {
  kind: "prog";
  type: number;
  id: number;
  name: string;
  /** The 8-byte program tag, hex, as bpftool prints it. */
  tag: string;
  xlatedLen: number;
  jitedLen: number;
  createdByUid: number;
  mapIds: number;
  btfId: number;
  /** Only counted while BPF stats are enabled (kernel.bpf_stats_enabled). */
  runTimeNs: bigint;
  runCount: bigint;
  verifiedInsns: number;
}

/** struct bpf_prog_info */
export function decodeProgInfo(b: Uint8Array): ProgInfo {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const tag = Array.from(b.subarray(8, 16), (x) => x.toString(16).padStart(2, "0")).join("");
  return {
    kind: "prog",
    type: dv.getUint32(0, true),
    id: dv.getUint32(4, true),
    tag,
    jitedLen: dv.getUint32(16, true),
    xlatedLen: dv.getUint32(20, true),
    createdByUid: dv.getUint32(48, true),
    mapIds: dv.getUint32(52, true),
    name: cName(b.subarray(64, 80)),
    btfId: dv.getUint32(128, true),
    runTimeNs: dv.getBigUint64(192, true),
    runCount: dv.getBigUint64(200, true),
    verifiedInsns: dv.getUint32(216, true),
  };
}

export interface MapInfo {
  kind: "map";
  type: number;
  id: number;
  name: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

/** struct bpf_map_info */
export function decodeMapInfo(b: Uint8Array): MapInfo {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    kind: "map",
    type: dv.getUint32(0, true),
    id: dv.getUint32(4, true),
    keySize: dv.getUint32(8, true),
    valueSize: dv.getUint32(12, true),
    maxEntries: dv.getUint32(16, true),
    flags: dv.getUint32(20, true),
    name: cName(b.subarray(24, 40)),
  };
}

export interface LinkInfo {
  kind: "link";
  type: number;
  id: number;
  progId: number;
}

/** The common head of struct bpf_link_info (type, id, prog_id). */
export function decodeLinkInfo(b: Uint8Array): LinkInfo {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { kind: "link", type: dv.getUint32(0, true), id: dv.getUint32(4, true), progId: dv.getUint32(8, true) };
}
/** Enough of struct bpf_link_info for its head plus the largest union member we skip. */
export const LINK_INFO_SIZE = 64;
