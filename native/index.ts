// native/ owns every foreign call Tracebook makes: koffi bindings to libc (bpf(2),
// perf_event_open(2), ioctl, mmap, close, epoll), owned fds and mappings, and the typed
// errors those calls throw. It is the only folder that imports koffi, and it must not
// import anything from bpf/, kernel/ or magics/ (they depend on it, never the reverse).
export { SyscallError, VerifierError, errnoName, errnoText, errnoNumber, hintsFor, summarizeVerifierLog, failingInsn } from "./errors.ts";
export { OwnedFd, openFdCount, rawFd, dupFd, backgroundClosesSettled, backgroundClosesPending } from "./fd.ts";
export {
  BpfCmd,
  bpfCmdName,
  MapType,
  ProgType,
  AttachType,
  UpdateFlags,
  MapFlags,
  Ringbuf,
  OBJ_NAME_LEN,
  VERIFIER_LOG_SIZE,
  BPF_ATTR_SIZE,
} from "./bpf-constants.ts";
export type { MapCreateAttr, LinkCreateAttr, ProgInfo, MapInfo, LinkInfo } from "./bpf-attr.ts";
export {
  mapCreate,
  mapLookup,
  mapUpdate,
  mapDelete,
  mapGetNextKey,
  mapLookupBatch,
  mapLookupBatchPages,
  mapEntries,
  mapEntryViews,
  BatchUnsupportedError,
  progLoad,
  progLoadWithLog,
  btfLoad,
  linkCreate,
  iterCreate,
  rawTracepointOpen,
  progTestRun,
  objGetInfoByFd,
  bpfFdKind,
  progGetNextId,
  progGetFdById,
  mapGetNextId,
  mapGetFdById,
  loadedProgIds,
  enableStats,
  type BatchPage,
  type ProgLoadOptions,
} from "./bpf.ts";
export {
  perfEventOpen,
  encodePerfEventAttr,
  setBpf,
  enable,
  disable,
  breakpointFires,
  onlineCpus,
  possibleCpus,
  parseCpuList,
  PerfType,
  PerfSwConfig,
  PerfIoctl,
  PERF_SAMPLE_RAW,
  PERF_FLAG_FD_CLOEXEC,
  PERF_ATTR_SIZE,
  type PerfEventAttr,
} from "./perf.ts";
export { Clock, clockNs, taiOffsetNs } from "./clock.ts";
export { Mapping, openMappingCount, pageSize, PROT_READ, PROT_WRITE, MAP_SHARED } from "./mmap.ts";
export { watchReadable, waitReadable, type FdWatch } from "./poll.ts";
export { pidfdOpen } from "./pidfd.ts";
