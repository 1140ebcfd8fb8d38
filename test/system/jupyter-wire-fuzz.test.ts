// Wire fuzzing (issue 13): thousands of malformed, truncated, oversized, wrongly signed
// and wrongly typed messages on every channel a client can write to (shell, control,
// stdin, heartbeat), over loopback only, bounded by a seeded count. Afterwards the same
// kernel process must answer kernel_info, run a cell correctly, echo heartbeats and hold
// no BPF object it did not hold before. TRACEBOOK_WIRE_FUZZ=N raises the count.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import { newHeader } from "../../kernel/message.ts";
import { DELIMITER, encode } from "../../kernel/wire.ts";
import { bpfFds, startKernel, type KernelProcess } from "../helpers/jupyter-kernel-process.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { rng } from "../helpers/rng.ts";

const COUNT = Number(process.env.TRACEBOOK_WIRE_FUZZ ?? 3000);
const CHECK_EVERY = Number(process.env.TRACEBOOK_WIRE_FUZZ_CHECK ?? 200);

// Requests a client may send; each gets contents of the wrong shape below.
const MSG_TYPES = [
  "execute_request", "complete_request", "inspect_request", "is_complete_request", "kernel_info_request",
  "history_request", "comm_info_request", "comm_open", "comm_msg", "interrupt_request", "input_reply",
  "debug_request", "no_such_request", "", "../../etc/passwd",
]; // not shutdown_request: a signed one ends the kernel, as it should

// JSON values of every type, for contents and header fields of the wrong type.
const ODD_VALUES: unknown[] = [
  null, 0, -1, 1e308, "", "x".repeat(5000), [], [1, "a"], {}, { a: { b: { c: [] } } }, true, "\u0000\uffff",
];

type Pick = <T>(xs: readonly T[]) => T;

function randomBytes(r: () => number, max: number): Buffer {
  const n = Math.floor(r() * max);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** A content of the wrong shape for its message type (never a runnable program). */
function oddContent(r: () => number, pick: Pick): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  for (const k of ["code", "cursor_pos", "detail_level", "silent", "restart", "target_name", "comm_id", "data", "value"]) {
    if (r() < 0.5) c[k] = pick(ODD_VALUES);
  }
  // A string `code` is junk that must fail to parse, not a program.
  if (typeof c.code === "string") c.code = `%%%${String(c.code).slice(0, 40)} {{{`;
  return c;
}

/** One malformed message: frames as a DEALER sends them (no identity prefix). */
function malformed(r: () => number, pick: Pick, sign: (parts: Buffer[]) => string): Buffer[] {
  const header = (type: string): Record<string, unknown> => ({ ...newHeader(type, randomUUID(), "fuzz") });
  const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
  const signed = (parts: Buffer[]): Buffer[] => [DELIMITER, Buffer.from(sign(parts)), ...parts];
  switch (Math.floor(r() * 10)) {
    case 0: // garbage frames, no delimiter
      return Array.from({ length: 1 + Math.floor(r() * 6) }, () => randomBytes(r, 200));
    case 1: { // the delimiter, then too few frames
      const n = Math.floor(r() * 4);
      return [DELIMITER, ...Array.from({ length: n }, () => randomBytes(r, 50))];
    }
    case 2: { // well-formed but wrongly signed
      const parts = [json(header(pick(MSG_TYPES))), json({}), json({}), json(oddContent(r, pick))];
      return [DELIMITER, Buffer.from("0".repeat(64)), ...parts];
    }
    case 3: { // signed, but the JSON frames are not JSON
      const parts = [randomBytes(r, 80), randomBytes(r, 20), Buffer.from("{"), Buffer.from("nul")];
      return signed(parts);
    }
    case 4: { // signed JSON of the wrong types: header an array, content a number...
      const parts = [json(pick(ODD_VALUES)), json(pick(ODD_VALUES)), json(pick(ODD_VALUES)), json(pick(ODD_VALUES))];
      return signed(parts);
    }
    case 5: { // signed, real message types, header fields of the wrong type
      const h = header(pick(MSG_TYPES));
      for (const k of ["msg_id", "session", "version", "date", "username"]) if (r() < 0.4) h[k] = pick(ODD_VALUES);
      return signed([json(h), json({}), json({}), json(oddContent(r, pick))]);
    }
    case 6: { // signed, real message types, contents of the wrong shape
      const h = header(pick(MSG_TYPES));
      return signed([json(h), json(pick([{}, { msg_id: 5 }])), json(pick([{}, { cellId: [] }])), json(oddContent(r, pick))]);
    }
    case 7: { // oversized: a 1 MiB content frame, or hundreds of buffers
      const h = header("is_complete_request");
      const big = r() < 0.5;
      const content = big ? json({ code: "x".repeat(1 << 20) }) : json({ code: "BEGIN {" });
      const buffers = big ? [] : Array.from({ length: 300 }, () => randomBytes(r, 16));
      return [...signed([json(h), json({}), json({}), content]), ...buffers];
    }
    case 8: { // truncated: a valid message with its tail cut off
      const h = header("kernel_info_request");
      const full = signed([json(h), json({}), json({}), json({})]);
      const cut = full.slice(0, 1 + Math.floor(r() * (full.length - 1)));
      const last = cut[cut.length - 1] as Buffer;
      cut[cut.length - 1] = last.subarray(0, Math.floor(last.length * r()));
      return cut;
    }
    default: // empty frames
      return Array.from({ length: Math.floor(r() * 8) }, () => Buffer.alloc(0));
  }
}

