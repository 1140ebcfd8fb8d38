// The built CLI (bin/tracebook.js) spawned with pipes: stdout lines are handed to `onLine`
// as they arrive, which may signal the child (e.g. once the notify line says the probes
// are attached). Callers build first (`npm run build`): dist/ is per worktree.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = `${ROOT}bin/tracebook.js`;

export interface CliOut {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; nodeArgs?: readonly string[]; wrap?: readonly string[]; onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void; timeoutMs?: number } = {},
): Promise<CliOut> {
  return new Promise((resolve) => {
    const argv = [process.execPath, ...(opts.nodeArgs ?? []), BIN, ...args];
    // `wrap`: a command that runs the rest (setpriv --reuid=... for an ordinary user)
    const [cmd, ...rest] = [...(opts.wrap ?? []), ...argv] as [string, ...string[]];
    const child = spawn(cmd, rest, { env: { ...process.env, ...opts.env }, ...(opts.cwd !== undefined && { cwd: opts.cwd }), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let buf = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 15_000);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        opts.onLine?.(line, (s) => child.kill(s));
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
