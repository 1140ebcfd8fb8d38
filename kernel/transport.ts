// The ZeroMQ sockets of a kernel (the only file that imports zeromq): ROUTER shell,
// control and stdin, PUB iopub, REP heartbeat. It moves multipart frames; signing and
// parsing are wire.ts's, what the frames mean is dispatch.ts's.
import * as zmq from "zeromq";
import { socketAddress, type ConnectionInfo } from "./connection.ts";
import type { Channel, Outbox } from "./message.ts";

export interface Transport extends Outbox {
  /** Waits for queued sends (up to the linger time), then closes every socket. */
  close(): Promise<void>;
}

/** How long close() lets queued replies drain, e.g. the shutdown_reply before exit. */
const LINGER_MS = 1000;

type Receiver = (channel: Channel, frames: Buffer[]) => void;

/**
 * Binds the five sockets of the connection file. Incoming shell/control/stdin messages
 * go to `receive` as raw frames (identities first); the heartbeat is echoed here.
 */
export async function bindTransport(
  info: ConnectionInfo,
  receive: Receiver,
  log: (line: string) => void,
): Promise<Transport> {
  const sockets: Record<Channel, zmq.Router | zmq.Publisher> = {
    shell: new zmq.Router(),
    control: new zmq.Router(),
    stdin: new zmq.Router(),
    iopub: new zmq.Publisher(),
  };
  // The heartbeat is a ROUTER, not a REP: it echoes each request back to its sender, as
  // REP would for the REQ sockets clients use, but it drops what a peer that stopped
  // reading cannot take (a REP send to a full pipe never resolves, and a REP that cannot
  // reply never receives again: one client that does not read its echoes stopped the
  // heartbeat for every client; test/system/jupyter-wire-fuzz.test.ts).
  const hb = new zmq.Router();
  const all = [...Object.values(sockets), hb];
  for (const s of all) s.linger = LINGER_MS;
  try {
    await Promise.all([
      sockets.shell.bind(socketAddress(info, "shell")),
      sockets.control.bind(socketAddress(info, "control")),
      sockets.stdin.bind(socketAddress(info, "stdin")),
      sockets.iopub.bind(socketAddress(info, "iopub")),
      hb.bind(socketAddress(info, "hb")),
    ]);
  } catch (e) {
    for (const s of all) s.close();
    throw new Error(`bind kernel sockets: ${(e as Error).message}`);
  }

  const receiveLoop = async (channel: Channel, socket: zmq.Router): Promise<void> => {
    try {
      for await (const frames of socket) receive(channel, frames);
    } catch (e) {
      if (!socket.closed) log(`${channel} socket: ${(e as Error).message}`);
    }
  };
  void receiveLoop("shell", sockets.shell as zmq.Router);
  void receiveLoop("control", sockets.control as zmq.Router);
  void receiveLoop("stdin", sockets.stdin as zmq.Router);
  void (async () => {
    try {
      for await (const ping of hb) {
        try {
          await hb.send(ping);
        } catch {
          // the peer went away, or cannot take more: its echo is dropped
        }
      }
    } catch (e) {
      if (!hb.closed) log(`heartbeat socket: ${(e as Error).message}`);
    }
  })();

  // A zeromq socket allows one send in flight: chain them, which also keeps their order.
  const pending: Record<Channel, Promise<void>> = {
    shell: Promise.resolve(),
    control: Promise.resolve(),
    stdin: Promise.resolve(),
    iopub: Promise.resolve(),
  };
  let closed = false;

  return {
    send(channel, frames) {
      if (closed) return;
      const socket = sockets[channel];
      pending[channel] = pending[channel].then(
        () => socket.send(frames),
      ).catch((e: unknown) => {
        if (!socket.closed) log(`send on ${channel}: ${(e as Error).message}`);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const drained = Promise.all(Object.values(pending));
      await Promise.race([drained, new Promise((r) => setTimeout(r, LINGER_MS).unref())]);
      for (const s of all) s.close();
    },
  };
}