describe.skipIf(skipWithoutBpf())("the kernel process under wire fuzzing", () => {
  let k: KernelProcess;
  beforeAll(async () => {
    k = await startKernel();
  });
  afterAll(async () => {
    await k?.stop();
  });

  it(`survives ${COUNT} malformed messages on shell, control, stdin and heartbeat, then serves correctly`, async () => {
    const before = bpfFds(k.proc.pid as number);
    const ports = k.client.ports;
    const stdin = new zmq.Dealer({ routingId: `stdin-${randomUUID()}`, linger: 0 });
    stdin.connect(`tcp://127.0.0.1:${ports.stdin_port}`);
    // A raw DEALER on the heartbeat's REP socket: garbage frames of any count.
    const hb = new zmq.Dealer({ linger: 0 });
    hb.connect(`tcp://127.0.0.1:${ports.hb_port}`);
    const r = rng(0x51ee7);
    const pick: Pick = (xs) => xs[Math.floor(r() * xs.length)] as (typeof xs)[number];
    const sign = (parts: Buffer[]): string => k.client.signer.sign(parts);
    const sockets = [k.client.shell, k.client.control, stdin, hb];
    try {
      for (let i = 0; i < COUNT; i++) {
        const socket = sockets[i % sockets.length] as zmq.Dealer;
        const frames = socket === hb ? [Buffer.alloc(0), ...malformed(r, pick, sign)] : malformed(r, pick, sign);
        if (frames.length === 0) frames.push(Buffer.alloc(0));
        await socket.send(frames);
        // Keep the queues short, so the kernel's own pace is measured, not ZeroMQ's buffers.
        if (i % CHECK_EVERY === CHECK_EVERY - 1) {
          const id = await k.client.send("shell", "kernel_info_request");
          await k.client.complete(id, 30_000).catch((e: Error) => { throw new Error(`message ${i} (${JSON.stringify(frames.map((f) => f.toString("latin1").slice(0, 200)))}) left the kernel silent: ${e.message}\n${k.stderr().slice(-3000)}`); });
        }
      }
    } finally {
      stdin.close();
      hb.close();
    }
    expect(k.proc.exitCode, k.stderr().slice(-2000)).toBeNull();

    const info = await k.client.complete(await k.client.send("shell", "kernel_info_request"), 20_000);
    expect(info.reply.header.msg_type).toBe("kernel_info_reply");
    expect(info.reply.content).toMatchObject({ status: "ok", implementation: "tracebook" });

    const cell = await k.client.complete(await k.client.execute("BEGIN { @fuzzed = count(); @fuzzed = count(); exit(); }"), 20_000);
    expect(cell.reply.content).toMatchObject({ status: "ok" });
    const texts = cell.iopub
      .filter((m) => m.header.msg_type === "display_data" || m.header.msg_type === "update_display_data" || m.header.msg_type === "execute_result")
      .map((m) => String((m.content.data as Record<string, unknown>)["text/plain"] ?? ""));
    expect(texts.some((t) => t.includes("@fuzzed: 2"))).toBe(true);

    const echoed = await k.client.ping(Buffer.from("after-fuzz")).catch((e: Error) => {
      throw new Error(`heartbeat after fuzzing: ${e.message}\n${k.stderr().split("\n").filter((l) => !l.includes("dropped a message")).slice(-20).join("\n")}`);
    });
    expect(echoed.map(String)).toEqual(["after-fuzz"]);
    const after = bpfFds(k.proc.pid as number);
    expect({ progs: after.progs, links: after.links, perfEvents: after.perfEvents })
      .toEqual({ progs: before.progs, links: before.links, perfEvents: before.perfEvents });
    expect(k.stderr()).not.toMatch(/uncaught|unhandled|TypeError|RangeError/i);
  });

  it("keeps the heartbeat for every client when one heartbeat peer never reads its echoes", async () => {
    const hog = new zmq.Dealer({ linger: 0, sendHighWaterMark: 100_000 });
    hog.connect(`tcp://127.0.0.1:${k.client.ports.hb_port}`);
    try {
      const payload = Buffer.alloc(64 * 1024, 0x61);
      for (let i = 0; i < 2000; i++) await hog.send([Buffer.alloc(0), payload]);
      // A request with an envelope and no body at all: REP would have to echo nothing.
      await hog.send([Buffer.alloc(0)]);
      await new Promise((r) => setTimeout(r, 500));
      expect((await k.client.ping(Buffer.from("still-beating"))).map(String)).toEqual(["still-beating"]);
    } finally {
      hog.close();
    }
  });
});
