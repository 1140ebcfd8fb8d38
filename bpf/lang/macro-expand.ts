// bpftrace macros (docs/language.md, "Macros"): `macro name($v, @m, e) { ... }` is inlined
// at each call. The rules are bpftrace's (src/ast/passes/macro_expansion.cpp):
//   - a `$v` parameter takes a variable and an `@m` parameter a map (bare, no keys): the
//     body uses and may change the caller's; an `e` parameter takes any expression, which is
//     substituted wherever `e` appears (evaluated once per use);
//   - hygiene: variables the body assigns or declares are its own, renamed `$$name_$v`
//     (`$$name_D_$v` at nesting depth D), and a map that was not passed in is an error;
//   - a body that ends in an expression without ';' has that value, so a call can be an
//     expression; a macro without parameters may be called as a bare identifier;
//   - macros may be overloaded by parameter count and kind; a call that matches none is an
//     error naming the closest definition; recursion is an error.
// A call in statement position becomes a block; in expression position, its value (or a
// BlockExpr when statements must run first). A call to a name no macro has is left alone:
// the checker reports an unknown function.
import type * as A from "./ast.ts";
import { diagnostic, type Diagnostic } from "../types/diagnostic.ts";
import { Transformer, cloneExpr } from "./transform.ts";

type Kind = "var" | "map" | "expr";

const paramKind = (p: string): Kind => (p.startsWith("$") ? "var" : p.startsWith("@") ? "map" : "expr");
const argKind = (e: A.Expr): Kind => (e.kind === "VarExpr" ? "var" : e.kind === "MapExpr" && e.keys.length === 0 ? "map" : "expr");
const kindWords: Record<Kind, string> = { var: "a variable", map: "a map", expr: "an expression" };

/** bpftrace's distance: 1024 per missing or extra argument, 1 per argument of the wrong kind. */
function distance(m: A.MacroDef, args: readonly Kind[]): number {
  let d = 1024 * Math.abs(m.params.length - args.length);
  for (let i = 0; i < Math.min(m.params.length, args.length); i++) {
    const p = paramKind(m.params[i]!);
    if (p !== "expr" && p !== args[i]) d++;
  }
  return d;
}

type Lookup = { macro: A.MacroDef } | { closest: A.MacroDef | undefined };

class Registry {
  private readonly byName = new Map<string, A.MacroDef[]>();

