// A probe provider: one probe type (STYLE.md §5). The compile side expands an attach point
// written in a program into concrete probes, each knowing its program type, what its
// context holds (for args, arg0.., retval) and how to attach. Attaching itself is done by
// the runtime (bpf/probes/attach.ts), from the AttachSpec data.
import type { AttachPoint } from "../lang/ast.ts";
import type { Type } from "../types/types.ts";
import type { ProbeEnv } from "./probe-env.ts";

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
  /** `args` record for tracepoints, tp_btf, fentry/fexit, usdt (named fields). */
  readonly args?: Type;
  /** `ctx`: the context pointer, typed (iter: struct bpf_iter__<name> *). */
  readonly ctx?: Type;
  /** Where arg0..argN come from: registers (kprobe/uprobe) or the raw u64 array. */
  readonly positional?: "regs" | "raw" | "usdt";
  /** USDT argument specs, one per argN. */
  readonly usdtArgs?: readonly UsdtArgSpec[];
  /** The function for `func`: kprobe/uprobe/fentry. */
  readonly func?: string;
  /** retval is available (kretprobe, uretprobe, fexit). */
  readonly hasRetval?: boolean;
  /** retval's type where known (fexit through BTF). */
  readonly retvalType?: Type;
  /** fexit: where retval sits in the raw u64 context (after the arguments). */
  readonly retvalOffset?: number;
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

export interface Provider {
  readonly name: string;
  readonly aliases: readonly string[];
  /** Expand one attach point (wildcards included) into concrete probes on this machine. */
  expand(ap: AttachPoint, env: ProbeEnv): Expansion;
}

export function fail(message: string, hints: readonly string[] = []): Expansion {
  return { ok: false, message, hints };
}

/** Glob matching with `*` (any run) and `?` (one character), anchored, as bpftrace's wildcards do. */
export function globToRegExp(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "s");
}

export function hasWildcard(s: string): boolean {
  return s.includes("*") || s.includes("?");
}
