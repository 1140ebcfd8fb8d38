// The `tracebook` process entry, bundled into dist/tracebook.js:
//   tracebook kernel -f CONNECTION_FILE    the Jupyter kernel
//   tracebook install [--user | --prefix P | --sys-prefix]
//   tracebook --version
//   tracebook ...anything else...          the bpftrace-like CLI (bpf/cli.ts)
import { readConnectionFile } from "./connection.ts";
import { Kernel } from "./dispatch.ts";
import { installKernelSpec, parseInstallArgs } from "./kernelspec.ts";
import { bindTransport } from "./transport.ts";
import { VERSION } from "./version.ts";

const log = (line: string): void => void process.stderr.write(`tracebook: ${line}\n`);

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "kernel":
      return runKernel(connectionFileArg(rest));
    case "install": {
      const dir = installKernelSpec(parseInstallArgs(rest));
      process.stdout.write(`installed kernelspec tracebook in ${dir}\n`);
      return 0;
    }
    case "--version":
    case "-V":
      process.stdout.write(`tracebook ${VERSION}\n`);
      return 0;
    default: {
      // Imported on demand: a missing or broken engine fails only this path.
      const { runBpftraceCli } = await import("../bpf/cli.ts");
      return runBpftraceCli([...argv]);
    }
  }
}

function connectionFileArg(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if ((a === "-f" || a === "--connection-file") && args[i + 1] !== undefined) return args[i + 1] as string;
    if (a.startsWith("-f=")) return a.slice(3);
    if (a.startsWith("--connection-file=")) return a.slice("--connection-file=".length);
  }
  throw new Error("kernel: missing -f CONNECTION_FILE");
}

async function runKernel(connectionFile: string): Promise<number> {
  const info = readConnectionFile(connectionFile);
  // Imported on demand, like the CLI: `tracebook install` must work without the engine.
  const { createInterpreter } = await import("../magics/interpreter.ts");
  const interpreter = createInterpreter();
  let kernel: Kernel | undefined;
  const pending: Array<[Parameters<Kernel["receive"]>[0], Buffer[]]> = [];
  const transport = await bindTransport(
    info,
    (channel, frames) => (kernel ? kernel.receive(channel, frames) : pending.push([channel, frames])),
    log,
  );
  return new Promise<number>((resolve) => {
    const k = new Kernel({
      interpreter,
      outbox: transport,
      key: info.key,
      signatureScheme: info.signature_scheme,
      log,
      onShutdown: () => {
        void transport.close().then(() => resolve(0));
      },
    });
    kernel = k;
    // Jupyter sends SIGINT for interrupt_mode "signal"; with "message" it may still come
    // from a terminal. Either way it interrupts the running cell, never the kernel.
    process.on("SIGINT", () => k.interrupt());
    // A stray exception in a cell's timer or callback must not take the session's
    // attached probes and maps down with it: log it and keep serving.
    process.on("uncaughtException", (e) => log(`uncaught exception: ${e.stack ?? String(e)}`));
    process.on("unhandledRejection", (e) => log(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));
    process.on("SIGTERM", () => {
      void interpreter
        .shutdown()
        .catch((e: unknown) => log(`shutdown on SIGTERM: ${(e as Error).message}`))
        .then(() => transport.close())
        .then(() => resolve(143));
    });
    k.start();
    for (const [channel, frames] of pending.splice(0)) k.receive(channel, frames);
  });
}

/** Runs main and exits with its code; used by dist/tracebook.js. */
export function run(argv: readonly string[] = process.argv.slice(2)): void {
  main(argv).then(
    (code) => process.exit(code),
    (e: unknown) => {
      log(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
