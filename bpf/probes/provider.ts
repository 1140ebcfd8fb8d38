// A probe provider: one probe kind (STYLE.md §5; ply's struct provider), one file each in
// bpf/probes/ and one line in the registry (index.ts). A kind owns its names, how an
// attach point of it expands into concrete probes on this machine (program type, context,
// attach spec: the runtime attaches from that data, bpf/probes/attach.ts), how `-l`/`-lv`
// list it, what arg0.., args and retval are in its programs (args.ts), and whether it
// runs on user-space code. Nothing outside its file asks for a kind by name: the
// checker, codegen, listing and the lexer read these fields through the registry.
import type { Type } from "../types/types.ts";
import type { ArgAccess } from "./args.ts";
import type { CompileEnv } from "./env.ts";
import type { ProbeEnv } from "./probe-env.ts";

/**
 * An attach point as the kinds read it (bpf/lang's AttachPoint has these fields):
 * `provider` canonical, `parts` the colon-separated fields after it, `raw` as written.
 */
export interface ProbeAddress {
  readonly provider: string;
  readonly parts: readonly string[];
  readonly raw: string;
}

/** What the program's context pointer (r1 at entry) points to. */
export type ContextKind =
  | "none" // BEGIN/END: run by BPF_PROG_TEST_RUN, no useful context
  | "pt_regs" // kprobe, uprobe, usdt, and perf events (bpf_perf_event_data starts with regs)
  | "tracepoint" // the trace record: fields at their format-file offsets
  | "raw_args" // u64 args[] of a raw tracepoint, tp_btf, fentry/fexit
  | "iter" // struct bpf_iter__<name> *: meta, then the object (NULL on the last call)
  ;

export type AttachSpec =
  | { readonly kind: "run"; readonly when: "begin" | "end" }
  /** self:signal:SIG: run by BPF_PROG_TEST_RUN when this process receives the signal (bpf/runtime/self-signal.ts). */
  | { readonly kind: "signal"; readonly signal: "SIGUSR1" }
  /** iter:NAME: BPF_LINK_CREATE (BPF_TRACE_ITER), then read through BPF_ITER_CREATE (bpf/runtime/iterate.ts). */
  | { readonly kind: "iter"; readonly name: string }
  | {
      readonly kind: "perf";
      readonly type: number;
      readonly config: number;
      readonly period?: number;
      readonly freq?: number;
      readonly cpus: "one" | "all";
      readonly pid?: number;
      /** PERF_TYPE_BREAKPOINT (watchpoint:): bp_addr, bp_len, bp_type. */
      readonly breakpoint?: { readonly addr: bigint; readonly len: number; readonly type: number };
    }
  | { readonly kind: "tracepoint"; readonly category: string; readonly event: string; readonly id: number }
  | { readonly kind: "raw_tracepoint"; readonly name: string }
  | { readonly kind: "tp_btf"; readonly name: string; readonly btfId: number }
  | { readonly kind: "kprobe"; readonly func: string; readonly offset: number; readonly ret: boolean }
  | { readonly kind: "fentry"; readonly func: string; readonly btfId: number; readonly ret: boolean }
  | { readonly kind: "uprobe"; readonly path: string; readonly offset: number; readonly ret: boolean; readonly refCtrOffset?: number; readonly pid?: number };

export interface ConcreteProbe {
  readonly provider: string;
  /** The full name as `probe` shows it: "tracepoint:syscalls:sys_enter_openat". */
  readonly name: string;
  readonly progType: number;
  readonly expectedAttachType?: number;
  readonly attachBtfId?: number;
  readonly context: ContextKind;
  /** The `args` record (named fields): tracepoints, raw tracepoints and fentry/fexit (typed through BTF). */
  readonly args?: Type;
  /** `ctx`: the context pointer, typed (iter: struct bpf_iter__<name> *). */
  readonly ctx?: Type;
  /** USDT argument specs, one per argN. */
  readonly usdtArgs?: readonly UsdtArgSpec[];
  /** The function for `func`: kprobe/uprobe/fentry. */
  readonly func?: string;
  /** retval's type where known (fexit through BTF). */
  readonly retvalType?: Type;
  /** fexit: where retval sits in the raw u64 context (after the arguments). */
  readonly retvalOffset?: number;
  /**
   * USDT: which of the probe's locations this is (a probe the compiler inlined in several
   * places has a note for each); bpftrace's "Attached N probes" counts the probe once.
   */
  readonly location?: number;
  /**
   * Why attaching this probe must fail, found while expanding it (an address that is in
   * no function, an offset past the function's end): the run reports it when it attaches,
   * where bpftrace does, and missing_probes decides whether the run goes on without it.
   */
  readonly attachError?: string;
  readonly attach: AttachSpec;
}

