// Feature probes: what this kernel allows, found by trying (once per process), and the
// machine's environment with those answers in it.
import * as native from "../../native/index.ts";
import { asm, marshal, R0 } from "../asm/index.ts";
import { AttachType, ProgType } from "../abi.ts";
import { liveEnv, type CompileEnv } from "../env.ts";

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

let machine: CompileEnv | undefined;

/** This machine's facts, with the trampoline answer from the feature probe (asked lazily). */
export function machineEnv(): CompileEnv {
  if (!machine) {
    const env: CompileEnv = liveEnv({ fresh: true, trampolines: () => trampolinesAllowed(env) });
    machine = env;
  }
  return machine;
}
