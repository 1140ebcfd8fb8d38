// bpf/types: the vocabulary every pass shares — the checked language's types and their
// layout, source spans, diagnostics, "did you mean" suggestions, and the errors shared by
// passes and the runtime.
// It must not import any other folder of bpf/ (lang, check, codegen, probes, maps,
// runtime, output, ...), nor magics/ or kernel/, and of native/ only the pure constants
// of native/bpf-constants.ts (abi.ts): everything imports it, it imports nothing else.
export * from "./types.ts";
export * from "./span.ts";
export * from "./diagnostic.ts";
export * from "./errors.ts";
export * from "./suggest.ts";
