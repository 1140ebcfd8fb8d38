// Typed bpf(2) commands. Each call encodes its attr (bpf-attr.ts), makes the syscall,
// and either returns a typed result or throws SyscallError / VerifierError. Buffers whose
// addresses go into an attr are locals kept alive for the duration of the call.
import { readlinkSync } from "node:fs";
import * as libc from "./libc.ts";
import { OwnedFd, rawFd } from "./fd.ts";
import { SyscallError, VerifierError } from "./errors.ts";
import { BpfCmd, bpfCmdName, VERIFIER_LOG_SIZE, AttachType } from "./bpf-constants.ts";
import * as A from "./bpf-attr.ts";

type Fd = OwnedFd | number;

const ENOENT = 2;
const EINVAL = 22;
const ENOSPC = 28;
const EAGAIN = 11;
const EINTR = 4;
const EOPNOTSUPP = 95;
const ENOTSUPP = 524;

/** Runs one bpf(2) command; returns its non-negative result or throws SyscallError. */
function sys(cmd: number, attr: Uint8Array, context: string | undefined, ...pins: Uint8Array[]): number {
  const r = libc.bpf(cmd, attr, ...pins);
  if (r.value < 0) throw new SyscallError(bpfCmdName(cmd), r.errno, context ? { context } : {});
  return r.value;
}

/** Like sys() but reports ENOENT as undefined instead of throwing. */
function sysOrEnoent(cmd: number, attr: Uint8Array, ...pins: Uint8Array[]): number | undefined {
  const r = libc.bpf(cmd, attr, ...pins);
  if (r.value >= 0) return r.value;
  if (r.errno === ENOENT) return undefined;
  throw new SyscallError(bpfCmdName(cmd), r.errno);
}

/** A pointer field: NULL for an empty buffer (queue/stack maps have key_size 0 and refuse a non-NULL key). */
function ptr(b: Uint8Array | undefined): bigint {
  return b === undefined || b.byteLength === 0 ? 0n : libc.addressOf(b);
}

function checkSize(what: string, got: number, want: number): void {
  if (got !== want) throw new RangeError(`${what} is ${got} bytes, the map wants ${want}`);
}

/** BPF_MAP_CREATE. Requires a kernel that knows `type` (RINGBUF: 5.8). */
export function mapCreate(a: A.MapCreateAttr): OwnedFd {
  const fd = sys(BpfCmd.MAP_CREATE, A.encodeMapCreate(a), a.name ? `create map "${a.name}"` : undefined);
  return new OwnedFd(fd, "map");
}

/**
 * BPF_MAP_LOOKUP_ELEM. `valueSize` is the size user space sees: for per-CPU maps that is
 * roundUp(valueSize, 8) * possibleCpus. Returns undefined for a missing key.
 */
export function mapLookup(map: Fd, key: Uint8Array, valueSize: number): Uint8Array | undefined {
  const value = new Uint8Array(valueSize);
  const attr = A.encodeMapElem(rawFd(map), ptr(key), ptr(value), 0);
  return sysOrEnoent(BpfCmd.MAP_LOOKUP_ELEM, attr, key, value) === undefined ? undefined : value;
}

/** BPF_MAP_UPDATE_ELEM with UpdateFlags (BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
export function mapUpdate(map: Fd, key: Uint8Array, value: Uint8Array, flags = 0): void {
  sys(BpfCmd.MAP_UPDATE_ELEM, A.encodeMapElem(rawFd(map), ptr(key), ptr(value), flags), undefined, key, value);
}

/** BPF_MAP_DELETE_ELEM. Returns false when the key was not there. */
export function mapDelete(map: Fd, key: Uint8Array): boolean {
  return sysOrEnoent(BpfCmd.MAP_DELETE_ELEM, A.encodeMapElem(rawFd(map), ptr(key), 0n, 0), key) !== undefined;
}

/**
 * BPF_MAP_GET_NEXT_KEY. `key` undefined gives the first key; undefined means no more.
 * A key deleted meanwhile restarts hash iteration from the first bucket (kernel behaviour).
 */
