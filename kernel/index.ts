// kernel/ — Jupyter's protocol alone, like xeus (STYLE.md §8, DESIGN.md "Layout"): a
// library that serves any Interpreter, knowing nothing of BPF or of what a cell means.
//   connection.ts  the connection file;  transport.ts  ZeroMQ sockets and heartbeat (the
//                  ONLY importer of zeromq);  wire.ts  wire format and HMAC signing
//   message.ts     message types;  dispatch.ts  the dispatch table, busy/idle, the
//                  execute queue, interrupts;  cell-output.ts  what a running cell writes
//   interpreter.ts the interface magics/ implements;  serve.ts  serveKernel(file, interpreter)
//   kernelspec.ts  `tracebook install`;  version.ts  version and package root
// Must not import bpf/, magics/ or native/; magics/ imports kernel/, never the reverse.
export { Kernel, type KernelOptions } from "./dispatch.ts";
export type { CellContext, ExecuteOutcome, Interpreter, MimeBundle } from "./interpreter.ts";
export { installKernelSpec, kernelSpec, type InstallTarget } from "./kernelspec.ts";
export { serveKernel } from "./serve.ts";
