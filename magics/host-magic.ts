// %host: what this kernel's machine is, as data: host name, kernel release, Tracebook
// version, whether it can trace (the capabilities that decide it) and its cgroup scope.
// Shown as application/json (what %hosts reads from each remote kernel it starts) and as
// text. Useful locally too: which machine is this notebook attached to?
import { hostname, release } from "node:os";
import type { MimeBundle } from "../kernel/interpreter.ts";
import { VERSION } from "../kernel/version.ts";
import { CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, capEff } from "./doctor.ts";
import { canTrace } from "./replay.ts";
import type { CgroupSetting } from "./cgroup-magic.ts";

export interface HostFacts {
  readonly hostname: string;
  /** os.release(): "6.18.0-…". */
  readonly kernel: string;
  readonly tracebook: string;
  /** CAP_BPF with CAP_PERFMON, or CAP_SYS_ADMIN. */
  readonly canTrace: boolean;
  readonly capabilities: { readonly bpf: boolean; readonly perfmon: boolean; readonly sysAdmin: boolean };
  /** The cgroup its probes are scoped to (%cgroup, TRACEBOOK_CGROUP), if any. */
  readonly cgroup: string | null;
}

export function hostFacts(cgroup: CgroupSetting | undefined, caps = capEff()): HostFacts {
  const has = (c: bigint) => ((caps >> c) & 1n) === 1n;
  return {
    hostname: hostname(),
    kernel: release(),
    tracebook: VERSION,
    canTrace: canTrace(caps),
    capabilities: { bpf: has(CAP_BPF), perfmon: has(CAP_PERFMON), sysAdmin: has(CAP_SYS_ADMIN) },
    cgroup: cgroup === undefined ? null : "error" in cgroup ? `broken: ${cgroup.error}` : cgroup.path,
  };
}

/** Why a host cannot trace, in words, or undefined when it can. */
export function cannotTraceReason(f: HostFacts): string | undefined {
  if (f.canTrace) return undefined;
  const missing = [!f.capabilities.bpf && "CAP_BPF", !f.capabilities.perfmon && "CAP_PERFMON"].filter(Boolean).join(" and ");
  return `cannot trace: no ${missing || "CAP_SYS_ADMIN"} (run the kernel as root or with cap_bpf,cap_perfmon)`;
}

export function hostBundle(f: HostFacts): MimeBundle {
  const caps = Object.entries({ CAP_BPF: f.capabilities.bpf, CAP_PERFMON: f.capabilities.perfmon, CAP_SYS_ADMIN: f.capabilities.sysAdmin })
    .map(([k, v]) => `${k} ${v ? "yes" : "no"}`).join(", ");
  const text = [
    `host       ${f.hostname}`,
    `kernel     Linux ${f.kernel}`,
    `tracebook  ${f.tracebook}`,
    `can trace  ${f.canTrace ? "yes" : "no"} (${caps})`,
    `cgroup     ${f.cgroup ?? "none (every task)"}`,
  ].join("\n");
  return { "application/json": f, "text/plain": `${text}\n` };
}

/** The facts back from a %host output's data; undefined when it is not one. */
export function readHostFacts(data: Record<string, unknown>): HostFacts | undefined {
  const f = data["application/json"] as Partial<HostFacts> | undefined;
  if (!f || typeof f !== "object" || typeof f.hostname !== "string" || typeof f.kernel !== "string" || typeof f.canTrace !== "boolean") return undefined;
  return f as HostFacts;
}