export function mapGetNextKey(map: Fd, key: Uint8Array | undefined, keySize: number): Uint8Array | undefined {
  if (key !== undefined) checkSize("key", key.byteLength, keySize);
  const next = new Uint8Array(keySize);
  const attr = A.encodeMapElem(rawFd(map), ptr(key), ptr(next), 0);
  const r = sysOrEnoent(BpfCmd.MAP_GET_NEXT_KEY, attr, next, ...(key ? [key] : []));
  return r === undefined ? undefined : next;
}

/** The map type cannot be read in batches (EINVAL/ENOTSUPP); iterate keys instead. */
export class BatchUnsupportedError extends SyscallError {
  override name = "BatchUnsupportedError";
}

/** One page of a batch read: `count` keys and values, packed back to back. */
export interface BatchPage {
  count: number;
  keys: Uint8Array;
  values: Uint8Array;
}

/**
 * BPF_MAP_LOOKUP_BATCH (5.6), page by page until ENOENT. A hash bucket larger than the
 * page gives ENOSPC; the page then grows and the same batch is retried. Throws
 * BatchUnsupportedError when the map type has no batch ops.
 */
export function* mapLookupBatchPages(map: Fd, keySize: number, valueSize: number, count = 256): Generator<BatchPage> {
  const fd = rawFd(map);
  // The batch token is opaque: a u32 bucket for hash maps, a key for arrays.
  const tokenSize = Math.max(keySize, 8);
  let inBatch: Uint8Array | undefined;
  let outBatch = new Uint8Array(tokenSize);
  let page = Math.max(1, count);
  for (;;) {
    const keys = new Uint8Array(page * keySize || 1);
    const values = new Uint8Array(page * valueSize || 1);
    const attr = A.encodeMapBatch(
      fd,
      inBatch === undefined ? 0n : libc.addressOf(inBatch),
      libc.addressOf(outBatch),
      libc.addressOf(keys),
      libc.addressOf(values),
      page,
    );
    const r = libc.bpf(BpfCmd.MAP_LOOKUP_BATCH, attr, keys, values, outBatch, ...(inBatch ? [inBatch] : []));
    const got = new DataView(attr.buffer).getUint32(A.BATCH_COUNT_OFFSET, true);
    if (r.value < 0 && r.errno === ENOSPC && got === 0) {
      page *= 2;
      continue;
    }
    if (r.value < 0 && r.errno !== ENOENT) {
      const unsupported = r.errno === EINVAL || r.errno === ENOTSUPP || r.errno === EOPNOTSUPP;
      if (unsupported && inBatch === undefined) throw new BatchUnsupportedError("BPF_MAP_LOOKUP_BATCH", r.errno);
      throw new SyscallError("BPF_MAP_LOOKUP_BATCH", r.errno);
    }
    if (got > 0) yield { count: got, keys: keys.subarray(0, got * keySize), values: values.subarray(0, got * valueSize) };
    if (r.value < 0) return; // ENOENT: that was the last page
    inBatch = outBatch;
    outBatch = new Uint8Array(tokenSize);
  }
}

/** All entries through batch reads: keys[i] goes with values[i]. */
export function mapLookupBatch(
  map: Fd,
  keySize: number,
  valueSize: number,
  count = 256,
): { keys: Uint8Array[]; values: Uint8Array[] } {
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  for (const p of mapLookupBatchPages(map, keySize, valueSize, count)) {
    for (let i = 0; i < p.count; i++) {
      keys.push(p.keys.slice(i * keySize, (i + 1) * keySize));
      values.push(p.values.slice(i * valueSize, (i + 1) * valueSize));
    }
  }
  return { keys, values };
}

/**
 * All entries: batch reads where the map supports them, else get_next_key + lookup.
 * The fallback is not atomic: entries added or deleted meanwhile may be missed.
 */
