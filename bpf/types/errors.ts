// Errors shared by the passes and the runtime.
import type { Diagnostic } from "./diagnostic.ts";
import type { Span } from "./span.ts";

/** A program left with no probe at all (each was skipped, or --probe-filter matched none): bpftrace's words. */
export class NoProbesError extends Error {
  constructor() {
    super("No probes to attach");
  }
}

/** A cell that did not compile: its diagnostics and their rendered text. */
export class CompileFailure extends Error {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    readonly rendered: string,
  ) {
    super(rendered);
  }
}

/**
 * A construct the generator cannot emit (a checked program it does not support yet, a
 * symbol gone since checking): compile turns it into a diagnostic at `span`.
 */
export class CodegenError extends Error {
  constructor(
    message: string,
    readonly span: Span,
  ) {
    super(message);
  }
}
