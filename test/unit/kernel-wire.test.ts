import { describe, expect, it } from "vitest";
import { parseConnectionInfo, socketAddress } from "../../kernel/connection.ts";
import { newHeader } from "../../kernel/message.ts";
import { decode, DELIMITER, encode, ReplayGuard, Signer } from "../../kernel/wire.ts";
import { createHmac } from "node:crypto";

function message(signer: Signer) {
  const header = newHeader("kernel_info_request", "s", "u");
  return encode({ identities: [Buffer.from("id1"), Buffer.from("id2")], header, parent_header: {}, metadata: {}, content: { a: 1 } }, signer);
}

describe("wire format", () => {
  it("signs the four JSON frames with HMAC-SHA256 as jupyter_client does", () => {
    const signer = new Signer("secret");
    const frames = message(signer);
    expect(frames[2]).toEqual(DELIMITER);
    const h = createHmac("sha256", "secret");
    for (const f of frames.slice(4, 8)) h.update(f);
    expect(frames[3]?.toString()).toBe(h.digest("hex"));
  });

  it("round-trips identities, header and content", () => {
    const signer = new Signer("k");
    const d = decode(message(signer), signer);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.message.identities.map(String)).toEqual(["id1", "id2"]);
    expect(d.message.header.msg_type).toBe("kernel_info_request");
    expect(d.message.header.version).toBe("5.3");
    expect(d.message.content).toEqual({ a: 1 });
  });

  it.each([
    ["a wrong key", (f: Buffer[]) => f, new Signer("other")],
    ["a changed content", (f: Buffer[]) => { f[7] = Buffer.from('{"a":2}'); return f; }, undefined],
    ["a truncated signature", (f: Buffer[]) => { f[3] = f[3]!.subarray(0, 10); return f; }, undefined],
    ["a non-hex signature", (f: Buffer[]) => { f[3] = Buffer.from("z".repeat(64)); return f; }, undefined],
    ["an empty signature", (f: Buffer[]) => { f[3] = Buffer.alloc(0); return f; }, undefined],
  ])("rejects %s", (_name, tamper, verifier) => {
    const signer = new Signer("k");
    const d = decode(tamper(message(signer)), verifier ?? signer);
    expect(d).toMatchObject({ ok: false, reason: "signature" });
  });

  it("accepts anything when the key is empty, and sends an empty signature", () => {
    const signer = new Signer("");
    const frames = message(signer);
    expect(frames[3]?.length).toBe(0);
    frames[3] = Buffer.from("garbage");
    expect(decode(frames, signer).ok).toBe(true);
  });

  it("rejects a replayed message", () => {
    const signer = new Signer("k");
    const guard = new ReplayGuard();
    const frames = message(signer);
    expect(decode(frames, signer, guard).ok).toBe(true);
    expect(decode(frames, signer, guard)).toMatchObject({ ok: false, reason: "replay" });
  });

  it("reports malformed messages instead of throwing", () => {
    const signer = new Signer("");
    expect(decode([Buffer.from("x")], signer)).toMatchObject({ ok: false, reason: "malformed" });
    expect(decode([DELIMITER, Buffer.alloc(0), Buffer.from("{")], signer)).toMatchObject({ ok: false, reason: "malformed" });
    const bad = [DELIMITER, Buffer.alloc(0), Buffer.from("{"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")];
    expect(decode(bad, signer)).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("refuses an unknown signature scheme", () => {
    expect(() => new Signer("k", "hmac-nope")).toThrow(/signature_scheme/);
  });
});

describe("connection file", () => {
  const file = { shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5, ip: "127.0.0.1", key: "k", transport: "tcp", signature_scheme: "hmac-sha256" };

  it("gives tcp and ipc addresses", () => {
    expect(socketAddress(parseConnectionInfo(JSON.stringify(file)), "hb")).toBe("tcp://127.0.0.1:5");
    expect(socketAddress(parseConnectionInfo(JSON.stringify({ ...file, transport: "ipc", ip: "/tmp/k" })), "shell")).toBe("ipc:///tmp/k-1");
  });

  it("names the bad field", () => {
    expect(() => parseConnectionInfo(JSON.stringify({ ...file, hb_port: "x" }))).toThrow(/hb_port/);
  });
});
