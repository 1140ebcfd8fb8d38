// Named program options (docs/language.md "Named Parameters", docs/stdlib.md `getopt`):
// `tracebook tool.bt -- --depth=5 --errname` and `getopt("depth", 35, "help text")` in the
// program. The default's type is the option's type (no default: bool); `--name=value` sets
// a value, a bare `--name` sets a bool option to true. We know the values when we compile,
// so each getopt() call becomes a literal (bpftrace keeps them in global variables that it
// sets at load time: the same values).
import type * as A from "./ast.ts";
import { diagnostic, type Diagnostic } from "../types/diagnostic.ts";
import { Transformer } from "./transform.ts";

export interface ProgramOption {
  readonly name: string;
  readonly type: "bool" | "uint" | "int" | "string";
  readonly default: boolean | bigint | string;
  readonly description: string;
}

/**
 * bpftrace's rule for the words after the program: each one that starts with `--` is a
 * named option (`--` itself only ends bpftrace's own options), every other one is a
 * positional parameter ($1, $2, ...), before or after the `--`.
 */
export function splitProgramArgs(args: readonly string[]): { positional: string[]; options: string[] } {
  const positional: string[] = [];
  const options: string[] = [];
  for (const a of args) {
    if (a === "--") continue;
    if (a.startsWith("--")) options.push(a.slice(2));
    else positional.push(a);
  }
  return { positional, options };
}

/** `name=value` → [name, value]; a bare `name` → [name, undefined]. */
function splitOption(o: string): [string, string | undefined] {
  const eq = o.indexOf("=");
  return eq < 0 ? [o, undefined] : [o.slice(0, eq), o.slice(eq + 1)];
}

/** Replace every getopt() call by its value; `given` are the options without their `--`. */
export function resolveGetopt(
  program: A.Program,
  given: readonly string[],
): { program: A.Program; diagnostics: Diagnostic[]; options: ProgramOption[] } {
  const values = new Map(given.map(splitOption));
  const r = new GetoptResolver(values);
  const out = r.program(program);
  const unexpected = [...values.keys()].filter((n) => n !== "help" && !r.options.has(n));
  if (unexpected.length > 0) {
    const at = { ...program.span, endLine: program.span.line, endCol: program.span.col, endOffset: program.span.offset };
    const known = [...r.options.keys()].map((n) => `--${n}`).join(", ");
    r.diags.push({
      ...diagnostic("SemanticError", at, `unexpected program command line options: ${unexpected.map((n) => `--${n}`).join(", ")}`, [
        known ? `expected program options: ${known}` : "no custom program options defined.",
      ]),
      unlocated: true,
    });
  }
  return { program: out, diagnostics: r.diags, options: [...r.options.values()] };
}

const TRUE = new Set(["1", "true", "on", "yes"]);
const FALSE = new Set(["0", "false", "off", "no"]);

class GetoptResolver extends Transformer {
  readonly options = new Map<string, ProgramOption>();
  readonly diags: Diagnostic[] = [];
  private readonly reported = new Set<string>();

  constructor(private readonly values: ReadonlyMap<string, string | undefined>) {
    super();
  }

  private error(span: A.Span, message: string, hints: string[] = []): void {
    this.diags.push(diagnostic("SemanticError", span, message, hints));
  }

  override expr(e: A.Expr): A.Expr {
    if (e.kind !== "CallExpr" || e.callee !== "getopt") return super.expr(e);
    const opt = this.declare(e);
    if (opt === undefined) return super.expr(e);
    const value = this.value(opt, e.span);
    return literal(value ?? opt.default, e.span);
  }

