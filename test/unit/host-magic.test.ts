// %host (magics/host-magic.ts): the machine as data (application/json) and text, whether it
// can trace from the capability bits, and reading the data back (what %hosts does with each
// remote kernel's answer).
import { hostname, release } from "node:os";
import { describe, expect, it } from "vitest";
import { cannotTraceReason, hostBundle, hostFacts, readHostFacts } from "../../magics/host-magic.ts";
import { VERSION } from "../../kernel/version.ts";

const bit = (n: bigint) => 1n << n;
const CAP_SYS_ADMIN = 21n, CAP_PERFMON = 38n, CAP_BPF = 39n;

describe("%host", () => {
  it("can trace with CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN; says which are missing", () => {
    const both = hostFacts(undefined, bit(CAP_BPF) | bit(CAP_PERFMON));
    expect(both).toEqual({ hostname: hostname(), kernel: release(), tracebook: VERSION, canTrace: true, capabilities: { bpf: true, perfmon: true, sysAdmin: false }, cgroup: null });
    expect(cannotTraceReason(both)).toBeUndefined();
    expect(hostFacts(undefined, bit(CAP_SYS_ADMIN)).canTrace).toBe(true);
    expect(cannotTraceReason(hostFacts(undefined, bit(CAP_BPF)))).toBe("cannot trace: no CAP_PERFMON (run the kernel as root or with cap_bpf,cap_perfmon)");
    expect(cannotTraceReason(hostFacts(undefined, 0n))).toBe("cannot trace: no CAP_BPF and CAP_PERFMON (run the kernel as root or with cap_bpf,cap_perfmon)");
  });

  it("names its cgroup scope, or that it is broken", () => {
    expect(hostFacts({ path: "/sys/fs/cgroup/pod1", id: 5n }, 0n).cgroup).toBe("/sys/fs/cgroup/pod1");
    expect(hostFacts({ error: "TRACEBOOK_CGROUP=/x: no cgroup at /sys/fs/cgroup/x" }, 0n).cgroup).toBe("broken: TRACEBOOK_CGROUP=/x: no cgroup at /sys/fs/cgroup/x");
  });

  it("shows JSON and text; the JSON reads back, anything else does not", () => {
    const f = hostFacts(undefined, bit(CAP_SYS_ADMIN));
    const b = hostBundle(f);
    expect(b["application/json"]).toEqual(f);
    expect(b["text/plain"]).toBe(`host       ${hostname()}\nkernel     Linux ${release()}\ntracebook  ${VERSION}\ncan trace  yes (CAP_BPF no, CAP_PERFMON no, CAP_SYS_ADMIN yes)\ncgroup     none (every task)\n`);
    expect(readHostFacts(JSON.parse(JSON.stringify(b)) as Record<string, unknown>)).toEqual(f);
    expect(readHostFacts({ "application/json": { hostname: "x" } })).toBeUndefined();
    expect(readHostFacts({ "text/plain": "host x" })).toBeUndefined();
  });
});
