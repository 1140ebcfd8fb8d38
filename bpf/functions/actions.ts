// What a program tells user space through the event ring buffer: each record starts with
// a u64 action id, an index into ProgramSpec.actions, whose Action says what follows and
// which function's event hook (bpf/functions/) handles it in user space.
import type { FormatSpec } from "../output/printf-format.ts";
import type { Type } from "../types/types.ts";

/** What follows a record's action id. */
export type Action =
  | { readonly kind: "printf"; readonly format: string; readonly specs: readonly FormatSpec[]; readonly args: readonly ArgLayout[] }
  | { readonly kind: "exit" } // payload: s64 code
  | { readonly kind: "print"; readonly map: string; readonly top: number; readonly div: number }
  | { readonly kind: "print_value"; readonly arg: ArgLayout }
  | { readonly kind: "clear"; readonly map: string }
  | { readonly kind: "zero"; readonly map: string }
  | { readonly kind: "time"; readonly format: string }
  /** payload: `count` NUL-padded strings of `size` bytes; an empty one ends the list. */
  | { readonly kind: "join"; readonly separator: string; readonly count: number; readonly size: number }
  | { readonly kind: "cat"; readonly format: string; readonly specs: readonly FormatSpec[]; readonly args: readonly ArgLayout[] }
  | { readonly kind: "system"; readonly format: string; readonly specs: readonly FormatSpec[]; readonly args: readonly ArgLayout[] }
  /** errorf()/warnf() (and a failed assert()): printf's record, printed with the call's location. */
  | { readonly kind: "errorf" | "warnf"; readonly format: string; readonly specs: readonly FormatSpec[]; readonly args: readonly ArgLayout[]; readonly location: string; readonly expandedFrom?: string }
  /** -k: a helper that failed (payload: s64 return code), with the source it was called for. */
  | {
      readonly kind: "helper_error"; readonly helper: string; readonly location: string; readonly context: string;
      readonly filename: string; readonly line: number; readonly col: number;
    };

/** Where one argument sits in an event record (offset from the record start). */
export interface ArgLayout {
  readonly type: Type;
  readonly offset: number;
}
