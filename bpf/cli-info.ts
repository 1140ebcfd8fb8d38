// `tracebook --info`: what this machine and this build can trace, in the layout of
// bpftrace's --info (sections of "  name: value" lines), so that scripts that grep it for a
// feature (`iter: yes`) read ours too. Every answer is ours: a helper or probe type is "yes"
// only where Tracebook uses it and this kernel allows it.
import { readdirSync } from "node:fs";
import { machine, release } from "node:os";
import type { CompileEnv } from "./probes/env.ts";
import { breakpointsAllowed, iteratorsAllowed } from "./runtime/features.ts";

const yesNo = (b: boolean): string => (b ? "yes" : "no");

/** Whether kernel release `rel` is at least major.minor. */
function atLeast(rel: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = (rel.match(/^(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
  return a > major || (a === major && b >= minor);
}

function section(title: string, rows: readonly (readonly [string, string])[]): string {
  return `${title}\n${rows.map(([k, v]) => `  ${k}: ${v}\n`).join("")}\n`;
}

export function infoText(env: CompileEnv, version: string): string {
  const f = env.features();
  const rel = release();
  let moduleBtf = false;
  try {
    moduleBtf = readdirSync("/sys/kernel/btf").some((n) => n !== "vmlinux");
  } catch {
    // no /sys/kernel/btf: no BTF at all
  }
  const btf = env.btf?.() !== undefined;
  const tracepoints = env.listTracepoints().length > 0;
  return [
    section("System", [["OS", `Linux ${rel}`], ["Arch", machine()]]),
    section("Build", [["version", `tracebook v${version}`], ["LLVM", "none (Tracebook compiles to eBPF itself)"]]),
    section("Kernel helpers", [
      // d_path and get_func_ip are only allowed in kprobe/fentry programs
      ["dpath", yesNo(f.trampolines)],
      ["get_tai_ns", yesNo(atLeast(rel, 6, 1))],
      ["get_func_ip", yesNo(f.kprobes || f.trampolines)],
      ["lookup_percpu_elem", yesNo(atLeast(rel, 5, 19))],
      ["send_signal", yesNo(atLeast(rel, 5, 3))],
      ["probe_read_kernel", yesNo(atLeast(rel, 5, 5))],
      ["loop", yesNo(atLeast(rel, 5, 3))],
    ]),
    section("Kernel features", [
      ["Instruction limit", atLeast(rel, 5, 2) ? "1000000" : "4096"],
      ["btf", yesNo(btf)],
      ["module btf", yesNo(btf && moduleBtf)],
      ["ring buffer", yesNo(atLeast(rel, 5, 8))],
    ]),
    section("Probe types", [
      ["kprobe", yesNo(f.kprobes)],
      ["fentry/fexit", yesNo(f.trampolines)],
      ["tracepoint", yesNo(tracepoints)],
      ["raw tracepoint", "yes"],
      ["uprobe", "yes"],
      ["usdt", "yes"],
      ["hardware", yesNo(f.hardwarePmu)],
      ["watchpoint", yesNo(breakpointsAllowed().ok)],
      ["kprobe_multi", "no"],
      ["uprobe_multi", "no"],
      ["kprobe_session", "no"],
      ["iter", yesNo(iteratorsAllowed(env).ok)],
    ]),
  ].join("");
}
