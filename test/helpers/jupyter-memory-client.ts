// Drives kernel/dispatch.ts in memory, as a Jupyter client would over ZeroMQ: signs
// requests, feeds their frames to Kernel.receive, and decodes what the kernel sends.
import { randomUUID } from "node:crypto";
import { Kernel } from "../../kernel/dispatch.ts";
import type { Interpreter } from "../../kernel/interpreter.ts";
import { newHeader, type Channel, type JsonObject, type Message } from "../../kernel/message.ts";
import { decode, encode, Signer } from "../../kernel/wire.ts";

export interface Sent {
  readonly channel: Channel;
  readonly message: Message;
}

export class MemoryClient {
  readonly key = randomUUID();
  readonly signer = new Signer(this.key);
  readonly session = randomUUID();
  readonly identity = Buffer.from("client-0");
  readonly kernel: Kernel;
  readonly sent: Sent[] = [];
  readonly logs: string[] = [];
  readonly shutdowns: boolean[] = [];

  constructor(interpreter: Interpreter, opts: { streamFlushMs?: number } = {}) {
    this.kernel = new Kernel({
      interpreter,
      key: this.key,
      outbox: {
        send: (channel, frames) => {
          const d = decode(frames, this.signer);
          if (!d.ok) throw new Error(`kernel sent an undecodable message: ${d.detail}`);
          this.sent.push({ channel, message: d.message });
        },
      },
      onShutdown: (restart) => this.shutdowns.push(restart),
      log: (line) => this.logs.push(line),
      streamFlushMs: opts.streamFlushMs ?? 5,
    });
  }

  /** Signed frames of a request, for tests that tamper with them. */
  frames(msgType: string, content: JsonObject = {}): { msgId: string; frames: Buffer[] } {
    const header = newHeader(msgType, this.session, "test");
    const frames = encode({ identities: [this.identity], header, parent_header: {}, metadata: {}, content }, this.signer);
    return { msgId: header.msg_id, frames };
  }

  /** Sends a request; returns its msg_id. */
  send(channel: Channel, msgType: string, content: JsonObject = {}): string {
    const { msgId, frames } = this.frames(msgType, content);
    this.kernel.receive(channel, frames);
    return msgId;
  }

  execute(code: string, extra: JsonObject = {}): string {
    return this.send("shell", "execute_request", {
      code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true, ...extra,
    });
  }

  /** Messages whose parent is msgId, in the order sent, on one channel or all. */
  childrenOf(msgId: string, channel?: Channel): Message[] {
    return this.sent
      .filter((s) => (channel === undefined || s.channel === channel) && s.message.parent_header.msg_id === msgId)
      .map((s) => s.message);
  }

  reply(msgId: string): Message | undefined {
    return this.sent.find((s) => s.channel !== "iopub" && s.message.parent_header.msg_id === msgId)?.message;
  }

  /** Waits (polling) until the idle status for msgId was published; returns its iopub messages. */
  async untilIdle(msgId: string, timeoutMs = 5000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const msgs = this.childrenOf(msgId, "iopub");
      if (msgs.some((m) => m.header.msg_type === "status" && m.content.execution_state === "idle")) return msgs;
      if (Date.now() > deadline) throw new Error(`no idle for ${msgId}; got ${msgs.map((m) => m.header.msg_type).join(",")}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

/** msg_type, with the state of status messages: "status:busy". */
export function kinds(msgs: readonly Message[]): string[] {
  return msgs.map((m) => (m.header.msg_type === "status" ? `status:${String(m.content.execution_state)}` : m.header.msg_type));
}
