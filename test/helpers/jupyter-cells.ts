// Reading a cell's messages as a front end would: its stream text, its displays' plain
// text, and running a cell to idle through a real client (test/helpers/jupyter-kernel-process.ts).
import type { Message } from "../../kernel/message.ts";
import type { KernelProcess } from "./jupyter-kernel-process.ts";

export function ofType(iopub: readonly Message[], type: string): Message[] {
  return iopub.filter((m) => m.header.msg_type === type);
}

/** The text of the cell's stream messages (`name`: only stdout or stderr). */
export function streamText(iopub: readonly Message[], name?: "stdout" | "stderr"): string {
  return ofType(iopub, "stream").filter((m) => name === undefined || m.content.name === name).map((m) => String(m.content.text)).join("");
}

/** text/plain of every display_data and update_display_data, in order. */
export function displayTexts(iopub: readonly Message[]): string[] {
  return iopub.filter((m) => m.header.msg_type === "display_data" || m.header.msg_type === "update_display_data")
    .map((m) => String((m.content.data as Record<string, unknown>)["text/plain"] ?? ""));
}

/** Runs a cell and waits for its reply and idle. */
export async function runCell(k: KernelProcess, code: string, timeoutMs = 30_000): Promise<{ reply: Message; iopub: Message[] }> {
  return k.client.complete(await k.client.execute(code), timeoutMs);
}

/** Waits until the cell `id` has said its probes are attached (its progress display). */
export async function untilAttached(k: KernelProcess, id: string, timeoutMs = 15_000): Promise<void> {
  await k.client.until(() => displayTexts(k.client.children(id, "iopub")).some((t) => / probes attached/.test(t)), timeoutMs);
}
