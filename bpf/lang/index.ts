// bpf/lang: the Tracebook (bpftrace-compatible) language front end — scanning, the
// grammar, the AST, source spans, parse diagnostics and the settings a `config = { ... }`
// block sets (settings.ts). It turns text into a Program;
// it knows nothing of probes that exist on this machine, types, or bytecode. The probe
// kinds' names and aliases it reads from bpf/probes' registry (which imports no lang/).
// It must not import native/, kernel/ or magics/ (nor bpf/check or bpf/codegen).
export type * from "./ast.ts";
export { parse, parseExpression, type ParseOptions, type ParseResult } from "./parse.ts";
export { expand, type ExpandOptions, type ExpandResult } from "./expand.ts";
export { readIncludes, type IncludedConstants } from "./includes.ts";
export { splitProgramArgs, type ProgramOption } from "./program-options.ts";
export { isComplete, type Completeness } from "./complete.ts";
export { tokenAt, type TokenAtCursor } from "./token-at.ts";
export { printExpr, printStmt, printProgram, printType, printAttachPoint } from "./printer.ts";
export { providerAliases, canonicalProvider } from "./attach-point.ts";
export { SourceText, joinSpans } from "./source.ts";
