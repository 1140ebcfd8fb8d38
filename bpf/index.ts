// bpf/ — the tracing engine, usable without Jupyter (a library and bpftrace's CLI). It
// owns the language (lang/), its types (types/), checking (check/), the functions and
// builtins as rows (functions/), code generation (codegen/) through our own assembler
// (asm/), probe kinds (probes/), maps and their decoding (maps/), loading, attaching and
// draining (runtime/), bpftrace's text and JSON formats (output/), kernel facts (btf/,
// elf/, symbols/), and the long-lived Session (session.ts).
//
// It may import native/ (the only FFI) and nothing else of ours: never magics/ or kernel/
// (the interpreter and the Jupyter protocol sit above it). Inside, folders form no
// circle; the order runs types, lang, asm, btf/elf/symbols, probes, output, functions,
// check, codegen, maps, runtime, session (test/unit/fence.test.ts).
//
// This is its face: what magics/ (and any other user of the engine) needs.

// the session: compile, run, maps by name, history
export { Session, type RunOptions } from "./session.ts";
export { describeError } from "./errors.ts";
export { makeSymbolizer } from "./runtime/symbolize.ts";
export type { RunProgress } from "./runtime/run.ts";
export { iteratorsAllowed, machineEnv } from "./runtime/features.ts";
export { parsePid } from "./runtime/process-exit.ts";
export { CommandError, startCommand, type ChildCommand } from "./runtime/child-command.ts";

// the language and its checking
export { isComplete, parse, splitProgramArgs, tokenAt } from "./lang/index.ts";
export { check } from "./check/checker.ts";
export { builtins } from "./check/builtins.ts";
export { functions } from "./functions/index.ts";
export { btfFieldNames } from "./btf/btf-types.ts";
export { renderDiagnostics } from "./types/diagnostic.ts";
export { disassemble } from "./asm/index.ts";

// probes on this machine
export { providers } from "./probes/index.ts";
export { listProbes } from "./probes/listing.ts";
export type { CompileEnv } from "./probes/env.ts";

// maps and what they print
export type { Type } from "./types/types.ts";
export { describeMap } from "./types/map-info.ts";
export type { Aggregate, HistValue, LhistValue, MapEntry, MapSnapshot, Value } from "./types/snapshot.ts";
export { snapshotFromJson, snapshotToJson } from "./maps/snapshot-json.ts";
export { average, bucketRows, bucketTotal, formatMap, keyText, orderEntries, valueText } from "./output/index.ts";
