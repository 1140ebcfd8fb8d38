// Warm cells through a real Jupyter client (ZeroMQ, signed messages): execute_request → execute_reply.
import { startKernel } from "../test/helpers/jupyter-kernel-process.ts";

export interface CellCase { readonly name: string; readonly code: string }

export const CELL_CASES: readonly CellCase[] = [
  { name: "warm cell: 2 tracepoints + 1 uprobe + interval exit", code: "tracepoint:syscalls:sys_enter_getppid { @a = count(); }\ntracepoint:syscalls:sys_enter_getpid { @b = count(); }\nuprobe:/lib/x86_64-linux-gnu/libc.so.6:getpid { @c = count(); }\ninterval:ms:1 { exit(); }" },
  { name: "warm cell: 1 tracepoint + interval exit", code: "tracepoint:syscalls:sys_enter_getppid { @a = count(); }\ninterval:ms:1 { exit(); }" },
  { name: "warm cell: BEGIN filling a 20-key map", code: "BEGIN { $i = 0; while ($i < 20) { @m[$i] = $i * 10; $i++; } exit(); }" },
];

export interface CellTimes {
  /** execute_request → execute_reply, ms. */
  readonly reply: number[];
  /** execute_request → idle (every output, pictures included, sent), ms. */
  readonly idle: number[];
}

/** Runs of each case before the measured ones: the compiler's first runs in a process are not yet JIT-compiled. */
export const CELL_WARM_UP = 2;

/** Until `cond` holds, looking every millisecond (the client's own until() looks every 10). */
async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

export async function timeCells(runs: number, cases = CELL_CASES): Promise<Map<string, CellTimes>> {
  const k = await startKernel();
  const out = new Map<string, CellTimes>();
  try {
    await new Promise((r) => setTimeout(r, 2000)); // the kernel settles, as it does while a person opens the notebook
    for (const c of cases) {
      const times: number[] = [];
      const idle: number[] = [];
      for (let i = 0; i < runs + CELL_WARM_UP; i++) {
        const t0 = performance.now();
        const id = await k.client.execute(c.code);
        await until(() => k.client.reply(id) !== undefined, 30_000);
        const ms = performance.now() - t0;
        const reply = k.client.reply(id)!;
        if (reply.content.status !== "ok") throw new Error(`${c.name}: ${JSON.stringify(reply.content).slice(0, 300)}`);
        await until(() => k.client.children(id, "iopub").some((m) => m.header.msg_type === "status" && m.content.execution_state === "idle"), 30_000);
        const idleMs = performance.now() - t0;
        if (i >= CELL_WARM_UP) {
          times.push(ms);
          idle.push(idleMs);
        }
        await new Promise((r) => setTimeout(r, 200)); // a person reads the output before the next cell
      }
      out.set(c.name, { reply: times, idle });
    }
  } finally {
    await k.stop();
  }
  return out;
}
