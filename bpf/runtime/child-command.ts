// -c CMD (the CLI's flag and `%%bt -c` in a notebook): the command runs under the
// program's probes, as bpftrace runs it. Its process exists before the program compiles
// (its pid is `cpid`, and uprobes/USDT are scoped to it) but waits, blocked on a pipe,
// until every probe is attached; then it execs the command. The run ends when it exits.
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { Readable, Writable } from "node:stream";

/** The command cannot be started (not found, not executable), found before any probe is loaded. */
export class CommandError extends Error {
  override readonly name = "CommandError";
}

export interface ChildCommand {
  readonly pid: number;
  /** Aborted once the command has exited (and, when piped, its output has been read). */
  readonly exited: AbortSignal;
  /** Let the command run: call once every probe is attached. */
  release(): void;
  /** End the command if it still runs (SIGTERM), released or not. */
  kill(): void;
}

export interface CommandOptions {
  /** Where its stdout and stderr go: this process's own (the CLI), or callbacks (a cell). */
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** How long to wait, once the command exited, for the rest of its output. */
const OUTPUT_GRACE_MS = 200;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The file `name` runs, as a shell finds it: a name with a slash as it is, else on $PATH. */
export function resolveCommand(name: string, path = process.env.PATH ?? "/usr/bin:/bin"): string | undefined {
  if (name.includes("/")) return executable(name) ? name : undefined;
  for (const dir of path.split(delimiter)) {
    const p = join(dir || ".", name);
    if (executable(p)) return p;
  }
  return undefined;
}

/**
 * Start `argv` held back until release(). Throws CommandError when argv[0] is not an
 * executable file, so a command that cannot run fails before any probe is attached.
 */
export function startCommand(argv: readonly string[], opts: CommandOptions = {}): ChildCommand {
  const [name, ...rest] = argv;
  if (name === undefined) throw new CommandError("-c needs a command");
  const file = resolveCommand(name, opts.env?.PATH ?? process.env.PATH);
  if (file === undefined) throw new CommandError(`command not found: ${name}`);
  const piped = opts.stdout !== undefined || opts.stderr !== undefined;
  // `|| exit`: should this process go away before release, the gate reads EOF, and the
  // command must not run untraced.
  const child = spawn("/bin/sh", ["-c", 'read _ <&3 || exit 126; exec "$@"', "sh", file, ...rest], {
    stdio: [piped ? "ignore" : "inherit", piped ? "pipe" : "inherit", piped ? "pipe" : "inherit", "pipe"],
    ...(opts.env && { env: opts.env }),
  });
  const forward = (stream: Readable | null, to: ((text: string) => void) | undefined) => {
    if (!stream) return Promise.resolve();
    stream.setEncoding("utf8");
    stream.on("data", (text: string) => to?.(text));
    return new Promise<void>((resolve) => stream.once("close", resolve));
  };
  if (child.pid === undefined) throw new CommandError(`run ${name}: cannot start /bin/sh`);
  const outputDone = Promise.all([forward(child.stdout, opts.stdout), forward(child.stderr, opts.stderr)]);
  const gate = child.stdio[3] as Writable;
  gate.on("error", () => {}); // EPIPE when the child was killed before release
  const ctl = new AbortController();
  let gone = false;
  child.once("exit", () => {
    gone = true;
    // a command that left a background process holding its stdout ends the run all the same
    const grace = new Promise((r) => setTimeout(r, OUTPUT_GRACE_MS).unref());
    void Promise.race([outputDone, grace]).then(() => ctl.abort());
  });
  child.once("error", () => {
    gone = true;
    ctl.abort();
  });
  return {
    pid: child.pid,
    exited: ctl.signal,
    release: () => {
      if (!gate.writableEnded) gate.end("go\n");
    },
    kill: () => {
      if (!gone) child.kill("SIGTERM");
      gate.destroy();
    },
  };
}