export function mapEntries(map: Fd, keySize: number, valueSize: number): { keys: Uint8Array[]; values: Uint8Array[] } {
  try {
    return mapLookupBatch(map, keySize, valueSize);
  } catch (e) {
    if (!(e instanceof BatchUnsupportedError)) throw e;
  }
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  let key: Uint8Array | undefined;
  while ((key = mapGetNextKey(map, key, keySize)) !== undefined) {
    const value = mapLookup(map, key, valueSize);
    if (value === undefined) continue; // deleted between the two calls
    keys.push(key);
    values.push(value);
  }
  return { keys, values };
}

/** Entries per batch read: about 1 MiB of keys and values, 64 to 16384 entries. */
function pageFor(entryBytes: number): number {
  return Math.max(64, Math.min(16384, Math.floor((1 << 20) / Math.max(1, entryBytes))));
}

/**
 * All entries as views into the pages of batch reads (or, where the map has no batch
 * ops, copies from get_next_key + lookup): one copy of the map's bytes, a page at a
 * time, for a caller that decodes as it goes. A view is valid as long as it is held.
 */
export function* mapEntryViews(map: Fd, keySize: number, valueSize: number, page = pageFor(keySize + valueSize)): Generator<{ key: Uint8Array; value: Uint8Array }> {
  let pages: Generator<BatchPage> | undefined = mapLookupBatchPages(map, keySize, valueSize, page);
  let first: IteratorResult<BatchPage> | undefined;
  try {
    first = pages.next();
  } catch (e) {
    if (!(e instanceof BatchUnsupportedError)) throw e;
    pages = undefined;
  }
  if (pages && first) {
    for (let r = first; !r.done; r = pages.next()) {
      const p = r.value;
      for (let i = 0; i < p.count; i++) {
        yield { key: p.keys.subarray(i * keySize, (i + 1) * keySize), value: p.values.subarray(i * valueSize, (i + 1) * valueSize) };
      }
    }
    return;
  }
  let key: Uint8Array | undefined;
  while ((key = mapGetNextKey(map, key, keySize)) !== undefined) {
    const value = mapLookup(map, key, valueSize);
    if (value !== undefined) yield { key, value }; // undefined: deleted between the two calls
  }
}

export interface ProgLoadOptions {
  type: number;
  /** Encoded instructions, 8 bytes each (16 for ld_imm64). */
  insns: Uint8Array;
  license?: string;
  name?: string;
  expectedAttachType?: number;
  attachBtfId?: number;
  attachBtfObjFd?: number;
  progFlags?: number;
  /** 0: no log unless the load fails; 1: verifier log; 2: verbose; 4: stats. */
  logLevel?: number;
  /** Log buffer size when a log is requested or the load failed. Default 16 MiB. */
  logSize?: number;
  /** Prefix for error messages, e.g. `load program "tracepoint:syscalls:sys_enter_openat"`. */
  context?: string;
  /** The program's BTF (btfLoad), required with funcInfo. */
  btf?: Fd;
  /** One record per function (main at 0, then each subprogram), in instruction order. */
  funcInfo?: readonly { insnOff: number; typeId: number }[];
}

