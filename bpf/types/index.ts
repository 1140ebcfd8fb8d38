// bpf/types: the vocabulary every pass shares — the checked language's types and their
// layout, user maps (map-info.ts) and their decoded snapshots (snapshot.ts), source
// spans, diagnostics, "did you mean" suggestions, and the errors shared by passes and the
// runtime. It must not import any other folder of bpf/ (lang, check, codegen, probes,
// maps, runtime, output, ...), nor magics/ or kernel/, and of native/ only the pure
// constants of native/bpf-constants.ts and native/perf-constants.ts (abi.ts): everything
// imports it, it imports nothing else.
export * from "./types.ts";
export * from "./span.ts";
export * from "./diagnostic.ts";
export * from "./errors.ts";
export * from "./map-info.ts";
export * from "./snapshot.ts";
export * from "./internal-maps.ts";
export * from "./suggest.ts";
