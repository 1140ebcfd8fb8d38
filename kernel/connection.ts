// The connection file a Jupyter client writes and passes as `kernel -f FILE`.
// https://jupyter-client.readthedocs.io/en/stable/kernels.html#connection-files
import { readFileSync } from "node:fs";

export interface ConnectionInfo {
  readonly transport: "tcp" | "ipc";
  readonly ip: string;
  readonly key: string;
  readonly signature_scheme: string;
  readonly shell_port: number;
  readonly iopub_port: number;
  readonly stdin_port: number;
  readonly control_port: number;
  readonly hb_port: number;
}

export type SocketName = "shell" | "iopub" | "stdin" | "control" | "hb";

export function parseConnectionInfo(text: string, source = "connection file"): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`read ${source}: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null) throw new Error(`read ${source}: not a JSON object`);
  const o = raw as Record<string, unknown>;
  const port = (name: string): number => {
    const v = o[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 65535) {
      throw new Error(`read ${source}: ${name} must be a port number, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const transport = o.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") {
    throw new Error(`read ${source}: unsupported transport ${JSON.stringify(transport)}`);
  }
  return {
    transport,
    ip: typeof o.ip === "string" ? o.ip : "127.0.0.1",
    key: typeof o.key === "string" ? o.key : "",
    signature_scheme: typeof o.signature_scheme === "string" ? o.signature_scheme : "hmac-sha256",
    shell_port: port("shell_port"),
    iopub_port: port("iopub_port"),
    stdin_port: port("stdin_port"),
    control_port: port("control_port"),
    hb_port: port("hb_port"),
  };
}

export function readConnectionFile(path: string): ConnectionInfo {
  return parseConnectionInfo(readFileSync(path, "utf8"), path);
}

/** The ZeroMQ address of one socket: `tcp://ip:port`, or `ipc://ip-port` as jupyter_client names them. */
export function socketAddress(info: ConnectionInfo, socket: SocketName): string {
  const port = info[`${socket}_port`];
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}
