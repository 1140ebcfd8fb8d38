// kernel/ — the Jupyter side of Tracebook (xeus' split, STYLE.md §8):
//   transport.ts  ZeroMQ sockets and heartbeat (the ONLY importer of zeromq)
//   wire.ts       wire format and HMAC signing;  message.ts  message types
//   dispatch.ts   the dispatch table, busy/idle, the execute queue, interrupts
//   cell-output.ts  what a running cell writes (batched streams, displays)
//   interpreter.ts  the seam to magics/ (the dispatch only talks to an Interpreter)
//   display/      map snapshot → MIME bundle;  kernelspec.ts, cli.ts  install and entry
// Must not import bpf/ or native/ directly except through the lazily imported
// magics/interpreter.ts and bpf/cli.ts entry points in cli.ts; nothing in bpf/ may
// import kernel/.
export { Kernel, type KernelOptions } from "./dispatch.ts";
export type { CellContext, ExecuteOutcome, Interpreter, MimeBundle } from "./interpreter.ts";
export { installKernelSpec, kernelSpec, type InstallTarget } from "./kernelspec.ts";
