// The kernel core (xeus' xkernel_core): verifies incoming messages, dispatches them
// through one table to the Interpreter, wraps every request in busy/idle, and publishes
// what cells write. Knows nothing of sockets: frames come in through receive() and go
// out through an Outbox, so tests drive it in memory.
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { CellOutput, STREAM_FLUSH_MS } from "./cell-output.ts";
import type { ExecuteOutcome, Interpreter } from "./interpreter.ts";
import { newHeader, PROTOCOL_VERSION, type Channel, type JsonObject, type Message, type Outbox } from "./message.ts";
import { VERSION } from "./version.ts";
import { decode, encode, ReplayGuard, Signer } from "./wire.ts";

export interface KernelOptions {
  readonly interpreter: Interpreter;
  readonly outbox: Outbox;
  /** `key` and `signature_scheme` from the connection file; "" disables signing. */
  readonly key: string;
  readonly signatureScheme?: string;
  /** Called once the shutdown_reply and the last idle status are queued. */
  readonly onShutdown: (restart: boolean) => void;
  /** Kernel diagnostics (never cell output); defaults to stderr. */
  readonly log?: (line: string) => void;
  readonly streamFlushMs?: number;
}

/** A handler returns the reply's content, or undefined for messages without a reply. */
type Handler = (msg: Message) => Promise<JsonObject | undefined>;

const HELP_LINKS = [
  { text: "bpftrace reference", url: "https://github.com/bpftrace/bpftrace/blob/master/man/adoc/bpftrace.adoc" },
  { text: "Jupyter messaging", url: "https://jupyter-client.readthedocs.io/en/stable/messaging.html" },
];

export class Kernel {
  readonly #opts: KernelOptions;
  readonly #signer: Signer;
  readonly #replay = new ReplayGuard();
  readonly #session = randomUUID();
  readonly #username: string;
  readonly #log: (line: string) => void;
  readonly #handlers: Record<string, Handler>;
  /** execute_requests wait here and run one at a time, in order. */
  readonly #queue: Message[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #draining = false;
  #abortQueue = false;
  #current: AbortController | undefined;
  #executionCount = 0;
  #shuttingDown = false;
  #shutdownRestart: boolean | undefined;

