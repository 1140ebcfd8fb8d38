// Errors shared by the passes and the runtime.
import type { Diagnostic } from "./diagnostic.ts";

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