  constructor(
    macros: readonly A.MacroDef[],
    diags: Diagnostic[],
    /** A builtin or function of the language: a call no user macro matches stays a call to it. */
    readonly stdlib: (name: string) => boolean = () => false,
  ) {
    for (const m of macros) {
      const exists = this.lookup(m.name, m.params.map(paramKind));
      if ("macro" in exists) {
        diags.push(diagnostic("SemanticError", m.span, `redefinition of macro '${m.name}'`, [
          `the first definition is at line ${exists.macro.span.line}`,
        ]));
        continue;
      }
      if (!validParams(m, diags)) continue;
      const list = this.byName.get(m.name) ?? [];
      list.push(m);
      this.byName.set(m.name, list);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  lookup(name: string, args: readonly Kind[]): Lookup {
    let best: A.MacroDef | undefined;
    let bestD = Infinity;
    for (const m of this.byName.get(name) ?? []) {
      const d = distance(m, args);
      if (d === 0) return { macro: m };
      if (d < bestD) [best, bestD] = [m, d];
    }
    return { closest: best };
  }
}

function validParams(m: A.MacroDef, diags: Diagnostic[]): boolean {
  const seen = new Set<string>();
  for (const p of m.params) {
    if (seen.has(p)) {
      const what = { var: "variable", map: "map", expr: "identifier" }[paramKind(p)];
      diags.push(diagnostic("SemanticError", m.span, `macro '${m.name}': the ${what} ${p} is already a parameter`));
      return false;
    }
    seen.add(p);
  }
  return true;
}

/** Inline every macro call of `program`; the result has no macro definitions left. */
export function expandMacros(program: A.Program, stdlib?: (name: string) => boolean): { program: A.Program; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const registry = new Registry(program.macros ?? [], diagnostics, stdlib);
  const expander = new MacroExpander(registry, diagnostics, [], undefined);
  return { program: { ...expander.program(program), macros: [] }, diagnostics };
}

/** What the arguments of one call bind in the macro's body. */
interface Binding {
  readonly vars: ReadonlyMap<string, string>;
  readonly maps: ReadonlyMap<string, string>;
  readonly exprs: ReadonlyMap<string, A.Expr>;
}

class MacroExpander extends Transformer {
  /** Variables the body assigns or declares (renamed), in the order they were met. */
  private readonly own = new Set<string>();

  constructor(
    private readonly registry: Registry,
    private readonly diags: Diagnostic[],
    /** The macros being expanded, outermost first. */
    private readonly stack: readonly A.MacroDef[],
    /** Undefined at the top level (probe bodies), where nothing is renamed. */
    private readonly binding: Binding | undefined,
  ) {
    super();
  }

  private error(span: A.Span, message: string, hints: string[] = []): void {
    this.diags.push(diagnostic("SemanticError", span, message, hints));
  }

  private rename(v: string): string {
    if (!this.binding) return v;
    const bound = this.binding.vars.get(v);
    if (bound !== undefined) return bound;
    if (!this.own.has(v)) return v;
    const m = this.stack[this.stack.length - 1]!;
    return `$$${m.name}${this.stack.length === 1 ? "" : `_${this.stack.length}`}_${v}`;
  }

  /** A variable the body creates: its own unless it is a `$` parameter. */
  private declare(v: string): void {
    if (this.binding && !this.binding.vars.has(v)) this.own.add(v);
  }

  override stmt(s: A.Stmt): A.Stmt {
    switch (s.kind) {
      case "ExprStmt": {
        const inlined = this.call(s.expr);
        if (inlined === undefined) {
          // `x;` with x bound to a block expression: its statements run there, each time
          const r = super.stmt(s) as A.ExprStmt;
          if (r.expr.kind !== "BlockExpr") return r;
          return { kind: "BlockStmt", block: { ...r.expr.block, statements: valueStatements(r.expr) }, span: s.span };
        }
        if (inlined === "error") return { ...s, expr: cloneExpr(s.expr) };
        const value = inlined.value === undefined ? [] : valueStatements(inlined.value);
        return { kind: "BlockStmt", block: { ...inlined.body, statements: [...inlined.body.statements, ...value] }, span: s.span };
      }
      case "AssignStmt":
        if (s.target.kind === "VarExpr") this.declare(s.target.name);
        break;
      case "VarDeclStmt":
        if (this.binding?.vars.has(s.name)) {
          this.error(s.span, `the declaration of ${s.name} shadows a parameter of macro '${this.stack[this.stack.length - 1]!.name}'`);
        }
        this.declare(s.name);
        return { ...(super.stmt(s) as A.VarDeclStmt), name: this.rename(s.name) };
      case "ForRangeStmt":
      case "ForMapStmt":
        // bpftrace leaves loop variables alone; ours are not block-scoped, so they are the
        // macro's own like any variable it creates.
        this.declare(s.variable);
        return { ...(super.stmt(s) as A.ForRangeStmt | A.ForMapStmt), variable: this.rename(s.variable) };
      default:
        break;
    }
    return super.stmt(s);
  }

  /** A type named by an `e` parameter takes the type passed as `typeof(...)` (or a bare type name). */
  override typeSpec(t: A.TypeSpec): A.TypeSpec {
    const passed = t.of === undefined ? this.binding?.exprs.get(t.name) : undefined;
    if (passed === undefined) return super.typeSpec(t);
    if (passed.kind === "TypeofExpr") return { ...t, name: "typeof", of: (cloneExpr(passed) as A.TypeofExpr).target };
    if (passed.kind === "IdentExpr") return { ...t, name: passed.name };
    this.error(passed.span, `macro '${this.stack[this.stack.length - 1]!.name}' uses its parameter ${t.name} as a type, but was passed an expression`, [
      `pass a type as typeof(...), e.g. typeof(struct task_struct)`,
    ]);
    return { ...t };
  }

  override expr(e: A.Expr): A.Expr {
    switch (e.kind) {
      case "IdentExpr": {
        const passed = this.binding?.exprs.get(e.name);
        if (passed !== undefined) return cloneExpr(passed);
        break;
      }
      case "VarExpr":
        return { ...e, name: this.rename(e.name) };
      case "MapExpr": {
        if (!this.binding) break;
        const bound = this.binding.maps.get(e.name);
        if (bound === undefined) {
          this.error(e.span, `macro '${this.stack[this.stack.length - 1]!.name}' uses ${e.name}, which was not passed to it`, [
            "maps must be passed into a macro as arguments",
          ]);
          break;
        }
        return { ...e, name: bound, keys: e.keys.map((k) => this.expr(k)) };
      }
      default:
        break;
    }
    const inlined = this.call(e);
    if (inlined === undefined) return super.expr(e);
    if (inlined === "error") return cloneExpr(e);
    const { body, value } = inlined;
    if (value !== undefined && body.statements.length === 0) return value;
    return { kind: "BlockExpr", block: body, value, span: e.span };
  }

  /**
   * The inlined body when `e` calls a macro (`name(args)` or a bare `name`); undefined when
   * it is not a macro call; "error" when it is one that cannot be expanded (reported).
   */
  private call(e: A.Expr): { body: A.Block; value: A.Expr | undefined } | "error" | undefined {
    if (e.kind !== "CallExpr" && e.kind !== "IdentExpr") return undefined;
    const name = e.kind === "CallExpr" ? e.callee : e.name;
    if (!this.registry.has(name)) return undefined;
    if (e.kind === "IdentExpr" && this.binding?.exprs.has(name)) return undefined;
    // Arguments are expanded where they are written: in the caller's context.
    const args = e.kind === "CallExpr" ? e.args.map((a) => this.expr(a)) : [];
    const found = this.registry.lookup(name, args.map(argKind));
    if (!("macro" in found)) {
      // bpftrace's stdlib is macros too: a user macro of another signature does not hide it
      if (this.registry.stdlib(name)) return undefined;
      this.mismatch(e, name, args, found.closest);
      return "error";
    }
    const m = found.macro;
    const at = this.stack.indexOf(m);
    if (at >= 0) {
      const chain = [...this.stack.slice(at), m].map((x) => x.name).join(" > ");
      this.error(e.span, `recursive macro call: ${chain}`);
      return "error";
    }
    const vars = new Map<string, string>();
    const maps = new Map<string, string>();
    const exprs = new Map<string, A.Expr>();
    m.params.forEach((p, i) => {
      const a = args[i]!;
      if (paramKind(p) === "var") vars.set(p, (a as A.VarExpr).name);
      else if (paramKind(p) === "map") maps.set(p, (a as A.MapExpr).name);
      else exprs.set(p, a);
    });
    const inner = new MacroExpander(this.registry, this.diags, [...this.stack, m], { vars, maps, exprs });
    // The statements, then the final expression (if the body has a value) in expression
    // position: a macro call there is a value, not a statement.
    const stmts = m.body.statements;
    const n = m.valued ? stmts.length - 1 : stmts.length;
    const origin = new CallSite(m.span, e.span);
    const out = stmts.slice(0, n).map((x) => origin.stmt(inner.stmt(x)));
    const value = m.valued ? origin.expr(inner.expr((stmts[n] as A.ExprStmt).expr)) : undefined;
    return { body: { ...m.body, statements: out }, value };
  }

  private mismatch(e: A.CallExpr | A.IdentExpr, name: string, args: readonly A.Expr[], closest: A.MacroDef | undefined): void {
    if (!closest) return;
    const sig = `macro ${closest.name}(${closest.params.join(", ")})`;
    if (closest.params.length !== args.length) {
      const n = closest.params.length;
      this.error(e.span, `call to ${name}() has arguments that do not match any definition`, [
        `the closest definition, ${sig} at line ${closest.span.line}, takes ${n} argument${n === 1 ? "" : "s"}, not ${args.length}`,
      ]);
      return;
    }
    this.error(e.span, `call to ${name}() has arguments that do not match any definition`, [
      `the closest definition is ${sig} at line ${closest.span.line}`,
    ]);
    closest.params.forEach((p, i) => {
      const want = paramKind(p);
      const got = argKind(args[i]!);
      if (want !== "expr" && want !== got) {
        this.error(args[i]!.span, `${name}() expects ${kindWords[want]} for ${p}, not ${kindWords[got]}`);
      }
    });
  }
}

/** A macro's value used as a statement: its own statements when it is a block expression. */
function valueStatements(v: A.Expr): A.Stmt[] {
  if (v.kind !== "BlockExpr") return [{ kind: "ExprStmt", expr: v, span: v.span }];
  return [...v.block.statements, ...(v.value === undefined ? [] : valueStatements(v.value))];
}

/**
 * Marks what a macro's body put at a call with that call (`Span.from`), for diagnostics'
 * "expanded from" notes: nodes written in the macro's definition, and the calls of macros
 * it made (so a chain runs to the outermost call). The caller's arguments keep their spans.
 */
class CallSite extends Transformer {
  constructor(
    private readonly def: A.Span,
    private readonly call: A.Span,
  ) {
    super();
  }

  private mark(s: A.Span): A.Span {
    if (s.from) return { ...s, from: this.mark(s.from) };
    return s.offset >= this.def.offset && s.endOffset <= this.def.endOffset ? { ...s, from: this.call } : s;
  }

  override block(b: A.Block): A.Block {
    return { ...super.block(b), span: this.mark(b.span) };
  }

  override stmt(s: A.Stmt): A.Stmt {
    return { ...super.stmt(s), span: this.mark(s.span) } as A.Stmt;
  }

  override expr(e: A.Expr): A.Expr {
    return { ...super.expr(e), span: this.mark(e.span) } as A.Expr;
  }
}