  constructor(opts: KernelOptions) {
    this.#opts = opts;
    this.#signer = new Signer(opts.key, opts.signatureScheme);
    this.#log = opts.log ?? ((line) => process.stderr.write(`tracebook: ${line}\n`));
    this.#username = safeUsername();
    this.#handlers = {
      kernel_info_request: async () => this.#kernelInfo(),
      execute_request: (m) => this.#execute(m),
      is_complete_request: async (m) => {
        const r = this.#opts.interpreter.isComplete(str(m.content.code));
        return r.status === "incomplete" ? { status: r.status, indent: r.indent } : { status: r.status };
      },
      complete_request: async (m) => {
        const code = str(m.content.code);
        const r = await this.#opts.interpreter.complete(code, cursor(m.content.cursor_pos, code));
        return {
          status: "ok",
          matches: [...r.matches],
          cursor_start: codePoints(code, r.cursorStart),
          cursor_end: codePoints(code, r.cursorEnd),
          metadata: r.metadata ?? {},
        };
      },
      inspect_request: async (m) => {
        const code = str(m.content.code);
        const level = m.content.detail_level === 1 ? 1 : 0;
        const r = await this.#opts.interpreter.inspect(code, cursor(m.content.cursor_pos, code), level);
        return { status: "ok", found: r.found, data: r.found ? r.data : {}, metadata: {} };
      },
      history_request: async () => ({ status: "ok", history: [] }),
      comm_info_request: async () => ({ status: "ok", comms: {} }),
      // No comm targets: opening one is ignored (a front end then sees no reply, as with ipykernel).
      comm_open: async () => undefined,
      comm_msg: async () => undefined,
      comm_close: async () => undefined,
      interrupt_request: async () => {
        this.interrupt();
        return { status: "ok" };
      },
      shutdown_request: (m) => this.#shutdown(m),
    };
  }

  /** Publishes the `starting` status (lost unless a client already subscribed). */
  start(): void {
    this.#publish("status", { execution_state: "starting" }, undefined);
  }

  /** One multipart message from a socket. Bad signatures are logged and dropped. */
  receive(channel: Channel, frames: Buffer[]): void {
    const d = decode(frames, this.#signer, this.#replay);
    if (!d.ok) {
      this.#log(`dropped a message on ${channel}: ${d.detail}`);
      return;
    }
    const msg = d.message;
    if (channel === "stdin" || channel === "iopub") return; // no input_request is ever pending
    if (this.#shuttingDown) return;
    if (channel === "shell" && msg.header.msg_type === "execute_request") {
      this.#queue.push(msg);
      this.#track(this.#drain());
      return;
    }
    if (channel === "control" && msg.header.msg_type === "execute_request") {
      this.#log("ignored execute_request on the control channel");
      return;
    }
    this.#track(this.#handle(channel, msg));
  }

  /** Aborts the running cell's signal (interrupt_request, SIGINT). Queued cells still run. */
  interrupt(): void {
    this.#current?.abort();
  }

  /** Resolves once everything received so far has been handled (for tests). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #track(p: Promise<void>): void {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let msg = this.#queue.shift(); msg !== undefined; msg = this.#queue.shift()) {
        await this.#handle("shell", msg);
        if (this.#abortQueue) {
          this.#abortQueue = false;
          // stop_on_error: the cells queued behind a failed one are not run (as ipykernel).
          for (const m of this.#queue.splice(0)) {
            this.#status("busy", m);
            this.#reply("shell", m, { status: "aborted", execution_count: this.#executionCount });
            this.#status("idle", m);
          }
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /** busy, the handler's reply (or an error reply if it throws), idle. */
  async #handle(channel: Channel, msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    this.#status("busy", msg);
    try {
      const handler = this.#handlers[type];
      if (handler === undefined) {
        this.#log(`unknown message type ${JSON.stringify(type)} on ${channel}`);
        return;
      }
      const content = await handler(msg);
      if (content !== undefined) this.#reply(channel, msg, content);
    } catch (e) {
      this.#log(`${type} failed: ${(e as Error)?.stack ?? String(e)}`);
      if (type.endsWith("_request")) this.#reply(channel, msg, { status: "error", ...errorFields(e) });
    } finally {
      this.#status("idle", msg);
    }
    if (type === "shutdown_request" && this.#shutdownRestart !== undefined) {
      this.#opts.onShutdown(this.#shutdownRestart);
    }
  }

  async #execute(msg: Message): Promise<JsonObject> {
    const c = msg.content;
    const code = str(c.code);
    const silent = c.silent === true;
    const storeHistory = !silent && c.store_history !== false;
    if (storeHistory) this.#executionCount += 1;
    const count = this.#executionCount;
    if (!silent) this.#publish("execute_input", { code, execution_count: count }, msg);

    const abort = new AbortController();
    this.#current = abort;
    const out = new CellOutput(count, abort.signal, (t, content) => this.#publish(t, content, msg),
      this.#opts.streamFlushMs ?? STREAM_FLUSH_MS);
    const cellId = (msg.metadata as { cellId?: unknown } | undefined)?.cellId;
    if (typeof cellId === "string" && cellId) out.cellId = cellId;
    let outcome: ExecuteOutcome;
    try {
      outcome = await this.#opts.interpreter.execute(code, out);
    } catch (e) {
      this.#log(`execute failed: ${(e as Error)?.stack ?? String(e)}`);
      outcome = { status: "error", ...errorFields(e) };
    } finally {
      if (this.#current === abort) this.#current = undefined;
      out.flush();
    }

    if (outcome.status === "ok") {
      if (outcome.result !== undefined && !silent) {
        this.#publish("execute_result", { execution_count: count, data: outcome.result, metadata: {} }, msg);
      }
      return { status: "ok", execution_count: count, payload: [...(outcome.payload ?? [])], user_expressions: {} };
    }
    const error = { ename: outcome.ename, evalue: outcome.evalue, traceback: [...outcome.traceback] };
    // The one error output of a failing cell (no stderr copy: front ends show this).
    this.#publish("error", error, msg);
    if (c.stop_on_error !== false) this.#abortQueue = true;
    return { status: "error", execution_count: count, ...error };
  }

  #kernelInfo(): JsonObject {
    const i = this.#opts.interpreter;
    return {
      status: "ok",
      protocol_version: PROTOCOL_VERSION,
      implementation: "tracebook",
      implementation_version: VERSION,
      language_info: { ...i.languageInfo },
      banner: i.banner,
      help_links: HELP_LINKS,
      debugger: false,
    };
  }

  async #shutdown(msg: Message): Promise<JsonObject> {
    const restart = msg.content.restart === true;
    this.#shuttingDown = true;
    this.#queue.splice(0);
    this.interrupt();
    try {
      await this.#opts.interpreter.shutdown();
    } catch (e) {
      this.#log(`interpreter shutdown failed: ${(e as Error)?.stack ?? String(e)}`);
    }
    this.#shutdownRestart = restart;
    return { status: "ok", restart };
  }

  #status(state: "busy" | "idle", parent: Message): void {
    this.#publish("status", { execution_state: state }, parent);
  }

  #publish(msgType: string, content: JsonObject, parent: Message | undefined): void {
    const header = newHeader(msgType, this.#session, this.#username);
    const frames = encode(
      {
        identities: [Buffer.from(`kernel.${this.#session}.${msgType}`)],
        header,
        parent_header: parent?.header ?? {},
        metadata: {},
        content,
      },
      this.#signer,
    );
    this.#opts.outbox.send("iopub", frames);
  }

  #reply(channel: Channel, parent: Message, content: JsonObject): void {
    const msgType = parent.header.msg_type.replace(/_request$/, "_reply");
    const header = newHeader(msgType, this.#session, this.#username);
    const frames = encode(
      { identities: parent.identities, header, parent_header: parent.header, metadata: {}, content },
      this.#signer,
    );
    this.#opts.outbox.send(channel, frames);
  }
}

function errorFields(e: unknown): { ename: string; evalue: string; traceback: string[] } {
  if (e instanceof Error) {
    const ename = e.name || "Error";
    return { ename, evalue: e.message, traceback: (e.stack ?? `${ename}: ${e.message}`).split("\n") };
  }
  return { ename: "Error", evalue: String(e), traceback: [`Error: ${String(e)}`] };
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** cursor_pos counts unicode code points in protocol 5.2+; JS strings index UTF-16 units. */
function cursor(v: unknown, code: string): number {
  const points = Array.from(code);
  const n = typeof v === "number" && Number.isInteger(v) && v >= 0 ? Math.min(v, points.length) : points.length;
  return points.slice(0, n).join("").length;
}

/** The inverse of cursor(): a UTF-16 index back to a code point count. */
function codePoints(code: string, index: number): number {
  return Array.from(code.slice(0, index)).length;
}

function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return "tracebook";
  }
}
