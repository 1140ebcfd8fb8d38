// Starts the real kernel process (node dist/tracebook.js kernel -f FILE, the real
// interpreter over real BPF) for system tests, and talks to it over ZeroMQ as
// jupyter_client does. Tests that run cells need BPF: gate them with skipWithoutBpf().
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as zmq from "zeromq";
import { newHeader, type Channel, type JsonObject, type Message } from "../../kernel/message.ts";
import { decode, encode, Signer } from "../../kernel/wire.ts";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BUNDLE = join(ROOT, "dist/tracebook.js");

const SOURCES = ["kernel", "magics", "bpf", "native"];

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSourceMtime(p));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Why dist/tracebook.js must be rebuilt, or null when it is newer than every source. */
export function bundleStaleReason(): string | null {
  if (!existsSync(BUNDLE)) return "missing";
  const bundle = statSync(BUNDLE).mtimeMs;
  const inputs = [...SOURCES.map((d) => newestSourceMtime(join(ROOT, d))), statSync(join(ROOT, "scripts/build.mjs")).mtimeMs];
  return inputs.some((t) => t > bundle) ? "older than its sources" : null;
}

let checked = false;
/** Builds dist/tracebook.js when it is missing or stale, so tests never run an old bundle. */
export function ensureBuilt(): void {
  if (checked) return;
  if (bundleStaleReason() !== null) {
    execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  }
  checked = true;
}

/** BPF objects a process holds, from the targets of /proc/PID/fd (anon inodes). */
export interface BpfFds {
  readonly progs: number;
  readonly links: number;
  readonly perfEvents: number;
  readonly maps: number;
}

export function bpfFds(pid: number): BpfFds {
  const counts = { progs: 0, links: 0, perfEvents: 0, maps: 0 };
  const dir = `/proc/${pid}/fd`;
  for (const fd of readdirSync(dir)) {
    let target: string;
    try {
      target = readlinkSync(join(dir, fd));
    } catch {
      continue; // closed while we looked
    }
    if (target === "anon_inode:bpf-prog") counts.progs++;
    else if (target === "anon_inode:bpf_link" || target === "anon_inode:bpf-link") counts.links++; // the kernel names links bpf_link
    else if (target === "anon_inode:[perf_event]") counts.perfEvents++;
    else if (target === "anon_inode:bpf-map") counts.maps++;
  }
  return counts;
}

/** The ids of the BPF programs a process holds (prog_id in /proc/PID/fdinfo). */
export function bpfProgIds(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== "anon_inode:bpf-prog") continue;
      const m = /^prog_id:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"));
      if (m) ids.push(Number(m[1]));
    } catch {
      // closed while we looked
    }
  }
  return ids.sort((a, b) => a - b);
}

