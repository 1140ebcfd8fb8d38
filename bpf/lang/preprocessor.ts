// The C preprocessor lines at the top of a program: `#include`, `#define`, and the
// conditionals that bpftrace's tools wrap around them (`#ifndef BPFTRACE_HAVE_BTF`).
// bpftrace hands these to clang; we have no clang, so we keep what the later passes
// can use (includes, object- and function-like defines) and evaluate conditionals on
// the names we know. BPFTRACE_HAVE_BTF is predefined by default: Tracebook takes kernel
// types from BTF, which is what bpftrace defines it for.
import type { CDefine } from "./ast.ts";

export interface DirectiveEffects {
  readonly includes: string[];
  readonly defines: CDefine[];
  /** Told of each active #include, with whether it was "quoted". */
  readonly onInclude?: (name: string, quoted: boolean) => void;
}

export type DirectiveProblem = { message: string; hints?: string[]; severity: "error" | "warning" };

interface Cond {
  /** Whether lines in the current branch are kept. */
  active: boolean;
  /** Whether some earlier branch of this #if chain was taken. */
  taken: boolean;
  /** Whether the enclosing region is active. */
  parentActive: boolean;
  sawElse: boolean;
}

export class Preprocessor {
  private readonly defined: Set<string>;
  private readonly stack: Cond[] = [];

  constructor(predefined: readonly string[]) {
    this.defined = new Set(predefined);
  }

  get active(): boolean {
    return this.stack.length === 0 || (this.stack[this.stack.length - 1] as Cond).active;
  }

  get openConditionals(): number {
    return this.stack.length;
  }

  /**
   * Apply one directive line (without the trailing newline; continuation lines joined).
   * `makeDefine` builds the AST node (the caller knows the span).
   */
  directive(
    line: string,
    effects: DirectiveEffects,
    makeDefine: (name: string, params: string[] | undefined, value: string) => CDefine,
  ): DirectiveProblem | undefined {
    const m = /^#\s*([A-Za-z_]\w*)?\s*([\s\S]*)$/.exec(line);
    const name = m?.[1] ?? "";
    const rest = stripComments(m?.[2] ?? "").trim();
    switch (name) {
      case "ifdef":
      case "ifndef": {
        const id = /^[A-Za-z_]\w*/.exec(rest)?.[0];
        if (id === undefined) return { message: `#${name} needs a macro name`, severity: "error" };
        const value = this.defined.has(id) === (name === "ifdef");
        this.push(value);
        return undefined;
      }
      case "if": {
        const value = this.evaluate(rest);
        this.push(value ?? true);
        return value === undefined
          ? { message: `cannot evaluate '#if ${rest}'; assuming it is true`, severity: "warning" }
          : undefined;
      }
      case "elif": {
        const top = this.stack[this.stack.length - 1];
        if (top === undefined || top.sawElse) return { message: "#elif without #if", severity: "error" };
        const value = this.evaluate(rest);
        top.active = top.parentActive && !top.taken && (value ?? true);
        top.taken ||= top.active;
        return undefined;
      }
      case "else": {
        const top = this.stack[this.stack.length - 1];
        if (top === undefined || top.sawElse) return { message: "#else without #if", severity: "error" };
        top.sawElse = true;
        top.active = top.parentActive && !top.taken;
        top.taken = true;
        return undefined;
      }
      case "endif":
        if (this.stack.pop() === undefined) return { message: "#endif without #if", severity: "error" };
        return undefined;
    }
    if (!this.active) return undefined;
    switch (name) {
      case "include": {
        const inc = /^(?:<([^>\n]*)>|"([^"\n]*)")/.exec(rest);
        if (inc === null) {
          return { message: "malformed #include: expected <file> or \"file\"", severity: "error" };
        }
        effects.includes.push(inc[1] ?? inc[2] ?? "");
        effects.onInclude?.(inc[1] ?? inc[2] ?? "", inc[2] !== undefined);
        return undefined;
      }
      case "define": {
        const d = /^([A-Za-z_]\w*)(\(([^)]*)\))?\s*([\s\S]*)$/.exec(rest);
        if (d === null) return { message: "#define needs a macro name", severity: "error" };
        const id = d[1] as string;
        const params = d[2] === undefined
          ? undefined
          : (d[3] ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "");
        this.defined.add(id);
        effects.defines.push(makeDefine(id, params, (d[4] ?? "").trim()));
        return undefined;
      }
      case "undef": {
        const id = /^[A-Za-z_]\w*/.exec(rest)?.[0];
        if (id !== undefined) this.defined.delete(id);
        const i = effects.defines.findIndex((x) => x.name === id);
        if (i >= 0) effects.defines.splice(i, 1);
        return undefined;
      }
      case "pragma":
      case "line":
        return { message: `#${name} is ignored`, severity: "warning" };
      case "error":
        return { message: `#error ${rest}`, severity: "error" };
      case "warning":
        return { message: `#warning ${rest}`, severity: "warning" };
      default:
        return { message: `unknown preprocessor directive '#${name}'`, severity: "error" };
    }
  }

  private push(value: boolean): void {
    const parentActive = this.active;
    this.stack.push({ active: parentActive && value, taken: value, parentActive, sawElse: false });
  }

  /** `0`, `1`, `defined(X)`, `defined X`, `!...`; anything else is unknown. */
  private evaluate(expr: string): boolean | undefined {
    const e = expr.trim();
    if (/^\d+$/.test(e)) return e !== "0" && !/^0+$/.test(e);
    if (e.startsWith("!")) {
      const v = this.evaluate(e.slice(1));
      return v === undefined ? undefined : !v;
    }
    const d = /^defined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))$/.exec(e);
    if (d !== null) return this.defined.has(d[1] ?? d[2] ?? "");
    return undefined;
  }
}

function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/.*$/gm, "");
}
