// self:signal:SIGUSR1 (bpf/probes/self.ts) at compile time: what it expands to (a program
// the run starts when this process receives the signal), its scoping, that it has no
// arguments and nothing to list, and the errors bpftrace gives for what it does not support.
import { describe, expect, it } from "vitest";
import { disassemble } from "../../bpf/asm/index.ts";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { compiled as compile, errors as errorsOf, kindEnv, messages, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();
const compiled = (source: string, pid?: number) => compile(env, source, pid !== undefined ? { pid } : {});
const errors = (source: string) => errorsOf(env, source);

describe("self:signal probes", () => {
  it("expand to a program the run starts on SIGUSR1, not attached anywhere", () => {
    const spec = compiled('self:signal:SIGUSR1 { @n = count(); printf("got it\\n"); }');
    expect(spec.programs.map((p) => [p.probe.name, p.probe.progType, p.probe.attach])).toEqual([["self:signal:SIGUSR1", 17, { kind: "signal", signal: "SIGUSR1" }]]);
  });

  it("are not scoped to -p PID: they run in this process", () => {
    expect(disassemble(compiled("self:signal:SIGUSR1 { @n = count(); }", 1234).programs[0]!.insns)).not.toContain("get_current_pid_tgid");
  });

  it("name what they do not support, as bpftrace does", () => {
    expect(errors("self:signal:SIGUSR2 { }")).toContain("error: SIGUSR2 is not a supported signal");
    expect(errors("self:timer:SIGUSR1 { }")).toContain("error: timer is not a supported trigger");
  });

  it("have no arguments, list nothing, and are kernel space", () => {
    expect(messages(env, "self:signal:SIGUSR1 { @a = arg0; @b = args; @c = retval; }")).toEqual([
      "error: arg0 is not available in self probes",
      "error: args is not available in self probes",
      "error: retval is only available in return probes (kretprobe, uretprobe, fexit), not self",
    ]);
    expect(listProbes(env, "self:*", true)).toEqual([]);
    expect(inUserSpace(probe(env, "self:signal:SIGUSR1"))).toBe(false);
  });
});
