// Starts a real Jupyter Server (Debian's /usr/bin/jupyter) on a free port with a random
// token, seeing only the kernelspecs under a given JUPYTER_PATH and private config/data
// dirs, so the machine's own Jupyter setup cannot leak into a test.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "./jupyter-kernel-process.ts";

export const JUPYTER = process.env.ACCEPTANCE_JUPYTER ?? "/usr/bin/jupyter";

export interface JupyterServer {
  readonly baseUrl: string;
  readonly token: string;
  /** The server process (its kernels are its children). */
  readonly pid: number;
  log(): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Runs the server's argv through a wrapper (a cgroup, dropped capabilities): returns the argv to spawn. */
  readonly wrap?: (argv: string[]) => string[];
}

export async function startJupyterServer(jupyterPath: string, env: Record<string, string> = {}, opts: ServerOptions = {}): Promise<JupyterServer> {
  const [port] = (await freePorts(1)) as [number];
  const token = randomBytes(16).toString("hex");
  const home = mkdtempSync(join(tmpdir(), "tb-jupyter-"));
  const argv = [JUPYTER, "server", "--ServerApp.ip=127.0.0.1", `--port=${port}`, "--ServerApp.port_retries=0",
    `--ServerApp.token=${token}`, "--no-browser", `--ServerApp.root_dir=${home}`,
    // CI and the development machines run as root (PLATFORM.md).
    ...(process.getuid?.() === 0 ? ["--allow-root"] : [])];
  const [file, ...args] = opts.wrap ? opts.wrap(argv) : argv;
  const proc: ChildProcess = spawn(
    file!,
    args,
    {
      env: {
        ...process.env,
        ...env,
        JUPYTER_PATH: jupyterPath,
        JUPYTER_CONFIG_DIR: join(home, "config"),
        JUPYTER_DATA_DIR: join(home, "data"),
        JUPYTER_RUNTIME_DIR: join(home, "runtime"),
        PYDEVD_DISABLE_FILE_VALIDATION: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let log = "";
  proc.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const baseUrl = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`jupyter server exited (${proc.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${baseUrl}api/status`, { headers: { Authorization: `token ${token}` } });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`jupyter server did not come up within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    token,
    pid: proc.pid!,
    log: () => log,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}