function progLoadOnce(o: ProgLoadOptions, logLevel: number, logSize: number) {
  if (o.insns.byteLength === 0 || o.insns.byteLength % 8 !== 0) {
    throw new RangeError(`program is ${o.insns.byteLength} bytes, not a non-empty multiple of 8`);
  }
  const license = A.cString(o.license ?? "GPL");
  const log = logLevel > 0 ? new Uint8Array(logSize) : undefined;
  const funcInfo = o.funcInfo && o.funcInfo.length > 0 ? A.encodeFuncInfo(o.funcInfo) : undefined;
  if (funcInfo && o.btf === undefined) throw new RangeError("func_info needs the program's BTF (btf)");
  const attr = A.encodeProgLoad({
    type: o.type,
    insnCount: o.insns.byteLength / 8,
    insns: libc.addressOf(o.insns),
    license: libc.addressOf(license),
    logLevel,
    logSize: log ? logSize : 0,
    logBuf: log ? libc.addressOf(log) : 0n,
    ...(o.name !== undefined && { name: o.name }),
    ...(o.progFlags !== undefined && { progFlags: o.progFlags }),
    ...(o.expectedAttachType !== undefined && { expectedAttachType: o.expectedAttachType }),
    ...(o.attachBtfId !== undefined && { attachBtfId: o.attachBtfId }),
    ...(o.attachBtfObjFd !== undefined && { attachBtfObjFd: o.attachBtfObjFd }),
    ...(o.btf !== undefined && { progBtfFd: rawFd(o.btf) }),
    ...(funcInfo && { funcInfoRecSize: A.FUNC_INFO_REC_SIZE, funcInfo: libc.addressOf(funcInfo), funcInfoCnt: o.funcInfo!.length }),
  });
  const pins = [...(log ? [log] : []), ...(funcInfo ? [funcInfo] : [])];
  const r = libc.bpf(BpfCmd.PROG_LOAD, attr, o.insns, license, ...pins);
  let text = "";
  if (log) {
    const end = log.indexOf(0);
    text = new TextDecoder().decode(end < 0 ? log : log.subarray(0, end));
  }
  return { r, text };
}

/** How often a load interrupted by a signal is tried again. */
const INTERRUPTED_LOAD_TRIES = 50;

/**
 * progLoadOnce, again while the kernel says the load was interrupted: the verifier gives
 * up with EAGAIN when a signal is pending (a profiler's SIGPROF, SIGCHLD of a child), and
 * the same program then loads.
 */
function progLoadPatiently(o: ProgLoadOptions, logLevel: number, logSize: number): { r: libc.Result; text: string } {
  let res = progLoadOnce(o, logLevel, logSize);
  for (let i = 1; i < INTERRUPTED_LOAD_TRIES && res.r.value < 0 && (res.r.errno === EAGAIN || res.r.errno === EINTR); i++) {
    res = progLoadOnce(o, logLevel, logSize);
  }
  return res;
}

/**
 * BPF_PROG_LOAD, returning the program fd and the verifier log (empty at logLevel 0).
 * A rejected load is retried with a log at level 1 so the error carries the reason:
 * VerifierError when the kernel explained itself, SyscallError when the log is empty
 * (EPERM before the verifier, as for BPF trampolines under lockdown).
 */
export function progLoadWithLog(o: ProgLoadOptions): { fd: OwnedFd; log: string } {
  const logSize = o.logSize ?? VERIFIER_LOG_SIZE;
  let { r, text } = progLoadPatiently(o, o.logLevel ?? 0, logSize);
  if (r.value >= 0) return { fd: new OwnedFd(r.value, "prog"), log: text };
  if ((o.logLevel ?? 0) === 0) {
    ({ r, text } = progLoadPatiently(o, 1, logSize));
    // The first attempt failed; one that now succeeds means a transient failure (EAGAIN).
    if (r.value >= 0) return { fd: new OwnedFd(r.value, "prog"), log: text };
  }
  const context = o.context ?? (o.name ? `load program "${o.name}"` : undefined);
  // ENOSPC: the log overflowed its buffer (it may hold nothing useful at all, a log_size of 2)
  if (text.trim() !== "" || r.errno === ENOSPC) {
    throw new VerifierError(text, r.errno, { ...(context && { context }), truncated: r.errno === ENOSPC, logSize });
  }
  throw new SyscallError("BPF_PROG_LOAD", r.errno, context ? { context } : {});
}

/** BPF_PROG_LOAD; see progLoadWithLog for the error behaviour. */
export function progLoad(o: ProgLoadOptions): OwnedFd {
  return progLoadWithLog(o).fd;
}

/**
 * BPF_BTF_LOAD (4.18): the kernel checks the blob and returns a BTF object fd, e.g. a
 * program's own types for prog_btf_fd. A rejected blob is retried with a log; the
 * SyscallError then carries the log's last line as a hint.
 */
