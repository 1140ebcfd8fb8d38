// The checker's calls: function calls against the function registry (bpf/functions/),
// with the map arguments of delete/clear/zero/has_key/print, ppid()/pcomm(task), unsafe
// functions, and printf's format against its arguments.
import type * as A from "../lang/ast.ts";
import { functions } from "../functions/index.ts";
import { closest } from "../types/suggest.ts";
import * as K from "./kernel-access.ts";
import { constInt } from "./const-fold.ts";
import { parseFormat } from "./printf-format.ts";
import { structValueType } from "./record-value.ts";
import { stackModeArg } from "./value-functions.ts";
import { bareWordArg } from "./stdlib-functions.ts";
import { foldConst } from "./const-fold.ts";
import { unsafeCallError, withSettings } from "./settings-rules.ts";
import { type Type, int, isScalar, none, s64, str, typeName, u64 } from "../types/types.ts";
import type { Checker, ProbeScope } from "./checker.ts";

export function checkCall(c: Checker, e: A.CallExpr, s: ProbeScope): Type {
  if ((e.callee === "ppid" || e.callee === "pcomm") && e.args.length <= 1) return K.taskRewrite(c, e, e.callee, e.args[0], s);
  const f = functions.get(e.callee);
  if (!f) {
    const near = closest(e.callee, functions.keys());
    c.err(e.span, `unknown function '${e.callee}'`, near ? [`did you mean ${near}()?`] : []);
    for (const a of e.args) c.expr(a, s);
    return u64;
  }
  let argTypes: Type[];
  if (f.mapArgs) {
    argTypes = e.args.map((a, i) => {
      if (i === 0 && a.kind === "MapExpr") {
        const m = c.maps.get(a.name) ?? c.adoptFromRegistry(a.name);
        if (!m && e.callee !== "print") {
          c.err(a.span, `unknown map ${a.name}`, c.registryHint(a.name));
        }
        if (a.keys.length) c.mapKeyTypes(a, s);
        if (e.callee === "delete" || e.callee === "clear" || e.callee === "zero") c.written.add(a.name);
        if (!m) c.maps.set(a.name, { name: a.name, valueKind: "value", keyTypes: [], valueType: none, maxEntries: c.maxKeys, origin: c.opts.origin });
        const t: Type = m && m.valueKind === "value" ? m.valueType : s64;
        s.types.set(a, t);
        return t;
      }
      if (i === 0 && ["delete", "clear", "zero", "has_key"].includes(e.callee)) {
        c.err(a.span, `${e.callee}() needs a map as its first argument`);
      }
      return c.expr(a, s);
    });
    if (e.callee === "delete" && e.args[0]?.kind === "MapExpr" && e.args.length === 1 && e.args[0].keys.length === 0) {
      const m = c.maps.get(e.args[0].name);
      if (m && m.keyTypes.length > 0) c.err(e.span, `delete() needs a key: delete(${e.args[0].name}[key])`);
    }
  } else {
    // kstack(perf) / ustack(raw, 5): the mode is a bare word, not an expression.
    const isMode = (a: A.Expr, i: number) => (i === 0 && (e.callee === "kstack" || e.callee === "ustack") && a.kind === "IdentExpr" && stackModeArg(a.name) !== undefined) || bareWordArg(e.callee, a, i);
    argTypes = e.args.map((a, i) => (isMode(a, i) ? none : c.expr(a, s)));
  }
  const unsafe = unsafeCallError(e.callee, c.opts.unsafe ?? false);
  if (unsafe) c.err(e.span, unsafe, [], "SemanticError");
  const r = f.check({
    argTypes,
    call: e,
    constInt: (i) => (e.args[i] ? constInt(e.args[i]!, c.positional) : undefined),
    constStr: (i) => (e.args[i]?.kind === "StrLit" ? (e.args[i] as A.StrLit).value : undefined),
    probe: s.concrete,
    env: c.opts.env,
    unsafe: c.opts.unsafe ?? false,
    maxStrlen: c.strlen,
    constValue: (i) => (e.args[i] ? foldConst(e.args[i]!, s.consts, c.positional) : undefined),
    setConst: (v) => s.consts.set(e, v),
    live: s.dead === 0,
  });
  if (typeof r === "string") {
    c.err(e.span, r);
    return u64;
  }
  if (e.callee === "printf") checkPrintf(c, e, argTypes.slice(1));
  // print(args) / print(*$p): the struct is copied whole (bpf/check/record-value.ts)
  const printed = e.callee === "print" && e.args[0]?.kind !== "MapExpr" ? e.args[0] : undefined;
  if (printed && (argTypes[0]?.k === "record" || (argTypes[0]?.k === "ptr" && argTypes[0].byValue))) s.types.set(printed, structValueType(argTypes[0], c.btf(), c.strlen, c.cstructs));
  return withSettings(r, c.settings);
}

export function checkPrintf(c: Checker, e: A.CallExpr, args: Type[]): void {
  const fmt = (e.args[0] as A.StrLit).value;
  const specs = parseFormat(fmt);
  if (typeof specs === "string") {
    c.err(e.args[0]!.span, specs);
    return;
  }
  if (specs.length !== args.length) {
    c.err(e.span, `printf: the format has ${specs.length} conversion${specs.length === 1 ? "" : "s"} but ${args.length} argument${args.length === 1 ? " was" : "s were"} given`);
    return;
  }
  specs.forEach((spec, i) => {
    const t = args[i]!;
    const a = e.args[i + 1]!;
    if (spec.conv === "s" && !(t.k === "string" || t.k === "sym" || t.k === "stack" || t.k === "inet" || t.k === "timestamp" || t.k === "macaddr" || t.k === "buffer" || t.k === "tuple" || isScalar(t))) {
      c.err(a.span, `printf: %s cannot print ${typeName(t)}`);
    } else if (spec.conv !== "s" && spec.conv !== "r" && !isScalar(t)) {
      c.err(a.span, `printf: %${spec.conv} needs an integer, not ${typeName(t)}`, t.k === "string" ? ["use %s for strings"] : []);
    } else if (t.k === "ptr" && t.to.k === "int" && t.to.bits === 8 && spec.conv === "s") {
      c.err(a.span, "printf: %s of a char pointer: read the string with str() first", [`printf("%s", str(...))`]);
    }
  });
}
