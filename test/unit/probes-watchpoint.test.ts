// watchpoint:ADDR:LEN:MODE (bpf/probes/watchpoint.ts) at compile time: the perf breakpoint
// it attaches (bp_type, bp_addr, bp_len in perf_event_attr), -p PID scoping at attach
// time, its errors, and what it has of the other parts of a kind: the alias w, nothing to
// list, arg0.. from the registers of the access, kernel space.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../../bpf/codegen/compile.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { breakpointType } from "../../bpf/probes/watchpoint.ts";
import { encodePerfEventAttr } from "../../native/perf.ts";
import { listProbes } from "../../bpf/probes/listing.ts";
import { inUserSpace } from "../../bpf/probes/index.ts";
import { disasm, messages, probe } from "../helpers/probe-kinds.ts";

const env = recordedEnv(join(dirname(fileURLToPath(import.meta.url)), "../fixtures/tracefs"));

function compiled(source: string, pid?: number) {
  const r = compile(source, { env, origin: "cell[1]", ...(pid !== undefined && { pid }) });
  expect(renderDiagnostics(r.diagnostics, source, "cell[1]")).toBe("");
  return r.spec!;
}

const errors = (source: string) => renderDiagnostics(compile(source, { env, origin: "cell[1]" }).diagnostics, source, "cell[1]");

describe("watchpoint probes", () => {
  it("attach a PERF_TYPE_BREAKPOINT event on every CPU running a perf-event program", () => {
    const p = compiled("watchpoint:0x404060:8:rw { @n = count(); }").programs[0]!.probe;
    expect([p.name, p.progType, p.attach]).toEqual([
      "watchpoint:0x404060:8:rw",
      7,
      { kind: "perf", type: 5, config: 0, period: 1, cpus: "all", breakpoint: { addr: 0x404060n, len: 8, type: 3 } },
    ]);
    expect(compiled("w:4210784:4:w { }").programs[0]!.probe.name).toBe("watchpoint:0x404060:4:w");
  });

  it("are scoped to -p PID when attached", () => {
    const a = compiled("watchpoint:0x404060:8:w { @n = count(); }", 4321).programs[0]!.probe.attach;
    expect(a.kind === "perf" && a.pid).toBe(4321);
  });

  it("modes as bpftrace spells them: HW_BREAKPOINT_R 1, W 2, X 4", () => {
    expect(["r", "w", "rw", "wr", "x"].map(breakpointType)).toEqual([1, 2, 3, 3, 4]);
    expect(breakpointType("rx")).toBe("watchpoint mode 'rx': x cannot be combined with r or w");
    expect(breakpointType("ww")).toBe("invalid watchpoint mode 'ww' (r, w, rw or x)");
  });

  it("write bp_type at 52, bp_addr (config1) at 56 and bp_len (config2) at 64 of perf_event_attr", () => {
    const dv = new DataView(encodePerfEventAttr({ type: 5, config: 0, samplePeriod: 1, bpType: 3, config1: 0x404060n, config2: 8 }).buffer);
    expect([dv.getUint32(0, true), dv.getUint32(52, true), dv.getBigUint64(56, true), dv.getBigUint64(64, true)]).toEqual([5, 3, 0x404060n, 8n]);
  });

  it("say what is wrong with an attach point", () => {
    expect(errors("watchpoint:0x1000:3:w { }")).toContain("error: watchpoint: invalid length '3' (1, 2, 4 or 8 bytes)");
    expect(errors("watchpoint:0x1000:8:q { }")).toContain("error: invalid watchpoint mode 'q' (r, w, rw or x)");
    expect(errors("watchpoint:0x1000:4:x { }")).toContain("must have length 8");
    expect(errors("watchpoint:zz:8:w { }")).toContain("error: watchpoint: invalid address 'zz'");
    expect(errors("watchpoint:0x1000:8 { }")).toContain("watchpoint probes look like watchpoint:ADDRESS:LENGTH:MODE");
    if (process.arch === "x64") expect(errors("watchpoint:0x1000:8:r { }")).toContain("x86-64 cannot watch reads alone");
  });

  it("list nothing, read arg0.. from the registers of the access, and are kernel space", () => {
    expect(listProbes(env, "w:*", true)).toEqual([]);
    expect(disasm(env, "watchpoint:0x404060:8:w { @[arg0] = count(); }")).toMatch(/r0 = \*\(u64 \*\)\(r6 \+ 112\)\n/);
    expect(messages(env, "watchpoint:0x404060:8:w { @a = args; @b = retval; @c = func; }")).toEqual([
      "error: args is not available in watchpoint probes (use arg0, arg1, ...)",
      "error: retval is only available in return probes (kretprobe, uretprobe, fexit), not watchpoint",
      "error: func is not available in watchpoint probes",
    ]);
    expect(inUserSpace(probe(env, "w:0x404060:8:w"))).toBe(false);
  });
});
