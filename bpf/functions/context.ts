// The context family: where and as what the probe ran — the probe's name and type
// (probe, probetype), user or kernel mode (usermode), the CPU (cpu, numaid, ncpus), the
// saved registers (reg), a random number (rand) — and unwatch() for watchpoints.
import { asm, H, R0, R6 } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import type { ConcreteProbe } from "../probes/index.ts";
import { PtRegs } from "../types/abi.ts";
import { CodegenError } from "../types/errors.ts";
import { none, sizeOf, str, u32, u64, u8 } from "../types/types.ts";
import { type FunctionRow, argsOf, arity, builtin, fn } from "./row.ts";
import type { EmitContext } from "./emit-context.ts";

/** `probetype`: the provider's canonical name; BEGIN and END are "special". */
export function probeTypeName(p: ConcreteProbe): string {
  if (p.attach.kind === "run") return "special";
  return p.provider;
}

/**
 * `usermode` where it is a constant: 1 in BEGIN/END, 0 where the context has no user
 * registers (tracepoints, raw tracepoints, fentry); undefined where the pt_regs tell
 * (kprobe, uprobe, usdt, profile, interval, software, hardware), as in bpftrace.
 */
export function constantUsermode(p: ConcreteProbe): 0n | 1n | undefined {
  if (p.attach.kind === "run") return 1n;
  return p.context === "pt_regs" ? undefined : 0n;
}

/** r0 = 1 when the probe fired in user mode. */
function usermode(g: EmitContext): void {
  const { e } = g;
  const known = constantUsermode(g.probe);
  if (known !== undefined) return g.loadConst(known);
  // x86-64: the privilege level is the low two bits of the saved cs (3 = user)
  e.emit(asm.ldx(8, R0, R6, PtRegs.cs), asm.andImm(R0, 3));
  const no = e.label("umno");
  const end = e.label("umend");
  e.emit(asm.jneImm(R0, 3, no), asm.movImm(R0, 1), asm.ja(end));
  e.place(no);
  e.emit(asm.movImm(R0, 0));
  e.place(end);
  g.placeNop();
}

/** A builtin that is one helper call, its result in r0. */
const helperCall = (helper: number) => ({ scalar: (g: EmitContext) => g.e.emit(asm.call(helper)) });

export const CONTEXT_FUNCTIONS: readonly FunctionRow[] = [
  builtin("probe", "Full name of the probe that fired, e.g. tracepoint:syscalls:sys_enter_openat.", (c) => str(c.maxStrlen), {
    emit: { value: (g, _x, off, t) => g.e.storeBytes(off, Buffer.from(g.probe.name), sizeOf(t)) },
  }),
  fn("probetype", "string probetype()", "Name of the probe type: tracepoint, uprobe, special (BEGIN/END), ...", (c) => arity(c, 0) ?? str(16), {
    builtin: { doc: "Name of the probe type: tracepoint, uprobe, profile, special (BEGIN/END), ...", type: (c) => str(probeTypeName(c.probe).length + 1) },
    emit: { value: (g, _x, off, t) => g.e.storeBytes(off, Buffer.from(probeTypeName(g.probe)), sizeOf(t)) },
  }),
  fn("usermode", "uint8 usermode()", "1 when the probe fired in user mode, else 0.", (c) => arity(c, 0) ?? u8, {
    builtin: { doc: "1 when the probe fired in user mode (the pt_regs' cs), else 0; 1 in BEGIN/END.", type: () => u8 },
    emit: { scalar: usermode },
  }),
  fn("ncpus", "uint64 ncpus()", "Number of possible CPUs.", (c) => arity(c, 0) ?? u64, {
    builtin: { doc: "Number of possible CPUs (as bpftrace counts them: /sys/devices/system/cpu/possible).", type: () => u64 },
    emit: { scalar: (g) => g.loadConst(BigInt(g.shared.cpus)) },
  }),
  builtin("cpu", "The CPU the probe fired on.", () => u32, { emit: helperCall(H.get_smp_processor_id) }),
  builtin("numaid", "The NUMA node the probe fired on.", () => u32, { emit: helperCall(H.get_numa_node_id) }),
  builtin("rand", "A pseudo-random 32-bit number.", () => u32, { emit: helperCall(H.get_prandom_u32) }),
  fn("reg", "reg(\"name\")", "A register of the probed context (pt_regs).", (c) => arity(c, 1) ?? (c.constStr(0) === undefined ? "reg() needs a register name" : u64), {
    emit: {
      scalar(g, x) {
        const name = (argsOf(x)[0] as A.StrLit).value;
        const off = (PtRegs as Record<string, number>)[name.replace(/^r?/, "r")] ?? (PtRegs as Record<string, number>)[name];
        if (off === undefined) throw new CodegenError(`unknown register '${name}'`, x.span);
        g.e.emit(asm.ldx(8, R0, R6, off));
      },
    },
  }),
  fn("unwatch", "unwatch(addr)", "Remove a watchpoint.", () => none),
];
