// The Emitter's zero(): a range zeroed again right after it was zeroed, with nothing run
// and no label in between, emits nothing (a str() map key zeroed its 1 KiB twice per
// event); anything between the two, or a jump target, keeps both.
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { asm, disassemble, Emitter, R0 } from "../../bpf/asm/index.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";

const here = dirname(fileURLToPath(import.meta.url));
const env = recordedEnv(join(here, "../fixtures/tracefs"));
/** Zeroing helper calls: bpf_probe_read_kernel(dst, size, NULL). */
const bigZeros = (text: string) => text.match(/r3 = 0\n\s*\d+: call 113/g)?.length ?? 0;

describe("Emitter.zero", () => {
  it("zeroes a range once when the same or a contained range follows at once", () => {
    const e = new Emitter("t");
    e.zero(-1024, 1024);
    e.zero(-1024, 1024);
    e.zero(-1000, 8);
    e.emit(asm.exit());
    expect(bigZeros(disassemble(e.finish()))).toBe(1);

    const small = new Emitter("s");
    small.zero(-16, 16);
    small.zero(-16, 16);
    small.zero(-8, 8);
    expect(small.insns.length).toBe(2); // two 8-byte stores
  });

  it("zeroes again after an instruction, past a jump target, or for a range that reaches further", () => {
    const between = new Emitter("b");
    between.zero(-1024, 1024);
    between.emit(asm.movImm(R0, 0));
    between.zero(-1024, 1024);
    between.emit(asm.exit());
    expect(bigZeros(disassemble(between.finish()))).toBe(2);

    const labelled = new Emitter("l");
    labelled.zero(-1024, 1024);
    labelled.place(labelled.label("join"));
    labelled.zero(-1024, 1024);
    labelled.emit(asm.exit());
    expect(bigZeros(disassemble(labelled.finish()))).toBe(2);

    const wider = new Emitter("w");
    wider.zero(-16, 8);
    wider.zero(-16, 16);
    expect(wider.insns.length).toBe(3);
  });

  it("a str() map key is zeroed once per event", () => {
    const r = compile("tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); }", { env, origin: "cell[1]" });
    expect(bigZeros(disassemble(r.spec!.programs[0]!.insns))).toBe(1);
  });
});