export function btfLoad(blob: Uint8Array, opts: { context?: string; logSize?: number } = {}): OwnedFd {
  if (blob.byteLength === 0) throw new RangeError("BTF blob is empty");
  const once = (logLevel: number) => {
    const log = logLevel > 0 ? new Uint8Array(opts.logSize ?? 64 * 1024) : undefined;
    const attr = A.encodeBtfLoad(libc.addressOf(blob), blob.byteLength, log ? libc.addressOf(log) : 0n, log?.byteLength ?? 0, logLevel);
    const r = libc.bpf(BpfCmd.BTF_LOAD, attr, blob, ...(log ? [log] : []));
    const end = log ? log.indexOf(0) : 0;
    const text = log ? new TextDecoder().decode(end < 0 ? log : log.subarray(0, end)) : "";
    return { r, text };
  };
  let { r, text } = once(0);
  if (r.value >= 0) return new OwnedFd(r.value, "btf");
  ({ r, text } = once(1));
  if (r.value >= 0) return new OwnedFd(r.value, "btf");
  // The BTF log ends with the reason ("[3] FUNC_PROTO  Invalid arg#1"); it becomes a hint.
  const reason = text.trim().split("\n").filter((l) => l.trim() !== "").pop();
  throw new SyscallError("BPF_BTF_LOAD", r.errno, { context: opts.context ?? "load BTF", hints: reason ? [`kernel says: ${reason.trim()}`] : [] });
}

/**
 * BPF_LINK_CREATE (5.7). With attachType BPF_PERF_EVENT (5.15) `targetFd` is a perf
 * event fd and `cookie` is the bpf_cookie; for tracing programs it is the tracing cookie.
 */
export function linkCreate(a: Omit<A.LinkCreateAttr, "progFd" | "targetFd"> & { progFd: Fd; targetFd: Fd }): OwnedFd {
  const attr = A.encodeLinkCreate(
    { ...a, progFd: rawFd(a.progFd), targetFd: rawFd(a.targetFd) },
    a.attachType === AttachType.PERF_EVENT,
  );
  return new OwnedFd(sys(BpfCmd.LINK_CREATE, attr, undefined), "link");
}

/**
 * BPF_ITER_CREATE (5.8): a new seq_file over a BPF_TRACE_ITER link. Each read(2) of the
 * returned fd runs the iterator program on the next objects; read returns 0 at the end.
 */
export function iterCreate(link: Fd): OwnedFd {
  return new OwnedFd(sys(BpfCmd.ITER_CREATE, A.encodeIterCreate(rawFd(link)), "create iterator"), "iter");
}

/**
 * BPF_RAW_TRACEPOINT_OPEN: attaches a RAW_TRACEPOINT program to tracepoint `name`
 * (e.g. "sys_enter"), or, with name null, a TRACING program by its attach_btf_id.
 */
export function rawTracepointOpen(name: string | null, prog: Fd): OwnedFd {
  const cname = name === null ? undefined : A.cString(name);
  const attr = A.encodeRawTracepointOpen(cname ? libc.addressOf(cname) : 0n, rawFd(prog));
  const context = name === null ? undefined : `attach raw tracepoint "${name}"`;
  return new OwnedFd(sys(BpfCmd.RAW_TRACEPOINT_OPEN, attr, context, ...(cname ? [cname] : [])), "raw_tracepoint");
}

/**
 * BPF_PROG_TEST_RUN on a RAW_TRACEPOINT program: runs it once in this thread with
 * `ctxIn` (its u64 args) as context. `duration` is 0 for raw tracepoints.
 */
export function progTestRun(
  prog: Fd,
  ctxIn: Uint8Array,
  opts: { repeat?: number; flags?: number; cpu?: number } = {},
): { retval: number; duration: number } {
  const attr = A.encodeProgTestRun(rawFd(prog), ptr(ctxIn), ctxIn.byteLength, opts);
  sys(BpfCmd.PROG_TEST_RUN, attr, undefined, ctxIn);
  const dv = new DataView(attr.buffer);
  return { retval: dv.getUint32(A.TEST_RUN_RETVAL_OFFSET, true), duration: dv.getUint32(A.TEST_RUN_DURATION_OFFSET, true) };
}

