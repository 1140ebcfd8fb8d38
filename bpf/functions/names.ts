// The names family: syscall_name(), strerror() and signal_name() as bpftrace's stdlib computes them
// (src/stdlib/strings.bt): a string[64] copied in the kernel from a constant table — here
// one BPF array map per table, filled when the program is loaded
// (bpf/codegen/name-tables.ts) — indexed by the number (strerror takes the absolute
// value). Numbers outside the table, or without a name, read "Unknown syscall" / "Unknown
// error". The result is an ordinary string: it compares with "read", keys maps.
import { asm, H, R0, R1, R2, R10 } from "../asm/index.ts";
import { ERRNO_NAMES, SYSCALL_NAMES } from "../types/name-tables.ts";
import { sizeOf, str } from "../types/types.ts";
import { type FunctionRow, type Use, argsOf, arity, fn, intArg } from "./row.ts";
import type { EmitContext } from "./emit-context.ts";

/** bpftrace's string[64] for these names. */
export const NAME_STRLEN = 64;

export type NameTable = "syscall_name" | "strerror" | "signal_name";

/** glibc's strsignal() texts of signals 1-31 (bpftrace's stdlib/strings/signal.h). */
const SIGNALS = [
  "Hangup", "Interrupt", "Quit", "Illegal instruction", "Trace/breakpoint trap", "Aborted", "Bus error",
  "Floating point exception", "Killed", "User defined signal 1", "Segmentation fault", "User defined signal 2",
  "Broken pipe", "Alarm clock", "Terminated", "Stack fault", "Child exited", "Continued", "Stopped (signal)", "Stopped",
  "Stopped (tty input)", "Stopped (tty output)", "Urgent I/O condition", "CPU time limit exceeded",
  "File size limit exceeded", "Virtual timer expired", "Profiling timer expired", "Window changed", "I/O possible",
  "Power failure", "Bad system call",
];

/** 0 and glibc's two real-time signals are "Unknown signal N"; SIGRTMIN+2 (34) to 64 "Real-time signal N-34". */
function signalNames(): ReadonlyMap<number, string> {
  const all = new Map<number, string>([[0, "Unknown signal 0"], [32, "Unknown signal 32"], [33, "Unknown signal 33"]]);
  SIGNALS.forEach((name, i) => all.set(i + 1, name));
  for (let n = 34; n <= 64; n++) all.set(n, `Real-time signal ${n - 34}`);
  return all;
}

/** The kernel map of each table, what a number without a name reads, and the names. */
export const NAME_TABLES: Record<NameTable, { readonly map: string; readonly unknown: string; names(): ReadonlyMap<number, string> }> = {
  syscall_name: { map: "__syscall_names", unknown: "Unknown syscall", names: () => SYSCALL_NAMES },
  strerror: { map: "__errno_names", unknown: "Unknown error", names: () => new Map([...ERRNO_NAMES].map(([n, [, msg]]) => [n, msg])) },
  signal_name: { map: "__signal_names", unknown: "N/A", names: signalNames },
};

function nameRow(table: NameTable, signature: string, doc: string): FunctionRow {
  return fn(table, signature, doc, (c) => arity(c, 1) ?? intArg(c, 0) ?? str(NAME_STRLEN), {
    emit: {
      value(g, x, off, t) {
        if (sizeOf(t) > NAME_STRLEN) g.e.zero(off, sizeOf(t));
        tableName(g, x, table, off);
      },
    },
  });
}

export const NAME_FUNCTIONS: readonly FunctionRow[] = [
  nameRow("syscall_name", "syscall_name(int nr)", "Name of a syscall number (x86_64), a string[64]: \"read\", \"Unknown syscall\"."),
  nameRow("strerror", "strerror(int errno)", "The message of an errno value (glibc's strerror text; -errno too), a string[64]."),
  nameRow("signal_name", "signal_name(int sig)", "The name of a signal number (glibc's strsignal text), a string[64]: \"Interrupt\", \"N/A\"."),
];

/** Write the name of the use's argument (as a C int) into the string slot at r10+off. */
function tableName(g: EmitContext, x: Use, table: NameTable, off: number): void {
  const { e } = g;
  const { map, unknown } = NAME_TABLES[table];
  const key = g.frame.alloc(8);
  const miss = e.label("nt_miss");
  const done = e.label("nt_done");
  g.scalar(argsOf(x)[0]!);
  e.emit(asm.lshImm(R0, 32), asm.arshImm(R0, 32)); // bpftrace casts the argument to int32
  if (table === "strerror") {
    const pos = e.label("nt_pos");
    e.emit(asm.jsgeImm(R0, 0, pos), asm.neg(R0));
    e.place(pos);
  }
  e.emit(asm.stx(4, R10, key, R0), asm.ldMapFd(R1, map));
  e.stackAddr(R2, key);
  e.emit(asm.call(H.map_lookup_elem), asm.jeqImm(R0, 0, miss));
  for (let i = 0; i < NAME_STRLEN; i += 8) e.emit(asm.ldx(8, R1, R0, i), asm.stx(8, R10, off + i, R1));
  e.emit(asm.ja(done));
  e.place(miss);
  e.storeBytes(off, Buffer.from(unknown), NAME_STRLEN);
  e.place(done);
  g.placeNop();
}
