// Kernel ABI numbers the compiler needs (pure: no FFI). Values from linux/bpf.h and
// linux/perf_event.h; names are the kernel's.

// enum bpf_prog_type, bpf_attach_type and bpf_map_type live in native/bpf-constants.ts,
// perf_type_id in native/perf-constants.ts: pure files (no FFI), so importing them keeps
// compile free of koffi.
export { AttachType, MapType, ProgType } from "../../native/bpf-constants.ts";
export { PerfType } from "../../native/perf-constants.ts";

/** perf_sw_ids, with bpftrace's names and aliases. */
export const SoftwareEvents: Record<string, { config: number; alias: string; defaultPeriod: number }> = {
  "cpu-clock": { config: 0, alias: "cpu", defaultPeriod: 1_000_000 },
  "task-clock": { config: 1, alias: "", defaultPeriod: 1_000_000 },
  "page-faults": { config: 2, alias: "faults", defaultPeriod: 100 },
  "context-switches": { config: 3, alias: "cs", defaultPeriod: 1000 },
  "cpu-migrations": { config: 4, alias: "", defaultPeriod: 1 },
  "minor-faults": { config: 5, alias: "", defaultPeriod: 100 },
  "major-faults": { config: 6, alias: "", defaultPeriod: 1 },
  "alignment-faults": { config: 7, alias: "", defaultPeriod: 1 },
  "emulation-faults": { config: 8, alias: "", defaultPeriod: 1 },
  dummy: { config: 9, alias: "", defaultPeriod: 1 },
  "bpf-output": { config: 10, alias: "", defaultPeriod: 1 },
};

/** perf_hw_id, with bpftrace's names and aliases. */
export const HardwareEvents: Record<string, { config: number; alias: string; defaultPeriod: number }> = {
  "cpu-cycles": { config: 0, alias: "cycles", defaultPeriod: 1_000_000 },
  instructions: { config: 1, alias: "", defaultPeriod: 1_000_000 },
  "cache-references": { config: 2, alias: "", defaultPeriod: 1_000_000 },
  "cache-misses": { config: 3, alias: "", defaultPeriod: 1_000_000 },
  "branch-instructions": { config: 4, alias: "branches", defaultPeriod: 100_000 },
  "branch-misses": { config: 5, alias: "", defaultPeriod: 100_000 },
  "bus-cycles": { config: 6, alias: "", defaultPeriod: 100_000 },
  "frontend-stalls": { config: 7, alias: "", defaultPeriod: 1_000_000 },
  "backend-stalls": { config: 8, alias: "", defaultPeriod: 1_000_000 },
  "ref-cycles": { config: 9, alias: "", defaultPeriod: 1_000_000 },
};

/** x86_64 struct pt_regs offsets (also the start of struct bpf_perf_event_data). */
export const PtRegs = {
  r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56, r9: 64, r8: 72,
  rax: 80, rcx: 88, rdx: 96, rsi: 104, rdi: 112, orig_rax: 120, rip: 128, cs: 136,
  eflags: 144, rsp: 152, ss: 160,
} as const;

/** System V AMD64 argument registers, in order. */
export const ArgRegs = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"] as const;

/** MAX_BPF_STACK: the bytes of stack a BPF program's frame may use. */
export const MAX_BPF_STACK = 512;

export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_F_USER_STACK = 1 << 8;
/** Map flag of a stack-trace map whose values are struct bpf_stack_build_id (build id + file offset) per frame. */
export const BPF_F_STACK_BUILD_ID = 1 << 5;
/** sizeof(struct bpf_stack_build_id): s32 status, u8 build_id[20], 4 bytes padding, u64 offset or ip. */
export const BUILD_ID_FRAME_SIZE = 32;

/** Address families (linux/socket.h): ntop() values carry one. */
export const AF_INET = 2;
export const AF_INET6 = 10;
