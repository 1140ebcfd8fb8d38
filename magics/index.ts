// magics/ — the interpreter: what a cell means (%line and %%cell magics, DSL and %%ts
// cells over the bpf/ session) and what it shows (display/: map snapshot -> MIME bundle).
// It joins the engine and the protocol: imports bpf/ and kernel/ (the Interpreter
// interface, serveKernel); must not import native/ or zeromq, and nothing in bpf/ or
// kernel/ may import magics/. main.ts is the kernel process; entry.ts the bundle's entry.
export { createInterpreter } from "./interpreter.ts";
