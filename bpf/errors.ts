// Runtime errors → what the user sees: a Jupyter ename and a plain-words text. Verifier
// rejections get the short reason, an explanation of the usual causes, and the log's tail.
import { SyscallError, VerifierError } from "../native/index.ts";
import { AttachError } from "./probes/attach.ts";
import { CompileFailure } from "./types/errors.ts";
import { AsmError } from "./asm/index.ts";

export interface DescribedError {
  readonly ename: string;
  readonly evalue: string;
  readonly text: string;
}

/**
 * The usual rejections, in plain words, keyed by the reason lines of this kernel's log
 * (6.18; recorded in test/fixtures/verifier/). Order matters: the first match wins.
 */
const EXPLAIN: [RegExp, string][] = [
  [/invalid mem access '(?:map_value_or_null|ptr_or_null_|\w*_or_null)/,
    "a map value was used without checking the lookup for NULL: bpf_map_lookup_elem returns NULL when the key is not in the map, so test it (`if r0 == 0 goto out`) before reading or writing through it"],
  [/R\d+ invalid mem access '(?:scalar|inv)'/,
    "a read or write through a register that holds a number, not a pointer the verifier knows (an address computed from a value, or a pointer lost through arithmetic): read kernel memory with bpf_probe_read_kernel and user memory with bpf_probe_read_user"],
  [/infinite loop detected|back-edge from insn|loop is not bounded/,
    "a loop the verifier cannot prove to end: it came back to the same instruction in the same state; give the loop a counter with a constant bound (or use unroll())"],
  [/BPF program is too large|too many states|jumps is too complex/,
    "too many instructions to verify: the verifier walks every path, and every loop iteration again, and gives up after 1,000,000 instructions; lower the loop bound, or split the work over several probes or map iterations"],
  [/invalid (?:indirect )?(?:read|write) (?:from|to) stack|combined stack size|stack limit|stack depth \d+ exceeds/,
    "the program uses more than the 512 bytes of BPF stack (offsets below r10-512): keep large buffers and many strings in a per-CPU array map instead"],
  [/invalid access to (?:map value|memory|packet)|outside of the allowed memory range|out of bounds|invalid (?:variable-offset )?(?:read|write)/,
    "a read or write outside what the verifier can prove is in bounds (past the end of a map value or buffer, or at an offset it cannot bound): check the offset against the size first"],
  // bpf_tracing_func_proto offers it only when security_locked_down(LOCKDOWN_BPF_WRITE_USER)
  // allows (kernel/trace/bpf_trace.c): lockdown=integrity or confidentiality refuses it
  [/cannot use helper bpf_probe_write_user/,
    "bpf_probe_write_user (write_user()) is withheld while the kernel is locked down (lockdown=integrity or confidentiality, /sys/kernel/security/lockdown) or without CAP_SYS_ADMIN: write_user() cannot run on this machine"],
  [/unknown func|program of this type cannot use helper/,
    "a helper this program type may not call (each type — kprobe, tracepoint, perf_event, raw_tracepoint, socket filter, ... — has its own set); call one that is allowed here, or attach to a probe of another type"],
  [/R\d+ !read_ok/,
    "a register read before anything was written to it (r0 must hold the return value at exit; r1-r5 are clobbered by each helper call)"],
  [/unreachable insn/, "instructions that no path reaches: the verifier refuses dead code"],
  [/R\d+ type=\S+ expected=/, "a helper argument of the wrong kind (for example the context where a pointer to stack memory is expected)"],
];

/** The plain-words explanation of a rejection, from its reason lines (the log's end). */
export function explainVerifier(log: string): string | undefined {
  const tail = log.trimEnd().split("\n").slice(-8).join("\n");
  for (const [re, why] of EXPLAIN) if (re.test(tail)) return why;
  return undefined;
}

/**
 * A load that failed with ENOSPC: the verifier's log did not fit its buffer (log_size), so
 * its reason is lost. In bpftrace's words (bpfbytecode.cpp load_progs), then the log's end.
 */
function trimmedLog(e: VerifierError): DescribedError {
  const name = e.program ?? "the program";
  const size = e.logSize !== undefined ? `${e.logSize} bytes` : "its current size";
  const text = [
    `ERROR: Error loading BPF program for ${name}. Error code: -${e.errno} (No space left on device).`,
    `WARNING: Kernel log seems to be trimmed. This may be due to buffer not being big enough, try increasing the BPFTRACE_LOG_SIZE environment variable beyond the current value of ${size}. Or, add the configuration \`config = { log_size = N; }\` to the script.`,
    ...(e.log.trim() ? ["verifier log (last lines):", e.log.trim().split("\n").slice(-12).join("\n")] : []),
  ].join("\n");
  return { ename: "VerifierError", evalue: e.message, text };
}

export function describeError(e: unknown): DescribedError {
  if (e instanceof CompileFailure) {
    const kind = e.diagnostics.find((d) => d.severity === "error")?.kind ?? "ParseError";
    const first = e.diagnostics.find((d) => d.severity === "error");
    return { ename: kind, evalue: first?.message ?? "error", text: e.rendered };
  }
  // a log that filled its buffer but still ends with the rejection's reason is explained as any other
  if (e instanceof VerifierError && e.truncated && !explainVerifier(e.log)) return trimmedLog(e);
  if (e instanceof VerifierError) {
    const why = explainVerifier(e.log);
    const tail = e.log.trim().split("\n").slice(-12).join("\n");
    const text = [
      `ERROR: ${e.message}`,
      ...(e.source ? [`from ${e.source}`] : []),
      ...(why ? [`in plain words: ${why}`] : []),
      "verifier log (last lines):",
      tail,
    ].join("\n");
    return { ename: "VerifierError", evalue: e.message, text };
  }
  if (e instanceof SyscallError) {
    const ename = e.code === "EPERM" || e.code === "EACCES" ? "PermissionError" : "SyscallError";
    return { ename, evalue: e.message, text: [`ERROR: ${e.message}`, ...e.hints.map((h) => `hint: ${h}`)].join("\n") };
  }
  if (e instanceof AttachError) {
    // bpftrace's two lines: what went wrong, then which probe (log_probe_attach_failure)
    const lines = e.probe === undefined
      ? [`ERROR: ${e.message}`]
      : [`ERROR: ${e.reason}`, `ERROR: Unable to attach probe: ${e.probe}. If this is expected, set the 'missing_probes' config variable to 'warn'.`];
    return { ename: "AttachError", evalue: e.message, text: [...lines, ...e.hints.map((h) => `hint: ${h}`)].join("\n") };
  }
  if (e instanceof AsmError) return { ename: "CodegenError", evalue: e.message, text: `ERROR: internal codegen error: ${e.message}` };
  const err = e as Error;
  return { ename: err?.name ?? "Error", evalue: err?.message ?? String(e), text: `ERROR: ${err?.message ?? String(e)}` };
}
