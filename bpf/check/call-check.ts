// The checker's calls: a call is checked by its row of the function registry
// (bpf/functions/): map arguments as the row says (mapArgs), bare-word arguments
// (kstack(perf)), the unsafe gate, rewrites (ppid(task)), then the row's own check.
import type * as A from "../lang/ast.ts";
import { functions } from "../functions/index.ts";
import type { FunctionRow } from "../functions/row.ts";
import { closest } from "../types/suggest.ts";
import { constInt, constText, foldConst } from "../lang/const-fold.ts";
import { structValueType } from "./record-value.ts";
import { withSettings } from "./settings-rules.ts";
import { type Type, none, s64, u64 } from "../types/types.ts";
import type { Checker, ProbeScope } from "./checker.ts";
import { adoptFromRegistry, mapKeyTypes, registryHint } from "./map-typing.ts";

export function checkCall(c: Checker, e: A.CallExpr, s: ProbeScope): Type {
  const f = functions.get(e.callee);
  if (!f?.check) {
    const near = closest(e.callee, functions.keys());
    c.err(e.span, `unknown function '${e.callee}'`, near ? [`did you mean ${near}()?`] : []);
    for (const a of e.args) c.expr(a, s);
    return u64;
  }
  const rewritten = f.rewrite ? rewrite(c, e, f, s) : undefined;
  if (rewritten) return rewritten;
  const argTypes = f.mapArgs ? mapArgTypes(c, e, f, s) : e.args.map((a, i) => (f.bareWord?.(a, i) ? none : c.expr(a, s)));
  if (f.unsafe && !c.opts.unsafe) c.err(e.span, `${e.callee}() is an unsafe function being used in safe mode`, [], "SemanticError");
  const r = f.check({
    argTypes,
    call: e,
    constInt: (i) => (e.args[i] ? constInt(e.args[i]!, c.positional) : undefined),
    constStr: (i) => constText(e.args[i], c.positional),
    probe: s.concrete,
    env: c.opts.env,
    unsafe: c.opts.unsafe ?? false,
    maxStrlen: c.strlen,
    constValue: (i) => (e.args[i] ? foldConst(e.args[i]!, s.consts, c.positional) : undefined),
    setConst: (v) => s.consts.set(e, v),
    live: s.dead === 0,
    error: (span, message, hints = []) => c.err(span, message, [...hints]),
    map: (name) => c.maps.get(name),
    structValue: (t) => structValueType(t, c.btf(), c.strlen, c.cstructs),
    setArgType: (i, t) => s.types.set(e.args[i]!, t),
  });
  if (typeof r === "string") {
    c.err(e.span, r);
    return u64;
  }
  return withSettings(r, c.settings);
}

/** A use that is another expression (ppid(task)): check the replacement in its place. */
export function rewrite(c: Checker, e: A.CallExpr | A.IdentExpr, f: FunctionRow, s: ProbeScope): Type | undefined {
  const x = f.rewrite!(e, c.btf() !== undefined, c.settings);
  if (typeof x === "string") {
    c.err(e.span, x);
    return u64;
  }
  if (x === e) return undefined;
  s.rewrites.set(e, x);
  return c.expr(x, s);
}

/** Arguments of delete/clear/zero/has_key/print/len: the first one may be a map. */
function mapArgTypes(c: Checker, e: A.CallExpr, f: FunctionRow, s: ProbeScope): Type[] {
  const how = f.mapArgs!;
  return e.args.map((a, i) => {
    if (i === 0 && a.kind === "MapExpr") {
      const m = c.maps.get(a.name) ?? adoptFromRegistry(c, a.name);
      if (!m && !how.optional) {
        c.err(a.span, `unknown map ${a.name}`, registryHint(c, a.name));
      }
      if (a.keys.length) mapKeyTypes(c, a, s);
      if (how.writes) c.written.add(a.name);
      if (!m) c.maps.set(a.name, { name: a.name, valueKind: "value", keyTypes: [], valueType: none, maxEntries: c.maxKeys, origin: c.opts.origin });
      const t: Type = m && m.valueKind === "value" ? m.valueType : s64;
      s.types.set(a, t);
      return t;
    }
    if (i === 0 && how.required) {
      c.err(a.span, `${e.callee}() needs a map as its first argument`);
    }
    return c.expr(a, s);
  });
}