  /** The option a getopt() call declares, or undefined (reported). */
  private declare(e: A.CallExpr): ProgramOption | undefined {
    const [name, def, desc] = e.args;
    if (e.args.length < 1 || e.args.length > 3) {
      this.error(e.span, `getopt() takes 1 to 3 arguments, got ${e.args.length}`);
      return undefined;
    }
    if (name?.kind !== "StrLit") {
      this.error((name ?? e).span, "getopt() needs the option's name as a string literal");
      return undefined;
    }
    let type: ProgramOption["type"] = "bool";
    let dflt: ProgramOption["default"] = false;
    if (def?.kind === "BoolLit") dflt = def.value;
    else if (def?.kind === "StrLit") [type, dflt] = ["string", def.value];
    else if (def?.kind === "IntLit") [type, dflt] = ["uint", def.value];
    else if (def?.kind === "UnaryExpr" && def.op === "-" && def.operand.kind === "IntLit") [type, dflt] = ["int", -def.operand.value];
    else if (def !== undefined) {
      this.error(def.span, "getopt() default must be a string, integer or boolean literal");
      return undefined;
    }
    let description = "";
    if (desc !== undefined) {
      if (desc.kind !== "StrLit") {
        this.diags.push(diagnostic("SemanticError", desc.span, "getopt() description must be a string literal", [], "warning"));
      } else description = desc.value;
    }
    const prev = this.options.get(name.value);
    if (prev !== undefined) {
      if (prev.type !== type || prev.default !== dflt) {
        this.error(e.span, `program option --${name.value} needs the same default everywhere it is used; it was ${String(prev.default)}`, [
          "put the getopt() call in a macro and use the macro",
        ]);
        return undefined;
      }
      if (description && prev.description && description !== prev.description) {
        this.error(e.span, `program option --${name.value} must have the same description everywhere it is used`);
        return undefined;
      }
      if (!description) description = prev.description;
    }
    const opt: ProgramOption = { name: name.value, type, default: dflt, description };
    this.options.set(opt.name, opt);
    return opt;
  }

  /** The value given on the command line, or undefined for the default. */
  private value(opt: ProgramOption, span: A.Span): ProgramOption["default"] | undefined {
    if (!this.values.has(opt.name)) return undefined;
    const raw = this.values.get(opt.name);
    const bad = (what: string): undefined => {
      const message = `program command line option --${opt.name} ${what} (value: ${raw ?? "true"})`;
      if (!this.reported.has(opt.name)) this.diags.push({ ...diagnostic("SemanticError", span, message), unlocated: true });
      this.reported.add(opt.name);
      return undefined;
    };
    switch (opt.type) {
      case "bool": {
        if (raw === undefined || TRUE.has(raw.toLowerCase())) return true;
        if (FALSE.has(raw.toLowerCase())) return false;
        return bad("expects a boolean (e.g. 'true')");
      }
      case "string":
        return raw === undefined ? bad("expects a string") : raw;
      case "uint":
      case "int": {
        if (raw === undefined) return bad("expects an integer");
        // strtoull's words, as bpftrace reports them: nothing numeric at the start, or something after
        if (!/^[+-]?\d/.test(raw)) return bad("invalid integer");
        if (!/^[+-]?(\d+|0[xX][0-9a-fA-F]+)$/.test(raw)) return bad("invalid trailing bytes");
        const neg = raw.startsWith("-");
        const v = BigInt(raw.replace(/^[+-]/, "")) * (neg ? -1n : 1n);
        const ok = opt.type === "uint" ? v >= 0n && v < 1n << 64n : v >= -(1n << 63n) && v < 1n << 63n;
        return ok ? v : bad("value is out of range");
      }
    }
  }
}

function literal(v: ProgramOption["default"], span: A.Span): A.Expr {
  if (typeof v === "boolean") return { kind: "BoolLit", value: v, span };
  if (typeof v === "string") return { kind: "StrLit", value: v, span };
  if (v < 0n) return { kind: "UnaryExpr", op: "-", operand: { kind: "IntLit", value: -v, raw: (-v).toString(), span }, span };
  return { kind: "IntLit", value: v, raw: v.toString(), span };
}
