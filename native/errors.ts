// Typed errors for the syscalls native/ makes: which call failed, its errno by name, a
// strerror-like text and hints for the failures people actually meet. Pure: no koffi, so
// the naming and the hints are unit-tested without privileges.

/**
 * Linux errno numbers (asm-generic; identical on x86_64 and arm64) with strerror text.
 * ENOTSUPP (524) is kernel-internal but leaks out of bpf(2) for unsupported map ops.
 */
const ERRNO: ReadonlyArray<readonly [number, string, string]> = [
  [1, "EPERM", "operation not permitted"],
  [2, "ENOENT", "no such file or directory"],
  [3, "ESRCH", "no such process"],
  [4, "EINTR", "interrupted system call"],
  [5, "EIO", "input/output error"],
  [6, "ENXIO", "no such device or address"],
  [7, "E2BIG", "argument list too long"],
  [9, "EBADF", "bad file descriptor"],
  [11, "EAGAIN", "resource temporarily unavailable"],
  [12, "ENOMEM", "cannot allocate memory"],
  [13, "EACCES", "permission denied"],
  [14, "EFAULT", "bad address"],
  [16, "EBUSY", "device or resource busy"],
  [17, "EEXIST", "file exists"],
  [19, "ENODEV", "no such device"],
  [22, "EINVAL", "invalid argument"],
  [23, "ENFILE", "too many open files in system"],
  [24, "EMFILE", "too many open files"],
  [25, "ENOTTY", "inappropriate ioctl for device"],
  [28, "ENOSPC", "no space left on device"],
  [34, "ERANGE", "numerical result out of range"],
  [38, "ENOSYS", "function not implemented"],
  [75, "EOVERFLOW", "value too large for defined data type"],
  [95, "EOPNOTSUPP", "operation not supported"],
  [524, "ENOTSUPP", "operation not supported (kernel-internal ENOTSUPP)"],
];

const BY_NUMBER = new Map(ERRNO.map(([n, name, text]) => [n, { name, text }]));
const BY_NAME = new Map(ERRNO.map(([n, name]) => [name, n]));

/** `EPERM` for 1; `E123` for numbers we do not name. */
export function errnoName(errno: number): string {
  return BY_NUMBER.get(errno)?.name ?? `E${errno}`;
}

/** strerror-like lowercase text, e.g. "operation not permitted". */
export function errnoText(errno: number): string {
  return BY_NUMBER.get(errno)?.text ?? `errno ${errno}`;
}

/** The number for a name we know (`errnoNumber("ENOENT") === 2`), else undefined. */
export function errnoNumber(name: string): number | undefined {
  return BY_NAME.get(name);
}

/** Hints for a failed call, most specific first. Empty when we know nothing useful. */
export function hintsFor(call: string, code: string): string[] {
  const hints: string[] = [];
  switch (code) {
    case "EPERM":
      if (call === "BPF_PROG_LOAD") {
        hints.push(
          "fentry/fexit/LSM programs (BPF trampolines) are refused with EPERM and an empty log on some kernels (e.g. lockdown); use a tracepoint or raw tracepoint instead",
        );
      }
      hints.push(
        call === "perf_event_open"
          ? "needs root or CAP_PERFMON (and kernel.perf_event_paranoid allowing it)"
          : "needs root, or CAP_BPF plus CAP_PERFMON for tracing programs (CAP_SYS_ADMIN on kernels before 5.8)",
      );
      break;
    case "EACCES":
      hints.push(
        call === "BPF_PROG_LOAD"
          ? "the verifier rejected the program, or lockdown forbids a helper it uses"
          : "permission denied: check capabilities and kernel lockdown",
      );
      break;
    case "E2BIG":
      hints.push(
        call === "BPF_PROG_LOAD"
          ? "the program is too large (over 1M instructions, or too complex for the verifier)"
          : "the kernel rejected a non-zero field it does not know: the attribute is newer than this kernel",
      );
      break;
    case "ENOSPC":
      if (call === "BPF_PROG_LOAD") hints.push("the verifier log did not fit its buffer");
      else if (call.startsWith("BPF_MAP")) hints.push("the map is full: raise max_entries or delete entries");
      else hints.push("no space left: a kernel limit was reached");
      break;
    case "ENOMEM":
      hints.push("BPF memory is charged to the memory cgroup (or RLIMIT_MEMLOCK before 5.11): the map may be too large");
      break;
    case "EINVAL":
      hints.push("the kernel refused an attribute: wrong size, unknown flag, or a type this kernel does not know");
      break;
    case "ENOENT":
      if (call === "BPF_RAW_TRACEPOINT_OPEN") hints.push("no raw tracepoint by that name (see /sys/kernel/tracing/events)");
      break;
    case "EBADF":
      hints.push("the file descriptor is closed or is not the kind of BPF object this call needs");
      break;
    case "EEXIST":
      if (call === "BPF_MAP_UPDATE_ELEM") hints.push("the key exists and BPF_NOEXIST was given");
      break;
    case "ENOTSUPP":
    case "EOPNOTSUPP":
      hints.push("this map or program type does not support the operation");
      break;
    case "ENOSYS":
      hints.push("the kernel was built without this syscall (CONFIG_BPF_SYSCALL / CONFIG_PERF_EVENTS)");
      break;
    case "ENODEV":
      if (call === "perf_event_open") hints.push("no such PMU or event on this machine");
      break;
  }
  return hints;
}

