// The kernel process (DESIGN.md): `tracebook kernel -f CONNECTION_FILE`, the argv of the
// kernelspec (kernel/kernelspec.ts). Starts kernel/ with this folder's interpreter.
import { serveKernel } from "../kernel/serve.ts";
import { createInterpreter } from "./interpreter.ts";

/** Runs the kernel for `args` (what follows `kernel`); resolves with the exit code. */
export function runKernel(args: readonly string[]): Promise<number> {
  return serveKernel(connectionFileArg(args), createInterpreter());
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
