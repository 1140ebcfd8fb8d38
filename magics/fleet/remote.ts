// A Tracebook kernel on another host, started and driven through Jupyter Server's REST and
// WebSocket API with @jupyterlab/services (what JupyterLab itself uses), so any Jupyter
// Server, Kernel Gateway or Enterprise Gateway can host it: no agent of our own. Every
// request is bounded; the token travels only in Authorization headers (the WebSocket too:
// appendToken is off and the socket adds the header), so no URL ever carries it. A kernel
// whose connection drops and does not come back within TIMEOUTS.lostMs, or that dies, is
// "lost", with the reason in words.
import { KernelAPI, KernelConnection, KernelSpecAPI, ServerConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { redact, type FleetHost } from "./hosts.ts";

/** Bounds on every wait, in ms (tests may shorten them). */
export const TIMEOUTS = {
  /** One REST request (status, kernelspecs, interrupt, shutdown). */
  requestMs: 5_000,
  /** Starting a kernel and its first kernel_info reply. */
  startMs: 30_000,
  /** A dropped connection that does not come back in this time is a lost host. */
  lostMs: 5_000,
  /** After an interrupt or the cell's duration: the time a host has to send its maps. */
  stopMs: 15_000,
};

export class HostError extends Error {
  constructor(readonly host: string, why: string) {
    super(why);
  }
  override readonly name = "HostError";
}

/** A fetch failure in words: refused, not found, no answer in time. */
function networkWords(e: unknown, ms: number): string {
  const err = e as { name?: string; cause?: { code?: string; name?: string } };
  if (err.name === "TimeoutError" || err.name === "AbortError" || err.cause?.name === "TimeoutError") return `no answer within ${ms / 1000} s`;
  switch (err.cause?.code) {
    case "ECONNREFUSED": return "connection refused";
    case "ENOTFOUND": case "EAI_AGAIN": return "host name not found";
    case "EHOSTUNREACH": case "ENETUNREACH": return "host unreachable";
    case "ECONNRESET": case "UND_ERR_SOCKET": return "connection reset";
    default: return err.cause?.code ?? (err.cause as { message?: string } | undefined)?.message ?? "network error";
  }
}

/** What went wrong with a request to `host`, in one line, without the token. */
export function failureWords(host: FleetHost, e: unknown): string {
  let why: string;
  if (e instanceof ServerConnection.ResponseError) {
    const s = e.response.status;
    why = s === 401 || s === 403 ? `refused: the token was not accepted (HTTP ${s})` : `HTTP ${s} ${e.response.statusText}${e.message && !e.message.startsWith("Invalid response") ? `: ${e.message}` : ""}`;
  } else if (e instanceof ServerConnection.NetworkError) why = `not answering: ${e.message}`;
  else why = (e as Error)?.message ?? String(e);
  return redact(why.split("\n")[0]!, [host]);
}

/** fetch with a deadline, its failures turned into words (they become NetworkError's message). */
function boundedFetch(ms: number): typeof fetch {
  return async (input, init) => {
    try {
      return await fetch(input, { ...init, signal: AbortSignal.timeout(ms) });
    } catch (e) {
      throw new TypeError(networkWords(e, ms));
    }
  };
}

type WsCtor = new (url: string, protocols?: string | string[], options?: { headers?: Record<string, string>; handshakeTimeout?: number }) => unknown;

/** Server settings for `host`: bounded requests, the token in headers only. */
export function serverSettings(host: FleetHost, requestMs = TIMEOUTS.requestMs): ServerConnection.ISettings {
  // services' own WebSocket under Node is the `ws` package; a subclass adds the header
  const Ws = ServerConnection.makeSettings().WebSocket as unknown as WsCtor;
  const headers: Record<string, string> = host.token ? { Authorization: `token ${host.token}` } : {};
  class AuthWebSocket extends (Ws as new (...a: ConstructorParameters<WsCtor>) => object) {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers, handshakeTimeout: requestMs });
    }
  }
  return ServerConnection.makeSettings({
    baseUrl: host.baseUrl,
    wsUrl: host.baseUrl.replace(/^http/, "ws"),
    token: host.token,
    appendToken: false,
    fetch: boundedFetch(requestMs),
    WebSocket: AuthWebSocket as unknown as typeof WebSocket,
  });
}

