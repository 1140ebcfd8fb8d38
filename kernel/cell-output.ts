// What a running cell writes: stream text (batched), display_data and
// update_display_data, published on iopub under the cell's execute_request.
import type { CellContext, DisplayOptions, MimeBundle } from "./interpreter.ts";
import type { JsonObject } from "./message.ts";

/** Publishes one iopub message whose parent is the cell's execute_request. */
export type PublishToCell = (msgType: string, content: JsonObject) => void;

/** How long stream writes are coalesced into one message, per the DESIGN's "batched". */
export const STREAM_FLUSH_MS = 50;
/** A batch larger than this goes out at once rather than waiting for the timer. */
const STREAM_MAX_BATCH = 64 * 1024;

export class CellOutput implements CellContext {
  readonly executionCount: number;
  readonly signal: AbortSignal;
  cellId?: string;
  readonly #publish: PublishToCell;
  readonly #flushMs: number;
  #pending: { name: "stdout" | "stderr"; text: string } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(executionCount: number, signal: AbortSignal, publish: PublishToCell, flushMs = STREAM_FLUSH_MS) {
    this.executionCount = executionCount;
    this.signal = signal;
    this.#publish = publish;
    this.#flushMs = flushMs;
  }

  stream(name: "stdout" | "stderr", text: string): void {
    if (text === "") return;
    // One pending batch at a time keeps stdout, stderr and displays in the order written.
    if (this.#pending !== undefined && this.#pending.name !== name) this.flush();
    if (this.#pending === undefined) this.#pending = { name, text };
    else this.#pending.text += text;
    if (this.#pending.text.length >= STREAM_MAX_BATCH) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#flushMs);
  }

  display(data: MimeBundle, options: DisplayOptions = {}): void {
    this.flush();
    const transient = options.displayId !== undefined ? { display_id: options.displayId } : {};
    const content = { data, metadata: options.metadata ?? {}, transient };
    // An update needs a display_id to name what it replaces; without one it is a new output.
    const msgType = options.update === true && options.displayId !== undefined ? "update_display_data" : "display_data";
    this.#publish(msgType, content);
  }

  /** Sends the pending stream batch now (before the cell's result, error and reply). */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const p = this.#pending;
    this.#pending = undefined;
    if (p !== undefined) this.#publish("stream", { name: p.name, text: p.text });
  }
}