export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((ok, fail) => {
      const s = createServer();
      s.once("error", fail);
      s.listen(0, "127.0.0.1", () => ok(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface KernelProcess {
  readonly proc: ChildProcess;
  readonly client: ZmqClient;
  /** Everything the kernel wrote to stderr so far. */
  stderr(): string;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * `as`: run the kernel as this uid/gid (through setpriv, with no supplementary groups and
 * no capabilities), for tests of what an unprivileged user sees. `wrap`: a command the
 * kernel runs under (`["unshare", "-m"]`: a mount namespace of its own). `bundle`: another
 * build (bench/flood.ts measures main's).
 */
export async function startKernel(env: Record<string, string> = {}, opts: { as?: number; wrap?: readonly string[]; bundle?: string } = {}): Promise<KernelProcess> {
  if (opts.bundle === undefined) ensureBuilt();
  const [shell, iopub, stdin, control, hb] = (await freePorts(5)) as [number, number, number, number, number];
  const info = {
    shell_port: shell, iopub_port: iopub, stdin_port: stdin, control_port: control, hb_port: hb,
    ip: "127.0.0.1", key: randomUUID(), transport: "tcp", signature_scheme: "hmac-sha256", kernel_name: "tracebook",
  };
  const dir = mkdtempSync(join(tmpdir(), "tb-kernel-"));
  const file = join(dir, "connection.json");
  writeFileSync(file, JSON.stringify(info));
  const argv = [opts.bundle ?? BUNDLE, "kernel", "-f", file];
  if (opts.as !== undefined) {
    chmodSync(dir, 0o755);
    chmodSync(file, 0o644);
  }
  const command = [
    ...(opts.wrap ?? []),
    ...(opts.as === undefined ? [] : ["setpriv", `--reuid=${opts.as}`, `--regid=${opts.as}`, "--clear-groups", "--inh-caps=-all"]),
    process.execPath,
    ...argv,
  ];
  const proc = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "pipe"],
  });
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const client = new ZmqClient(info, info.key);
  await client.connect();
  await client.waitForIopub();
  return {
    proc,
    client,
    stderr: () => stderr,
    exited,
    async stop() {
      client.close();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}

interface Ports {
  readonly ip: string;
  readonly shell_port: number;
  readonly iopub_port: number;
  readonly control_port: number;
  readonly hb_port: number;
}

/** A minimal jupyter_client: DEALER shell/control, SUB iopub, REQ heartbeat. */
export class ZmqClient {
  readonly signer: Signer;
  readonly session = randomUUID();
  readonly received: Array<{ channel: Channel; message: Message }> = [];
  readonly shell = new zmq.Dealer({ routingId: `shell-${randomUUID()}`, linger: 0 });
  readonly control = new zmq.Dealer({ routingId: `control-${randomUUID()}`, linger: 0 });
  readonly iopub = new zmq.Subscriber({ linger: 0 });
  readonly hb = new zmq.Request({ linger: 0, receiveTimeout: 2000 });
  readonly #ports: Ports;
  /** The kernel's ports, for tests that open sockets of their own (wire fuzzing). */
  readonly ports: Ports & { readonly stdin_port: number };

  constructor(
    ports: Ports,
    /** The connection file's key: a second client of the same kernel signs with it. */
    readonly key: string,
  ) {
    this.#ports = ports;
    this.ports = { ...ports, stdin_port: (ports as Ports & { stdin_port?: number }).stdin_port ?? 0 };
    this.signer = new Signer(key);
  }

  async connect(): Promise<void> {
    const p = this.#ports;
    this.shell.connect(`tcp://${p.ip}:${p.shell_port}`);
    this.control.connect(`tcp://${p.ip}:${p.control_port}`);
    this.iopub.connect(`tcp://${p.ip}:${p.iopub_port}`);
    this.iopub.subscribe();
    this.hb.connect(`tcp://${p.ip}:${p.hb_port}`);
    for (const [channel, socket] of [["shell", this.shell], ["control", this.control], ["iopub", this.iopub]] as const) {
      void (async () => {
        try {
          for await (const frames of socket) {
            const d = decode(frames, this.signer);
            if (d.ok) this.received.push({ channel, message: d.message });
          }
        } catch {
          // closed
        }
      })();
    }
  }

  /** PUB/SUB drops what is published before the subscription lands: ping until iopub answers. */
  async waitForIopub(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const id = await this.send("shell", "kernel_info_request");
      if (await this.until(() => this.children(id, "iopub").length > 0, 300).then(() => true, () => false)) return;
    }
    throw new Error("kernel never published on iopub");
  }

  frames(msgType: string, content: JsonObject = {}, signer = this.signer, metadata: JsonObject = {}): { msgId: string; frames: Buffer[] } {
    const header = newHeader(msgType, this.session, "test");
    return { msgId: header.msg_id, frames: encode({ identities: [], header, parent_header: {}, metadata, content }, signer) };
  }

  async send(channel: "shell" | "control", msgType: string, content: JsonObject = {}, metadata: JsonObject = {}): Promise<string> {
    const { msgId, frames } = this.frames(msgType, content, this.signer, metadata);
    await this[channel].send(frames);
    return msgId;
  }

  /** An execute_request; `cellId` goes in its metadata, as JupyterLab and nbclient send it. */
  async execute(code: string, cellId?: string): Promise<string> {
    return this.send("shell", "execute_request", {
      code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true,
    }, cellId === undefined ? {} : { cellId });
  }

  children(msgId: string, channel?: Channel): Message[] {
    return this.received
      .filter((r) => (channel === undefined || r.channel === channel) && r.message.parent_header.msg_id === msgId)
      .map((r) => r.message);
  }

  reply(msgId: string): Message | undefined {
    return this.received.find((r) => r.channel !== "iopub" && r.message.parent_header.msg_id === msgId)?.message;
  }

  async until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The reply and the iopub messages of a request, once its idle status arrived. */
  async complete(msgId: string, timeoutMs = 10_000): Promise<{ reply: Message; iopub: Message[] }> {
    await this.until(
      () => this.reply(msgId) !== undefined &&
        this.children(msgId, "iopub").some((m) => m.header.msg_type === "status" && m.content.execution_state === "idle"),
      timeoutMs,
    );
    return { reply: this.reply(msgId) as Message, iopub: this.children(msgId, "iopub") };
  }

  async ping(payload: Buffer): Promise<Buffer[]> {
    await this.hb.send(payload);
    return this.hb.receive();
  }

  close(): void {
    for (const s of [this.shell, this.control, this.iopub, this.hb]) s.close();
  }
}