export interface UsdtArgSpec {
  readonly size: number; // bytes
  readonly signed: boolean;
  readonly loc:
    | { readonly kind: "reg"; readonly reg: string }
    | { readonly kind: "mem"; readonly reg: string; readonly offset: number }
    | { readonly kind: "const"; readonly value: bigint };
}

export type Expansion =
  | { readonly ok: true; readonly probes: readonly ConcreteProbe[] }
  | { readonly ok: false; readonly message: string; readonly hints?: readonly string[] };

/** What the run asks of an expansion beyond the attach point: bpftrace's -p and --unsafe. */
export interface ExpandScope {
  /** -p PID: `uprobe:*` and `usdt:*` (or usdt without a file) mean the files this process maps. */
  readonly pid?: number;
  /** --unsafe: a uprobe may go where its bounds cannot be checked (a symbol of size 0, an address in no symbol). */
  readonly unsafe?: boolean;
}

export interface Provider {
  /** The canonical name: `tracepoint`, `BEGIN`. */
  readonly name: string;
  /** Short and legacy names (`t`; `kfunc` for fentry); the lexer expands them. */
  readonly aliases: readonly string[];
  /**
   * "user": the probe runs on a process's user-space code (uprobe, usdt): integers cast to
   * pointers point into that process, and str()/strlen() of an integer read user memory.
   */
  readonly space: "user" | "kernel";
  /** Written as the bare name, without fields (BEGIN, END). */
  readonly bare?: boolean;
  /**
   * Run by the run itself, in order with user space (BPF_PROG_TEST_RUN at the start or the
   * end: BEGIN, END), so map actions in its body take effect where written (codegen/split.ts).
   */
  readonly synchronous?: boolean;
  /** Its fields may hold a file path: a '/' after the first ':' does not end the attach point (lexer). */
  readonly paths?: boolean;
  /**
   * The kernel runs the programs of this kind on one hook newest first (kprobes, uprobes:
   * each new consumer goes to the head of the list): the run attaches them last to first,
   * so that they fire in the order they are written, as bpftrace does.
   */
  readonly firesNewestFirst?: boolean;
  /** What the `func` builtin is: the function's name, or its address named by ksym when printed (kprobe). */
  readonly func?: "name" | "address";
  /** arg0.., args.FIELD and retval in this kind's programs. */
  readonly args: ArgAccess;
  /** How `-l`/`-lv` list this kind; absent: nothing to list (BEGIN, END, watchpoint). */
  readonly listing?: ProbeListing;
  /** Expand one attach point (wildcards included) into concrete probes on this machine. */
  expand(ap: ProbeAddress, env: ProbeEnv, scope: ExpandScope): Expansion;
}

/** How `bpftrace -l PATTERN` lists a kind (after bpftrace's src/probe_matcher.cpp). */
export interface ProbeListing {
  /**
   * Searched when the pattern's type is a wildcard (bpftrace's PROBE_LIST): "kernel" kinds
   * always, "user" kinds only when the pattern names a file; absent: only when named.
   */
  readonly walk?: "kernel" | "user";
  /**
   * How the pattern after the type reads: "target" TARGET:NAME (a pattern without the
   * target searches every target), "module" [MODULE:]NAME (kprobe), "name" the rest whole.
   */
  readonly pattern: "target" | "module" | "name";
  /**
   * Every probe of this kind here, spelled as the pattern after the type matches it
   * (`syscalls:sys_enter_read`); `scope.pid` (-p) narrows user-space kinds to that process.
   */
  candidates(env: CompileEnv, target: string, scope: ExpandScope): readonly string[];
  /**
   * The search after a target named without its directory (`python3.11`): the candidates
   * carry the resolved path. `parts` are the pattern's fields, the type first.
   */
  resolve?(env: CompileEnv, target: string, search: string, parts: readonly string[]): string;
  /** `-lv`: the arguments of one probe (a matched candidate), one line each. */
  params?(env: CompileEnv, match: string): readonly string[];
}

export function fail(message: string, hints: readonly string[] = []): Expansion {
  return { ok: false, message, hints };
}

/**
 * An attach point that names nothing on this machine, in bpftrace's words: "No matches for
 * tracepoint syscalls:nonsense." (`what` is the attach point after its kind, as written).
 * Under missing_probes = warn it is skipped with "... Skipping." (bpf/check/settings-rules.ts).
 */
export function noMatches(kind: string, what: string, hints: readonly string[] = []): Expansion {
  return fail(`No matches for ${kind} ${what}.`, hints);
}

/** Glob matching with `*` (any run) and `?` (one character), anchored, as bpftrace's wildcards do. */
export function globToRegExp(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "s");
}

export function hasWildcard(s: string): boolean {
  return s.includes("*") || s.includes("?");
}