/** A syscall that failed: `BPF_MAP_CREATE: EPERM (operation not permitted)`. */
export class SyscallError extends Error {
  override name = "SyscallError";
  /** The command or call, e.g. "BPF_MAP_CREATE", "perf_event_open", "mmap". */
  readonly call: string;
  /** The errno name, e.g. "EPERM". */
  readonly code: string;
  readonly errno: number;
  readonly hints: string[];

  constructor(call: string, errno: number, opts: { context?: string; hints?: string[] } = {}) {
    const code = errnoName(errno);
    const prefix = opts.context ? `${opts.context}: ` : "";
    super(`${prefix}${call}: ${code} (${errnoText(errno)})`);
    this.call = call;
    this.code = code;
    this.errno = errno;
    this.hints = [...(opts.hints ?? []), ...hintsFor(call, code)];
  }
}

/** Lines of a verifier log that are statistics, not the reason for a rejection. */
const STATS_LINE =
  /^(processed \d+ insns|verification time|stack depth|max_states_per_insn|peak_states|mark_read|total_states|func#\d|-- END PROG LOAD LOG --)/;

/** Register-state dumps the kernel prints after some reasons ("infinite loop detected at insn 1"). */
const STATE_LINE = /^(cur|old) state: /;

/** An instruction line of the verifier's walk: "3: (85) call bpf_ringbuf_output#130". */
const INSN_LINE = /^(\d+): \([0-9a-f]{2}\)/;

/** The log's lines without statistics and trailing register states. */
function reasonLines(log: string): string[] {
  const lines = log
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "" && !STATS_LINE.test(l.trim()));
  while (lines.length > 1 && STATE_LINE.test(lines.at(-1)!.trim())) lines.pop();
  return lines;
}

/**
 * The short reason at the end of a verifier log: the lines after the last instruction the
 * verifier looked at (one or two: "invalid access to map value, ...; R0 min value is
 * outside of the allowed memory range"), followed by that instruction when there is one.
 */
export function summarizeVerifierLog(log: string): string {
  const lines = reasonLines(log);
  const last = lines.at(-1);
  if (last === undefined) return "rejected with an empty log";
  let i = lines.length - 1;
  while (i >= 0 && !INSN_LINE.test(lines[i]!)) i--;
  if (i < 0 || i === lines.length - 1) return last;
  const reason = lines.slice(i + 1).filter((l) => !STATE_LINE.test(l.trim()) && !INSN_LINE.test(l)).slice(-3);
  return `${reason.join("; ")} (at ${lines[i]})`;
}

/**
 * The index (in 8-byte slots) of the instruction a rejection is about: the one the reason
 * names ("infinite loop detected at insn 1", "unreachable insn 2"), else the last one the
 * verifier looked at.
 */
export function failingInsn(log: string): number | undefined {
  const lines = reasonLines(log);
  const named = /(?:infinite loop detected at insn|unreachable insn|jump out of range from insn|back-edge from insn) (\d+)/.exec(lines.slice(-3).join("\n"));
  if (named) return Number(named[1]);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = INSN_LINE.exec(lines[i]!);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** The verifier refused a program. `summary` is the short reason; `log` is all of it. */
export class VerifierError extends Error {
  override name = "VerifierError";
  readonly log: string;
  readonly summary: string;
  readonly code: string;
  readonly errno: number;
  /** True when the log filled its buffer; the reason may then be missing. */
  readonly truncated: boolean;
  /** The instruction the rejection is about, in 8-byte slots (failingInsn). */
  readonly insn: number | undefined;
  /**
   * Where that instruction came from, set by whoever loaded the program from a source
   * (bpf/runtime: the DSL line's comment, "cell[3]:2: @x = *$p").
   */
  source: string | undefined;
  /** The program's name in bpftrace's words ("begin_1"), set by whoever loaded it. */
  program: string | undefined;
  /** Bytes of the log buffer the kernel had (the most a log could be). */
  readonly logSize: number | undefined;

  constructor(log: string, errno: number, opts: { context?: string; truncated?: boolean; logSize?: number } = {}) {
    const summary = summarizeVerifierLog(log);
    const prefix = opts.context ? `${opts.context}: ` : "";
    super(`${prefix}verifier rejected the program: ${summary}`);
    this.log = log;
    this.summary = summary;
    this.errno = errno;
    this.code = errnoName(errno);
    this.truncated = opts.truncated ?? false;
    this.insn = failingInsn(log);
    this.source = undefined;
    this.program = undefined;
    this.logSize = opts.logSize;
  }
}
