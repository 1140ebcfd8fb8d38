// Constants from linux/perf_event.h that native/ and the compiler need (pure: no FFI, so
// bpf/types/abi.ts can re-export them without loading koffi).

/** enum perf_type_id: perf_event_attr.type */
export const PerfType = {
  HARDWARE: 0, // PERF_TYPE_HARDWARE
  SOFTWARE: 1, // PERF_TYPE_SOFTWARE
  TRACEPOINT: 2, // PERF_TYPE_TRACEPOINT: config is the tracefs event id
  HW_CACHE: 3, // PERF_TYPE_HW_CACHE
  RAW: 4, // PERF_TYPE_RAW
  BREAKPOINT: 5, // PERF_TYPE_BREAKPOINT
} as const;
