// %doctor: what this machine can trace, one row per facility, with what to do for each
// "no". Facts come from the engine's feature probes (bpf/runtime/features.ts) and from
// /proc and /sys; rendering is pure (renderDoctor) so it is unit-tested on fixed facts.
import { existsSync, readFileSync } from "node:fs";
import type { MimeBundle } from "../kernel/interpreter.ts";
import type { CompileEnv } from "../bpf/probes/env.ts";
import { iteratorsAllowed } from "../bpf/runtime/features.ts";

export interface DoctorRow {
  readonly facility: string;
  readonly ok: boolean;
  /** What was found ("6.18.0", "mounted at /sys/kernel/tracing"). */
  readonly detail: string;
  /** What to do when !ok. */
  readonly hint?: string;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Capability bits (linux/capability.h). */
export const CAP_SYS_ADMIN = 21n, CAP_PERFMON = 38n, CAP_BPF = 39n;

export function capEff(): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)/m.exec(read("/proc/self/status") ?? "");
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

/** The facts of this machine. */
export function doctorFacts(env: CompileEnv): DoctorRow[] {
  const f = env.features();
  const btf = existsSync("/sys/kernel/btf/vmlinux");
  const tracefs = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"].find((d) => existsSync(`${d}/events`));
  const tps = env.listTracepoints().length;
  const jit = read("/proc/sys/net/core/bpf_jit_enable");
  const caps = capEff();
  const has = (c: bigint) => (caps >> c) & 1n ? true : false;
  const lockdown = read("/sys/kernel/security/lockdown");
  const lockdownMode = /\[(\w+)\]/.exec(lockdown ?? "")?.[1];
  const unpriv = read("/proc/sys/kernel/unprivileged_bpf_disabled");
  const [maj = 0, min = 0] = env.kernelRelease.split(".").map(Number);
  const initPidNs = read("/proc/self/status")?.match(/^NSpid:\s*(.*)$/m)?.[1]?.trim().split(/\s+/).length === 1;
  const iter = iteratorsAllowed(env);
  const rows: DoctorRow[] = [
    { facility: "kernel", ok: true, detail: env.kernelRelease },
    { facility: "BTF", ok: btf, detail: btf ? "/sys/kernel/btf/vmlinux" : "no /sys/kernel/btf/vmlinux", hint: "a kernel built with CONFIG_DEBUG_INFO_BTF=y (struct fields, fentry, tp_btf need it)" },
    { facility: "kprobes", ok: f.kprobes, detail: f.kprobes ? "kprobe PMU" : "no kprobe PMU", hint: "a kernel with CONFIG_KPROBES=y; meanwhile use tracepoint: or rawtracepoint: probes (%probes tracepoint:*NAME*)" },
    { facility: "fentry/fexit", ok: f.trampolines, detail: f.trampolines ? "trampolines load" : "BPF trampolines refused", hint: "a kernel that allows BPF trampolines (CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, no lockdown policy refusing them); use tracepoints or kprobes" },
    { facility: "uprobes", ok: existsSync("/sys/bus/event_source/devices/uprobe"), detail: "uprobe PMU", hint: "a kernel with CONFIG_UPROBE_EVENTS=y" },
    { facility: "USDT", ok: existsSync("/sys/bus/event_source/devices/uprobe"), detail: "through uprobes", hint: "uprobes (above)" },
    { facility: "tracepoints", ok: tps > 0, detail: tracefs ? `${tps} in ${tracefs}` : "tracefs not mounted", hint: "mount -t tracefs nodev /sys/kernel/tracing" },
    { facility: "hardware events", ok: f.hardwarePmu, detail: f.hardwarePmu ? "CPU PMU" : "no CPU PMU", hint: "bare metal or a VM with a virtual PMU; use profile: (software clock) instead" },
    { facility: "ring buffer", ok: maj > 5 || (maj === 5 && min >= 8), detail: "BPF_MAP_TYPE_RINGBUF (5.8)", hint: "Linux 5.8 or later" },
    { facility: "iterators", ok: iter.ok, detail: iter.ok ? "iter:task" : `iter:task refused (${iter.errno})`, hint: "Linux 5.8 with BTF, trampolines not refused" },
    { facility: "BPF JIT", ok: jit === "1" || jit === "2", detail: jit === undefined ? "unknown" : `bpf_jit_enable=${jit}`, hint: "echo 1 > /proc/sys/net/core/bpf_jit_enable" },
    { facility: "CAP_BPF", ok: has(CAP_BPF) || has(CAP_SYS_ADMIN), detail: has(CAP_BPF) ? "yes" : "no", hint: "run the kernel as root or with setcap cap_bpf,cap_perfmon+ep" },
    { facility: "CAP_PERFMON", ok: has(CAP_PERFMON) || has(CAP_SYS_ADMIN), detail: has(CAP_PERFMON) ? "yes" : "no", hint: "run the kernel as root or with cap_perfmon" },
    { facility: "CAP_SYS_ADMIN", ok: has(CAP_SYS_ADMIN), detail: has(CAP_SYS_ADMIN) ? "yes" : "no", hint: "needed for some helpers and older kernels (< 5.8): run as root" },
    { facility: "lockdown", ok: lockdownMode !== "confidentiality", detail: lockdownMode ?? "not present", hint: "confidentiality mode forbids reading kernel memory: boot with lockdown=integrity or none" },
    { facility: "unprivileged BPF", ok: true, detail: unpriv === undefined ? "unknown" : unpriv === "0" ? "allowed" : `disabled (${unpriv})`, hint: "" },
    { facility: "pid namespace", ok: initPidNs, detail: initPidNs ? "init pid namespace" : "inside a pid namespace", hint: "pids in output are the host's; run the kernel in the host pid namespace (docker --pid=host)" },
  ];
  return rows;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The rows as aligned text and an HTML table. */
export function renderDoctor(rows: readonly DoctorRow[]): MimeBundle {
  const cells = rows.map((r) => [r.facility, r.ok ? "yes" : "no", r.detail, r.ok ? "" : r.hint ?? ""]);
  const head = ["facility", "ok", "found", "what to do"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join("  ").trimEnd();
  const text = [line(head), ...cells.map(line)].join("\n") + "\n";
  const html = `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${cells
    .map((c) => `<tr>${c.map((x) => `<td>${esc(x)}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
  return { "text/plain": text, "text/html": html };
}
