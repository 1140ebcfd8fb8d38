// Serves one Jupyter kernel: reads the connection file, binds the sockets and runs the
// dispatch over the given Interpreter until shutdown_request or SIGTERM. Knows nothing of
// what a cell means; magics/main.ts hands in the interpreter.
import { readConnectionFile } from "./connection.ts";
import { Kernel } from "./dispatch.ts";
import type { Interpreter } from "./interpreter.ts";
import { bindTransport } from "./transport.ts";

const defaultLog = (line: string): void => void process.stderr.write(`tracebook: ${line}\n`);

/** Serves the kernel; resolves with the process's exit code (0 on shutdown, 143 on SIGTERM). */
export async function serveKernel(
  connectionFile: string,
  interpreter: Interpreter,
  log: (line: string) => void = defaultLog,
): Promise<number> {
  const info = readConnectionFile(connectionFile);
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
