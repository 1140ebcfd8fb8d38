// Feature probes: what this kernel allows, found by trying (once per process), and the
// machine's environment with those answers in it.
import * as native from "../../native/index.ts";
import { asm, marshal, R0 } from "../asm/index.ts";
import { AttachType, ProgType } from "../types/abi.ts";
import { liveEnv, type CompileEnv } from "../probes/env.ts";

/**
 * A feature probe's answer. A refusal keeps the errno (`"EINVAL"`, `"EOPNOTSUPP"`, ...)
 * so a caller can tell "this kernel refuses" from "our own encoding is wrong".
 */
export type Feature = { ok: true } | { ok: false; errno: string; message: string };

const yes: Feature = { ok: true };

function refusal(e: unknown): Feature {
  const err = e as { code?: unknown; message?: unknown };
  return { ok: false, errno: typeof err.code === "string" ? err.code : "unknown", message: String(err.message ?? e) };
}

let trampolines: boolean | undefined;

/**
 * Whether fentry programs load: load `r0 = 0; exit` as BPF_PROG_TYPE_TRACING /
 * BPF_TRACE_FENTRY on a kernel function from BTF. Refused (EPERM before the verifier,
 * as under some lockdown setups) or unsupported means no.
 */
export function trampolinesAllowed(env: CompileEnv): boolean {
  if (trampolines !== undefined) return trampolines;
  const id = env.btfId("schedule", "func") ?? env.btfId("do_nanosleep", "func");
  if (id === undefined) return (trampolines = false);
  try {
    const fd = native.progLoad({
      type: ProgType.TRACING,
      expectedAttachType: AttachType.TRACE_FENTRY,
      attachBtfId: id,
      insns: marshal([asm.movImm(R0, 0), asm.exit()]),
      license: "GPL",
      name: "tb_feature",
    });
    fd.close();
    trampolines = true;
  } catch {
    trampolines = false;
  }
  return trampolines;
}

let iterators: Feature | undefined;

/**
 * Whether BPF iterators load (5.8): `r0 = 0; exit` as BPF_PROG_TYPE_TRACING /
 * BPF_TRACE_ITER on the FUNC bpf_iter_task. A kernel without it, or one that refuses the
 * load (as trampolines are refused under some lockdown setups), means no; errno
 * "ENOENT" when BTF has no bpf_iter_task.
 */
export function iteratorsAllowed(env: CompileEnv): Feature {
  if (iterators !== undefined) return iterators;
  const id = env.btfId("bpf_iter_task", "func");
  if (id === undefined) return (iterators = { ok: false, errno: "ENOENT", message: "no FUNC bpf_iter_task in this kernel's BTF" });
  try {
    const fd = native.progLoad({
      type: ProgType.TRACING,
      expectedAttachType: AttachType.TRACE_ITER,
      attachBtfId: id,
      insns: marshal([asm.movImm(R0, 0), asm.exit()]),
      license: "GPL",
      name: "tb_feature",
    });
    fd.close();
    iterators = yes;
  } catch (e) {
    iterators = refusal(e);
  }
  return iterators;
}

let machine: CompileEnv | undefined;

/** This machine's facts, with the trampoline answer from the feature probe (asked lazily). */
export function machineEnv(): CompileEnv {
  if (!machine) {
    const env: CompileEnv = liveEnv({ fresh: true, trampolines: () => trampolinesAllowed(env) });
    machine = env;
  }
  return machine;
}

let breakpoints: Feature | undefined;

/**
 * Whether hardware breakpoints (watchpoint:) can be opened: perf_event_open of a
 * PERF_TYPE_BREAKPOINT write watch on an address of this process. Virtual machines
 * without debug registers (ENODEV, EOPNOTSUPP, ENOENT), or a perf_event_paranoid that
 * forbids it (EACCES), mean no; EINVAL points at our own attribute encoding. A VM may
 * also accept the event yet never deliver the trap: a watch on a buffer of our own that
 * counts no write is a no as well.
 */
export function breakpointsAllowed(): Feature {
  if (breakpoints !== undefined) return breakpoints;
  try {
    const fd = native.perfEventOpen({ type: 5 /* PERF_TYPE_BREAKPOINT */, config: 0, samplePeriod: 1, disabled: true, bpType: 2, config1: 0x1000n, config2: 8 }, 0, -1);
    fd.close();
    breakpoints = native.breakpointFires() ? yes : { ok: false, errno: "ENODEV", message: "a write breakpoint opens but never fires (this machine delivers no debug traps)" };
  } catch (e) {
    breakpoints = refusal(e);
  }
  return breakpoints;
}
