// The time family: kernel clocks (nsecs, nsecs(mode), elapsed, jiffies) and wall-clock
// time (strftime() values, time()). Wall-clock text is made in user space: the kernel
// records nanoseconds since boot (CLOCK_BOOTTIME), user space adds the realtime clock at
// boot and formats with strftime(3) (bpf/output/strftime.ts).
import { asm, H, helpers, R0, R1, R10 } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import { formatBootTimestamp, strftime } from "../output/strftime.ts";
import { type Type, isScalar, none, typeName, u64 } from "../types/types.ts";
import { type CallCheck, type FunctionRow, type Use, argsOf, arity, builtin, fn } from "./row.ts";
import type { EmitContext } from "./emit-context.ts";
import { readInt } from "./decode.ts";
import { simpleAction } from "./records.ts";

/** nsecs(MODE): the clock of each mode (bpftrace's TimestampMode). */
export const CLOCK_MODES = ["monotonic", "boot", "tai", "sw_tai"] as const;

const CLOCK_HELPERS: Record<string, number> = {
  boot: helpers.ktime_get_boot_ns!,
  monotonic: helpers.ktime_get_ns!,
  tai: helpers.ktime_get_tai_ns!,
};

const clockWord = (a: A.Expr, i: number): boolean => i === 0 && a.kind === "IdentExpr" && (CLOCK_MODES as readonly string[]).includes(a.name);

function checkStrftime(c: CallCheck): Type | string {
  const a = arity(c, 2);
  if (a) return a;
  const fmt = c.constStr(0);
  if (fmt === undefined) return "strftime() needs a format string literal as its first argument";
  const t = c.argTypes[1]!;
  if (!isScalar(t)) return `strftime() needs a timestamp in nanoseconds, not ${typeName(t)}`;
  const v = c.constInt(1);
  if (v !== undefined && v < 0n) return "strftime() does not accept negative timestamps";
  return { k: "timestamp", format: fmt };
}

/** Without a clock source: realtime minus monotonic time (equal to boot time while never suspended). */
function approximateRealtimeAtBoot(): bigint {
  return BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
}

export const TIME_FUNCTIONS: readonly FunctionRow[] = [
  fn("nsecs", "uint64 nsecs([monotonic|boot|tai|sw_tai])", "Nanoseconds of a kernel clock: boot (default, CLOCK_BOOTTIME), monotonic, tai or sw_tai.", (c) => {
    const bad = arity(c, 0, 1);
    if (bad) return bad;
    const a = c.call.args[0];
    if (a && !clockWord(a, 0)) return `nsecs() takes a clock: ${CLOCK_MODES.join(", ")}`;
    return u64;
  }, {
    bareWord: clockWord,
    unit: "ns",
    builtin: { doc: "Nanoseconds since boot, suspend included (CLOCK_BOOTTIME, bpf_ktime_get_boot_ns), as nsecs(boot) in bpftrace.", type: () => u64 },
    emit: { scalar: nsecs },
  }),
  builtin("elapsed", "Nanoseconds since the program started.", () => u64, {
    unit: "ns",
    emit: { scalar: (g) => g.e.emit(asm.call(H.ktime_get_ns), asm.ldImm64(R1, g.shared.startNs), asm.sub(R0, R1)) },
  }),
  builtin("jiffies", "Jiffies of the kernel.", () => u64, { emit: { scalar: (g) => g.e.emit(asm.call(H.jiffies64)) } }),
  fn("time", "time([fmt])", "Print the current time (strftime format, default %H:%M:%S).", (c) => arity(c, 0, 1) ?? none, {
    emit: {
      stmt(g, x) {
        const fmt = x.args[0]?.kind === "StrLit" ? x.args[0].value : "%H:%M:%S\n";
        simpleAction(g, { kind: "time", format: fmt });
      },
    },
    events: { time: (a, _rec, rt) => rt.output(strftime(a.format, new Date()), { kind: "time" }) },
  }),
  fn("strftime", "strftime(fmt, nsecs)", "Format nanoseconds since boot as wall-clock time (strftime(3), plus %f µs, %l ms, %k ns).", checkStrftime, {
    emit: {
      value(g, x, off) {
        g.scalar(argsOf(x)[1]!);
        g.e.emit(asm.stx(8, R10, off, R0));
      },
    },
    decode: {
      accepts: (t) => t.k === "timestamp",
      value(t, b, off, sym) {
        const boot = sym.realtimeAtBoot?.() ?? approximateRealtimeAtBoot();
        return { kind: "text", text: formatBootTimestamp((t as Extract<Type, { k: "timestamp" }>).format, readInt(b, off, 8, false), boot), origin: "timestamp" };
      },
    },
  }),
];

/** r0 = the clock of nsecs([mode]) (the bare builtin is boot time). */
function nsecs(g: EmitContext, x: Use): void {
  const { e } = g;
  const a = argsOf(x)[0];
  const mode = a?.kind === "IdentExpr" ? a.name : "boot";
  if (mode === "sw_tai") {
    // bpftrace: boot time plus TAI - BOOTTIME measured in user space when compiling
    e.emit(asm.call(H.ktime_get_boot_ns), asm.ldImm64(R1, g.shared.taiOffsetNs ?? 0n), asm.add(R0, R1));
    return;
  }
  e.emit(asm.call(CLOCK_HELPERS[mode]!));
}
