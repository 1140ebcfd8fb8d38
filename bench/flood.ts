// The flood of issue 13 through a real client: one cell printing every system call of the
// machine for 3 s. What reaches the front end (stream lines and bytes), how long until the
// reply and until idle, and what the kernel process read and lost. test/system/
// jupyter-flood.test.ts measures the same; this script also runs another build (FLOOD_BUNDLE=
// /path/dist/tracebook.js), e.g. main's before a change:
//   npx esbuild bench/flood.ts --bundle --platform=node --format=esm --packages=external \
//     --define:import.meta.dirname="\"$PWD/test/helpers\"" --outfile=flood.mjs && node flood.mjs
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKernel } from "../test/helpers/jupyter-kernel-process.ts";

export const FLOOD_CELL = '%%bt --for 3s\ntracepoint:raw_syscalls:sys_enter { printf("%d %s\\n", pid, comm); }';

export interface FloodFigures {
  readonly lines: number;
  readonly bytes: number;
  readonly replyMs: number;
  readonly idleMs: number;
  readonly summary: string;
  readonly selfLines: number;
}

export async function measureFlood(code = FLOOD_CELL, bundle?: string): Promise<FloodFigures> {
  const tmp = mkdtempSync(join(tmpdir(), "tb-flood-")); // the capped stream's file
  const k = await startKernel({ TMPDIR: tmp }, bundle ? { bundle } : {});
  try {
    const warm = await k.client.complete(await k.client.execute('BEGIN { printf("warm\\n"); exit(); }'), 30_000);
    if (warm.reply.content.status !== "ok") throw new Error("warm-up cell failed");
    const t0 = performance.now();
    const id = await k.client.execute(code);
    await k.client.until(() => k.client.reply(id) !== undefined, 120_000);
    const replyMs = performance.now() - t0;
    const { iopub } = await k.client.complete(id, 120_000);
    const idleMs = performance.now() - t0;
    const text = iopub.filter((m) => m.header.msg_type === "stream").map((m) => String(m.content.text)).join("");
    const lines = text.split("\n").length - 1;
    const selfLines = text.split("\n").filter((l) => l.startsWith(`${k.proc.pid} `)).length;
    const summary = iopub.filter((m) => m.header.msg_type === "update_display_data").map((m) => String((m.content.data as Record<string, unknown>)["text/plain"])).filter((t) => / probes ran /.test(t)).at(-1) ?? "";
    return { lines, bytes: Buffer.byteLength(text), replyMs, idleMs, summary, selfLines };
  } finally {
    await k.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("flood.mjs")) {
  const f = await measureFlood(process.env.FLOOD_CELL ?? FLOOD_CELL, process.env.FLOOD_BUNDLE);
  console.log(JSON.stringify(f));
}
