// The expansion passes between parse and check, in bpftrace's order
// (src/ast/passes/parse_passes.h): macros first (a macro's expression parameter may share
// a name with a #define: the parameter wins), then C #defines on what is left, then the
// getopt() calls, which macros and defines may have produced, and last the positional
// parameters (bpftrace folds them with the literals). Header constants expand with the
// #defines. A call ending a block expression assigned to a map is lifted into the
// assignment (map-sugar.ts) once macros are inlined. Pure; never throws.
import type * as A from "./ast.ts";
import { diagnostic, type Diagnostic } from "../types/diagnostic.ts";
import { expandDefines, type HeaderConstant } from "./define-expand.ts";
import { unwrapBuiltins } from "./builtin-wrappers.ts";
import { expandMacros } from "./macro-expand.ts";
import { resolveGetopt, type ProgramOption } from "./program-options.ts";
import { resolvePositional } from "./positional.ts";
import { liftMapAssignments } from "./map-sugar.ts";

export interface ExpandOptions {
  /** Named program options as given after `--`, without their `--`: "depth=5", "errname". */
  readonly programOptions?: readonly string[];
  /** Constants of the program's #includes (includes.ts), used where no #define of the program names them. */
  readonly headerConstant?: HeaderConstant;
  /** Positional parameters `$1`..`$N` (absent: left for the checker, as a missing one is 0). */
  readonly positional?: readonly string[];
  /** Whether a name is a builtin (`comm`) of the language; `builtin-wrappers.ts`. */
  readonly builtin?: (name: string) => boolean;
  /** Whether a name is a function (`kstack()`) of the language. */
  readonly function?: (name: string) => boolean;
}

export interface ExpandResult {
  readonly program: A.Program;
  readonly diagnostics: readonly Diagnostic[];
  /** The options the program reads with getopt(), for `--help`. */
  readonly options: readonly ProgramOption[];
}

export function expand(program: A.Program, opts: ExpandOptions = {}): ExpandResult {
  try {
    const builtin = opts.builtin ?? (() => false);
    const fn = opts.function ?? (() => false);
    const macros = expandMacros(program, (name) => builtin(name) || fn(name));
    const wrapped = liftMapAssignments(unwrapBuiltins(macros.program, builtin, fn));
    const defines = expandDefines(wrapped, opts.headerConstant);
    const getopt = resolveGetopt(defines.program, opts.programOptions ?? []);
    return {
      program: opts.positional ? resolvePositional(getopt.program, opts.positional) : getopt.program,
      diagnostics: [...macros.diagnostics, ...defines.diagnostics, ...getopt.diagnostics],
      options: getopt.options,
    };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { program, diagnostics: [diagnostic("SemanticError", program.span, `internal error in macro expansion: ${msg}`)], options: [] };
  }
}