/** `p`, or a rejection with `why` after `ms`. */
export function within<T>(p: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(why)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The kernelspec names a host offers; throws HostError in words. */
export async function kernelspecs(host: FleetHost): Promise<string[]> {
  try {
    const specs = await KernelSpecAPI.getSpecs(serverSettings(host));
    return Object.keys(specs.kernelspecs);
  } catch (e) {
    throw new HostError(host.name, failureWords(host, e));
  }
}

/** Why `host` cannot start its kernelspec, when the kernelspec is missing there; throws HostError in words. */
export async function missingKernelspec(host: FleetHost): Promise<string | undefined> {
  const specs = await kernelspecs(host);
  return specs.includes(host.kernel) ? undefined : `no ${host.kernel} kernelspec there (it has ${specs.join(", ") || "none"}): run \`tracebook install\` on it`;
}

export interface ExecuteResult {
  readonly status: "ok" | "error" | "aborted";
  readonly ename?: string;
  readonly evalue?: string;
}

/** A running remote kernel: execute, interrupt, shut down; `lost` settles when it is gone. */
export class RemoteKernel {
  readonly lost: Promise<string>;
  #lose!: (why: string) => void;
  #gone: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(
    readonly host: FleetHost,
    readonly id: string,
    readonly conn: Kernel.IKernelConnection,
    readonly settings: ServerConnection.ISettings,
  ) {
    this.lost = new Promise((resolve) => (this.#lose = resolve));
    conn.connectionStatusChanged.connect((_, s) => {
      if (s === "connected") {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      } else if (s === "connecting") {
        this.#timer ??= setTimeout(() => this.#markLost(`connection lost, not back within ${TIMEOUTS.lostMs / 1000} s`), TIMEOUTS.lostMs);
      } else this.#markLost("connection closed by the server");
    });
    conn.statusChanged.connect((_, s) => {
      if (s === "dead") this.#markLost("its kernel died");
      else if (s === "autorestarting" || s === "restarting") this.#markLost("its kernel died (the server is restarting it)");
    });
  }

  /** Why it is gone, once it is. */
  get gone(): string | undefined {
    return this.#gone;
  }

  /** Give up on it (it did not stop in time): its execute rejects with `why`. */
  abandon(why: string): void {
    this.#markLost(why);
  }

  #markLost(why: string): void {
    if (this.#gone !== undefined || this.#closed) return;
    this.#gone = why;
    clearTimeout(this.#timer);
    this.#lose(why);
  }

  /** Start `host.kernel` there and wait for its kernel_info; throws HostError in words. */
  static async start(host: FleetHost, signal?: AbortSignal): Promise<RemoteKernel> {
    const settings = serverSettings(host);
    let model: Kernel.IModel;
    try {
      model = await within(KernelAPI.startNew({ name: host.kernel }, settings), TIMEOUTS.startMs, `no ${host.kernel} kernel within ${TIMEOUTS.startMs / 1000} s`);
    } catch (e) {
      // Jupyter Server answers a missing kernelspec with a bare HTTP 500: say what it means
      const missing = e instanceof ServerConnection.ResponseError ? await missingKernelspec(host).catch(() => undefined) : undefined;
      throw new HostError(host.name, missing ?? failureWords(host, e));
    }
    const conn = new KernelConnection({ model, serverSettings: settings, handleComms: false });
    const remote = new RemoteKernel(host, model.id, conn, settings);
    try {
      const aborted = new Promise<never>((_, reject) => signal?.addEventListener("abort", () => reject(new Error("interrupted while starting")), { once: true }));
      await within(Promise.race([conn.info, remote.lost.then((why) => Promise.reject(new Error(why))), aborted]), TIMEOUTS.startMs, `its kernel did not answer within ${TIMEOUTS.startMs / 1000} s`);
    } catch (e) {
      await remote.shutdown();
      throw new HostError(host.name, failureWords(host, e));
    }
    return remote;
  }

  /** Run `code`; iopub messages go to `onIOPub`. Rejects with HostError when the host is lost. */
  async execute(code: string, onIOPub: (msg: KernelMessage.IIOPubMessage) => void): Promise<ExecuteResult> {
    if (this.#gone !== undefined) throw new HostError(this.host.name, this.#gone);
    const future = this.conn.requestExecute({ code, stop_on_error: true, store_history: false, allow_stdin: false });
    future.onIOPub = onIOPub;
    const reply = await Promise.race([
      future.done,
      this.lost.then((why) => Promise.reject(new HostError(this.host.name, why))),
    ]).catch((e: unknown) => {
      if (e instanceof HostError) throw e;
      throw new HostError(this.host.name, this.#gone ?? failureWords(this.host, e));
    });
    const c = reply.content as { status: "ok" | "error" | "aborted"; ename?: string; evalue?: string };
    return { status: c.status, ...(c.ename !== undefined && { ename: c.ename }), ...(c.evalue !== undefined && { evalue: redact(c.evalue, [this.host]) }) };
  }

  /** Ask the kernel to stop its cell (REST interrupt); errors are the caller's to name. */
  async interrupt(): Promise<void> {
    if (this.#gone !== undefined) return;
    try {
      await KernelAPI.interruptKernel(this.id, this.settings);
    } catch (e) {
      throw new HostError(this.host.name, failureWords(this.host, e));
    }
  }

  /** Shut the kernel down (bounded; a server that is gone is only forgotten). Idempotent. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    // A kernel the server restarted after it died has services reconnecting with a promise
    // nobody holds, rejected if the connection is disposed under it: let it settle first.
    if (this.conn.connectionStatus === "connecting") await this.#settled(TIMEOUTS.lostMs);
    // also when its kernel died: the server may have started a new one in its place, and
    // refuses (HTTP 500) to delete a kernel it is restarting: ask again for a few seconds
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await KernelAPI.shutdownKernel(this.id, this.settings);
          break;
        } catch (e) {
          if (!(e instanceof ServerConnection.ResponseError) || e.response.status === 404 || attempt >= 5) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    } finally {
      this.conn.dispose();
    }
  }

  /** Until the connection is connected or disconnected, at most `ms`. */
  #settled(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.conn.connectionStatusChanged.disconnect(check);
        resolve();
      };
      const check = (_: unknown, s: string) => void (s !== "connecting" && done());
      const timer = setTimeout(done, ms);
      this.conn.connectionStatusChanged.connect(check);
    });
  }
}
