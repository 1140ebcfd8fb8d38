// The Jupyter wire format: [identities..., "<IDS|MSG>", signature, header, parent_header,
// metadata, content, buffers...], signed with HMAC over the four JSON frames.
// https://jupyter-client.readthedocs.io/en/stable/messaging.html#the-wire-protocol
import { createHmac, getHashes, timingSafeEqual } from "node:crypto";
import type { Header, JsonObject, Message } from "./message.ts";

export const DELIMITER = Buffer.from("<IDS|MSG>", "ascii");

/** HMAC signing as the connection file asks for it. An empty key disables signing. */
export class Signer {
  readonly #key: Buffer;
  readonly #digest: string;

  constructor(key: string, scheme = "hmac-sha256") {
    const m = /^hmac-(.+)$/.exec(scheme);
    const digest = m?.[1];
    if (digest === undefined || !getHashes().includes(digest)) {
      throw new Error(`unsupported signature_scheme ${JSON.stringify(scheme)}`);
    }
    this.#key = Buffer.from(key, "utf8");
    this.#digest = digest;
  }

  get enabled(): boolean {
    return this.#key.length > 0;
  }

  /** Hex signature of the four JSON frames; "" when signing is disabled. */
  sign(parts: readonly Buffer[]): string {
    return this.enabled ? this.#mac(parts).toString("hex") : "";
  }

  /** Constant-time check of a received signature frame. */
  verify(signature: Buffer, parts: readonly Buffer[]): boolean {
    if (!this.enabled) return true;
    const expected = this.#mac(parts);
    const text = signature.toString("ascii");
    // Buffer.from(hex) silently stops at the first non-hex digit: check the text first.
    if (text.length !== expected.length * 2 || !/^[0-9a-fA-F]*$/.test(text)) return false;
    return timingSafeEqual(Buffer.from(text, "hex"), expected);
  }

  #mac(parts: readonly Buffer[]): Buffer {
    const h = createHmac(this.#digest, this.#key);
    for (const p of parts) h.update(p);
    return h.digest();
  }
}

/**
 * Rejects a signature seen before, as jupyter_client's Session does: a captured message
 * cannot be replayed. Remembers the last `capacity` signatures.
 */
export class ReplayGuard {
  readonly #seen = new Set<string>();
  readonly #capacity: number;
  constructor(capacity = 1 << 16) {
    this.#capacity = capacity;
  }

  /** True the first time a signature is seen. */
  admit(signature: string): boolean {
    if (signature === "") return true;
    if (this.#seen.has(signature)) return false;
    this.#seen.add(signature);
    if (this.#seen.size > this.#capacity) {
      const oldest = this.#seen.values().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
    return true;
  }
}

export interface OutgoingMessage {
  readonly identities: readonly Buffer[];
  readonly header: Header;
  readonly parent_header: Header | Record<string, never>;
  readonly metadata: JsonObject;
  readonly content: JsonObject;
  readonly buffers?: readonly Buffer[];
}

export function encode(msg: OutgoingMessage, signer: Signer): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((o) =>
    Buffer.from(JSON.stringify(o), "utf8"),
  );
  return [
    ...msg.identities,
    DELIMITER,
    Buffer.from(signer.sign(parts), "ascii"),
    ...parts,
    ...(msg.buffers ?? []),
  ];
}

export type Decoded =
  | { readonly ok: true; readonly message: Message }
  | { readonly ok: false; readonly reason: "signature" | "replay" | "malformed"; readonly detail: string };

/** Parses and verifies one multipart message. Never throws on bad input. */
export function decode(frames: readonly Buffer[], signer: Signer, replay?: ReplayGuard): Decoded {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) return { ok: false, reason: "malformed", detail: "no <IDS|MSG> delimiter" };
  if (frames.length < at + 6) {
    return { ok: false, reason: "malformed", detail: `${frames.length - at - 1} frames after the delimiter, need 5` };
  }
  const signature = frames[at + 1] as Buffer;
  const parts = frames.slice(at + 2, at + 6);
  if (!signer.verify(signature, parts)) {
    return { ok: false, reason: "signature", detail: "invalid signature" };
  }
  if (replay && signer.enabled && !replay.admit(signature.toString("ascii"))) {
    return { ok: false, reason: "replay", detail: "duplicate signature" };
  }
  let json: unknown[];
  try {
    json = parts.map((p) => JSON.parse(p.toString("utf8")) as unknown);
  } catch (e) {
    return { ok: false, reason: "malformed", detail: `bad JSON: ${(e as Error).message}` };
  }
  const [header, parent, metadata, content] = json;
  if (!isObject(header) || typeof header.msg_type !== "string" || typeof header.msg_id !== "string") {
    return { ok: false, reason: "malformed", detail: "header without msg_type/msg_id" };
  }
  return {
    ok: true,
    message: {
      identities: frames.slice(0, at),
      header: header as unknown as Header,
      parent_header: (isObject(parent) ? parent : {}) as Message["parent_header"],
      metadata: isObject(metadata) ? metadata : {},
      content: isObject(content) ? content : {},
      buffers: frames.slice(at + 6),
    },
  };
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