/** What kind of BPF object an fd is, from its anon inode name in /proc/self/fd. */
export function bpfFdKind(fd: Fd): "prog" | "map" | "link" | "btf" | undefined {
  let target: string;
  try {
    target = readlinkSync(`/proc/self/fd/${rawFd(fd)}`);
  } catch {
    return undefined;
  }
  const m = /^anon_inode:\[?bpf[-_](prog|map|link)\]?$/.exec(target);
  if (m) return m[1] as "prog" | "map" | "link";
  return target === "anon_inode:btf" ? "btf" : undefined;
}

/** BPF_OBJ_GET_INFO_BY_FD for programs, maps and links: the essentials. */
export function objGetInfoByFd(fd: Fd): A.ProgInfo | A.MapInfo | A.LinkInfo {
  const kind = bpfFdKind(fd);
  const size = kind === "prog" ? A.PROG_INFO_SIZE : kind === "map" ? A.MAP_INFO_SIZE : A.LINK_INFO_SIZE;
  if (kind !== "prog" && kind !== "map" && kind !== "link") {
    throw new TypeError(`fd ${rawFd(fd)} is not a BPF program, map or link`);
  }
  const info = new Uint8Array(size);
  sys(BpfCmd.OBJ_GET_INFO_BY_FD, A.encodeObjGetInfo(rawFd(fd), libc.addressOf(info), size), undefined, info);
  return kind === "prog" ? A.decodeProgInfo(info) : kind === "map" ? A.decodeMapInfo(info) : A.decodeLinkInfo(info);
}

/** BPF_PROG_GET_NEXT_ID: the next loaded program id after `startId`, or undefined. */
export function progGetNextId(startId: number): number | undefined {
  const attr = A.encodeGetId(startId);
  return sysOrEnoent(BpfCmd.PROG_GET_NEXT_ID, attr) === undefined
    ? undefined
    : new DataView(attr.buffer).getUint32(A.NEXT_ID_OFFSET, true);
}

/** BPF_MAP_GET_NEXT_ID: the next map id after `startId`, or undefined. */
export function mapGetNextId(startId: number): number | undefined {
  const attr = A.encodeGetId(startId);
  return sysOrEnoent(BpfCmd.MAP_GET_NEXT_ID, attr) === undefined
    ? undefined
    : new DataView(attr.buffer).getUint32(A.NEXT_ID_OFFSET, true);
}

/** BPF_PROG_GET_FD_BY_ID (needs CAP_SYS_ADMIN). */
export function progGetFdById(id: number): OwnedFd {
  return new OwnedFd(sys(BpfCmd.PROG_GET_FD_BY_ID, A.encodeGetId(id), `open program id ${id}`), "prog");
}

/** BPF_MAP_GET_FD_BY_ID (needs CAP_SYS_ADMIN). */
export function mapGetFdById(id: number): OwnedFd {
  return new OwnedFd(sys(BpfCmd.MAP_GET_FD_BY_ID, A.encodeGetId(id), `open map id ${id}`), "map");
}

/**
 * BPF_ENABLE_STATS (5.8) with BPF_STATS_RUN_TIME: every program on the machine counts
 * run_cnt and run_time_ns (bpf_prog_info, fdinfo) while the returned fd stays open. The
 * counting itself costs each run two clock reads, so measure event costs without it.
 */
export function enableStats(): OwnedFd {
  return new OwnedFd(sys(BpfCmd.ENABLE_STATS, A.encodeEnableStats(), "enable BPF run-time stats"), "stats");
}

/** Ids of every program loaded on the machine, in id order. */
export function loadedProgIds(): number[] {
  const ids: number[] = [];
  for (let id = progGetNextId(0); id !== undefined; id = progGetNextId(id)) ids.push(id);
  return ids;
}
