// Jupyter messages as the dispatch sees them (messaging protocol 5.3), independent of
// how they travel. The wire format is in wire.ts; the sockets are in transport.ts.
import { randomUUID } from "node:crypto";

/** Sent in every header and in kernel_info_reply.protocol_version. */
export const PROTOCOL_VERSION = "5.3";

/** The sockets of a kernel that carry messages (heartbeat carries bare pings). */
export type Channel = "shell" | "control" | "stdin" | "iopub";

export interface Header {
  readonly msg_id: string;
  readonly session: string;
  readonly username: string;
  readonly date: string;
  readonly msg_type: string;
  readonly version: string;
  readonly [extra: string]: unknown;
}

export type JsonObject = Record<string, unknown>;

export interface Message {
  /** ROUTER identities (or the iopub topic): everything before `<IDS|MSG>`. */
  readonly identities: readonly Buffer[];
  readonly header: Header;
  /** `{}` when the message has no parent. */
  readonly parent_header: Header | Record<string, never>;
  readonly metadata: JsonObject;
  readonly content: JsonObject;
  readonly buffers: readonly Buffer[];
}

/**
 * Where encoded multipart messages go. Sends on one channel keep their order; the
 * first frames of a shell/control/stdin message are the ROUTER identities to route to.
 */
export interface Outbox {
  send(channel: Channel, frames: Buffer[]): void;
}

export function newHeader(msgType: string, session: string, username: string): Header {
  return {
    msg_id: randomUUID(),
    session,
    username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}
