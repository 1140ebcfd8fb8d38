// Errors shared by the passes and the runtime.
import type { Diagnostic } from "./diagnostic.ts";

/** A cell that did not compile: its diagnostics and their rendered text. */
export class CompileFailure extends Error {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    readonly rendered: string,
  ) {
    super(rendered);
  }
}
