// The checker: resolves probes against this machine, infers the type of every expression,
// variable and map, and validates the program against the notebook's map registry.
//
// Maps are typed by what is assigned to them anywhere in the program, so the probes are
// walked until the map types stop changing (a map read before the probe that writes it is
// fine); diagnostics are kept only from the final walk. A probe with several attach points
// (or a wildcard) is checked once per concrete probe: `args` differs between them.
import type * as A from "../lang/ast.ts";
import { type Diagnostic, diagnostic } from "../types/diagnostic.ts";
import { expandAttachPoint, inUserSpace, type ConcreteProbe, type ProbeEnv } from "../probes/index.ts";
import { builtins } from "./builtins.ts";
import { functions, aggregationOf } from "../functions/index.ts";
import { type MapInfo, entryType } from "../types/map-info.ts";
import type { MapRegistry } from "./map-registry.ts";
import { closest } from "../types/suggest.ts";
import * as K from "./kernel-access.ts";
import * as CC from "./call-check.ts";
import { adoptFromRegistry, assignMap, checkRegistry, defineMap, firstUse, keyNormal, mapKeyTypes, readMap, registryHint, tupleElement } from "./map-typing.ts";
import { constInt } from "../lang/const-fold.ts";
import { literalType, widened, zeroExtendedAddress } from "./int-literal.ts";
import { namedType } from "./named-types.ts";
import { type BtfField, btfNamedType, btfOffsetOf } from "../btf/btf-types.ts";
import { type CRecord, cOffsetOf } from "./c-struct.ts";
import type { EnumType } from "./c-enum.ts";
import { recordLiteral, structValueType } from "./record-value.ts";
import type { Btf } from "../btf/btf.ts";
import { foldConst } from "../lang/const-fold.ts";
import { splitAttachPoint } from "../lang/attach-point.ts";
import { arrayCastType } from "./array-cast.ts";
import { DEFAULT_SETTINGS, type Settings } from "../lang/settings.ts";
import { missingProbeDiagnostic, noAttachPointsDiagnostic, withSettings } from "./settings-rules.ts";
import { unreachable } from "./reachability.ts";
import { type Type, DEFAULT_STRLEN, bool, compatible, inMemory, int, isScalar, none, s64, str, typeName, unify, u64, tupleLayout, sizeOf } from "../types/types.ts";

export interface CheckedProbe {
  readonly probe: A.Probe;
  readonly concrete: ConcreteProbe;
  /** Type of every expression of this probe's predicate and body. */
  readonly types: ReadonlyMap<A.Expr, Type>;
  /**
   * Type of every `$variable` of this probe, by its slot: its name, or `$x#2` for a later
   * variable of the same name in another scope (varKeys says which one a node means).
   */
  readonly vars: ReadonlyMap<string, Type>;
  /** The slot of each variable node (VarExpr, VarDeclStmt, ForRangeStmt) whose slot is not its name. */
  readonly varKeys: ReadonlyMap<A.Node, string>;
  /** Kernel struct members read through BTF, by the `a->b` / `a.b` that reads them. */
  readonly fields: ReadonlyMap<A.FieldExpr, BtfField>;
  /** Expressions whose value is known here: enum constants, offsetof, sizeof of kernel types. */
  readonly consts: ReadonlyMap<A.Expr, bigint>;
  /** Builtins defined as other expressions (ppid is curtask->real_parent->tgid): generate these instead. */
  readonly rewrites: ReadonlyMap<A.Expr, A.Expr>;
}

export interface CheckedProgram {
  readonly program: A.Program;
  readonly probes: readonly CheckedProbe[];
  /** Every map the program uses, with its final type. */
  readonly maps: ReadonlyMap<string, MapInfo>;
  /** Maps the program writes (they are printed when it ends). */
  readonly written: ReadonlySet<string>;
  readonly positional: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface CheckOptions {
  readonly env: ProbeEnv;
  readonly registry?: MapRegistry;
  /** Where maps defined here come from, for conflict messages: "cell[3]". */
  readonly origin: string;
  /** Positional parameters $1..$N. */
  readonly positional?: readonly string[];
  /** max_strlen, max_map_keys, stack_mode, missing_probes (bpf/lang/settings.ts); defaults without. */
  readonly settings?: Settings;
  /** bpftrace's --unsafe: allow system(), signal(), override(). */
  readonly unsafe?: boolean;
  /** -p PID: `uprobe:*` and `usdt:*` expand to that process's files. */
  readonly pid?: number;
  /**
   * Check for any kernel (`--dry-run`): a probe type this kernel refuses (kprobes,
   * trampolines, a hardware PMU) is checked as if it were allowed, with a warning that a
   * real run here fails.
   */
  readonly anyKernel?: boolean;
  /** max_strlen (1 or more; at most about 32000, the scratch area's size); DEFAULT_STRLEN (bpftrace's 1024) when not set. */
  readonly maxStrlen?: number;
}

export type MapDraft = { -readonly [K in keyof MapInfo]: MapInfo[K] };

export class ProbeScope {
  readonly types = new Map<A.Expr, Type>();
  readonly vars = new Map<string, Type>();
  readonly fields = new Map<A.FieldExpr, BtfField>();
  readonly consts = new Map<A.Expr, bigint>();
  readonly rewrites = new Map<A.Expr, A.Expr>();
  /**
   * The `$variables` in scope here, by name, with their slots: a variable belongs to the
   * block that first assigns it (bpftrace's lexical scoping), and a variable of the same
   * name assigned after that block ended is another variable, with a slot of its own.
   * `vars` keeps every slot's type for codegen.
   */
  visible = new Map<string, string>();
  readonly varKeys = new Map<A.Node, string>();
  loopDepth = 0;
  /** Depth of branches a constant condition never takes (fail() there is not reached). */
  dead = 0;
  constructor(readonly concrete: ConcreteProbe) {}
}

export function check(program: A.Program, opts: CheckOptions): CheckedProgram {
  return new Checker(program, opts).run();
}

export class Checker {
  readonly maps = new Map<string, MapDraft>();
  readonly written = new Set<string>();
  diags: Diagnostic[] = [];
  changed = false;
  private btfValue: Btf | null | undefined;
  /** Structs and unions the program defines, by name ("struct Foo"). */
  readonly cstructs = new Map<string, CRecord>();
  /** Enums the program defines, by type name ("enum Foo"), and their variants by name (c-enum.ts). */
  readonly cenums = new Map<string, EnumType>();
  readonly enumVariants = new Map<string, { readonly value: bigint; readonly type: EnumType }>();
  readonly positional: readonly string[];
  readonly settings: Settings;

  get maxKeys(): number {
    return this.settings.maxMapKeys;
  }
  /** The size of strings the program does not size itself (types.ts DEFAULT_STRLEN). */
  readonly strlen: number;

  constructor(
    readonly program: A.Program,
    readonly opts: CheckOptions,
  ) {
    this.positional = opts.positional ?? [];
    this.settings = opts.settings ?? DEFAULT_SETTINGS;
    this.strlen = opts.maxStrlen ?? this.settings.maxStrlen;
    for (const d of program.mapDecls) {
      this.maps.set(d.name, {
        name: d.name, valueKind: "value", keyTypes: [], valueType: none, declaredType: d.mapType,
        maxEntries: Number(d.maxEntries), origin: opts.origin,
      });
    }
  }


  run(): CheckedProgram {
    const structDiags = K.defineStructs(this);
    // Expand attach points first: a probe that cannot attach here is an error on its span.
    const expanded: { probe: A.Probe; concrete: ConcreteProbe[] }[] = [];
    const expandDiags: Diagnostic[] = [];
    const scope = { pid: this.opts.pid, unsafe: this.opts.unsafe };
    for (const probe of this.program.probes) {
      const concrete: ConcreteProbe[] = [];
      for (const written of probe.attachPoints) {
        const ap = withPositional(written, this.positional);
        if ("problems" in ap) {
          for (const m of ap.problems) expandDiags.push(diagnostic("ParseError", written.span, m));
          continue;
        }
        const r = expandAttachPoint(ap, this.opts.env, scope);
        const relaxed = !r.ok && this.opts.anyKernel ? expandAttachPoint(ap, withAllFeatures(this.opts.env), scope) : undefined;
        if (r.ok) concrete.push(...r.probes);
        else if (relaxed?.ok) {
          concrete.push(...relaxed.probes);
          expandDiags.push(diagnostic("SemanticError", ap.span, `${r.message} (checked as if it were allowed; a real run here fails)`, r.hints ?? [], "warning"));
        } else {
          const d = missingProbeDiagnostic(ap, r, this.settings.missingProbes);
          if (d) expandDiags.push(d);
        }
      }
      const gone = concrete.length === 0 && probe.attachPoints.length > 0 ? noAttachPointsDiagnostic(probe.span, this.settings.missingProbes) : undefined;
      if (gone) expandDiags.push(gone);
      expanded.push({ probe, concrete });
    }
    let checked: CheckedProbe[] = [];
    for (let pass = 0; pass < 4; pass++) {
      this.diags = [];
      this.changed = false;
      checked = [];
      for (const { probe, concrete } of expanded) {
        for (const c of concrete) checked.push(this.checkProbe(probe, c));
      }
      if (!this.changed) break;
    }
    for (const [name, m] of this.maps) {
      if (m.valueType.k === "none" && m.valueKind === "value") {
        const use = firstUse(this, name);
        const decl = use ? undefined : this.program.mapDecls.find((d) => d.name === name);
        if (decl) this.diags.push(diagnostic("SemanticError", decl.span, `Unused map: ${name}`, [], "warning"));
        else this.diags.push(diagnostic("TypeError", use ?? this.program.span, `${name} is used but never assigned`, registryHint(this, name)));
      }
    }
    checkRegistry(this);
    const maps = new Map<string, MapInfo>([...this.maps].filter(([, m]) => !(m.valueKind === "value" && m.valueType.k === "none")));
    return {
      program: this.program,
      probes: checked,
      maps,
      written: this.written,
      positional: this.positional,
      diagnostics: [...structDiags, ...expandDiags, ...this.diags],
    };
  }

  /** vmlinux BTF, loaded the first time a program needs a kernel type. */
  btf(): Btf | undefined {
    if (this.btfValue === undefined) this.btfValue = this.opts.env.btf?.() ?? null;
    return this.btfValue ?? undefined;
  }

  err(span: A.Span, message: string, hints: string[] = [], kind: Diagnostic["kind"] = "TypeError"): void {
    this.diags.push(diagnostic(kind, span, message, hints));
  }

  warn(span: A.Span, message: string, hints: string[] = []): void {
    this.diags.push(diagnostic("TypeError", span, message, hints, "warning"));
  }

  // --- probes and statements -------------------------------------------------------------

  checkProbe(probe: A.Probe, concrete: ConcreteProbe): CheckedProbe {
    const s = new ProbeScope(concrete);
    if (probe.predicate) {
      const t = this.expr(probe.predicate, s);
      this.truthy(probe.predicate, t);
    }
    this.block(probe.body, s);
    return { probe, concrete, types: s.types, vars: s.vars, varKeys: s.varKeys, fields: s.fields, consts: s.consts, rewrites: s.rewrites };
  }

  truthy(e: A.Expr, t: Type): void {
    if (!(isScalar(t) || t.k === "string")) this.err(e.span, `a condition must be an integer, pointer or string, not ${typeName(t)}`);
  }

  block(b: A.Block, s: ProbeScope): void {
    const outer = s.visible;
    s.visible = new Map(outer);
    for (const st of b.statements) this.stmt(st, s);
    s.visible = outer;
    // a probe checked once per attach point it expands to warns once
    const dead = unreachable(b);
    if (dead && !this.diags.some((d) => d.message === dead.message && d.span.offset === dead.span.offset)) this.diags.push(dead);
  }

  /**
   * The slot of variable `name` used by `node`: the visible variable of that name, or
   * (`fresh`, or none visible) a new variable in this scope.
   */
  varKey(name: string, node: A.Node, s: ProbeScope, fresh = false): string {
    let key = fresh ? undefined : s.visible.get(name);
    if (key === undefined) {
      key = name;
      for (let n = 2; s.vars.has(key) || [...s.visible.values()].includes(key); n++) key = `${name}#${n}`;
      s.visible.set(name, key);
    }
    if (key !== name) s.varKeys.set(node, key);
    else s.varKeys.delete(node);
    return key;
  }

  /** A `$variable` read: assigned in this block or an enclosing one. */
  checkVisible(e: A.VarExpr, s: ProbeScope): void {
    if (!s.vars.has(e.name) || s.visible.has(e.name)) return;
    this.err(e.span, `${e.name} is not in scope here: it is assigned inside a block that has ended`, [`declare it before that block: let ${e.name};`]);
  }

  stmt(st: A.Stmt, s: ProbeScope): void {
    switch (st.kind) {
      case "ExprStmt": {
        const e = st.expr;
        if (e.kind === "CallExpr" && functions.get(e.callee)?.aggregation) {
          this.err(e.span, `${e.callee}() must be assigned to a map: @x = ${e.callee}(...)`);
        }
        this.expr(e, s);
        return;
      }
      case "AssignStmt":
        return this.assign(st, s);
      case "VarDeclStmt": {
        // a declared pointer points where the probe's casts point (user memory in uprobes)
        const t = st.type ? this.typeSpec(st.type, s, inUserSpace(s.concrete)) : undefined;
        const valueType = st.value ? this.expr(st.value, s) : undefined;
        const v = st.value && (literalType(st.value) ?? valueType);
        // `let $x` declares a new variable here (shadowing one of an outer block)
        const key = this.varKey(st.name, st, s, true);
        if (!t && !v) return; // in scope from here, typed by its first assignment (0 until then)
        const ty = t ?? v ?? u64;
        if (t && v && !compatible(t, v)) this.err(st.span, `cannot initialise ${st.name}: ${typeName(t)} from ${typeName(v)}`);
        this.setVar(key, ty, st.span, s);
        return;
      }
      case "IfStmt": {
        this.truthy(st.cond, this.expr(st.cond, s));
        const known = foldConst(st.cond, s.consts, this.positional);
        if (known === 0n) s.dead++;
        this.block(st.then, s);
        if (known === 0n) s.dead--;
        if (known !== undefined && known !== 0n) s.dead++;
        if (st.else?.kind === "Block") this.block(st.else, s);
        else if (st.else) this.stmt(st.else, s);
        if (known !== undefined && known !== 0n) s.dead--;
        return;
      }
      case "WhileStmt":
        this.truthy(st.cond, this.expr(st.cond, s));
        s.loopDepth++;
        this.block(st.body, s);
        s.loopDepth--;
        return;
      case "UnrollStmt": {
        this.expr(st.count, s);
        const n = constInt(st.count, this.positional);
        if (n === undefined) this.err(st.count.span, "invalid unroll value", ["unroll() needs a constant count between 1 and 100"]);
        else if (n > 100n) this.err(st.count.span, "unroll maximum value is 100");
        else if (n < 1n) this.err(st.count.span, "unroll minimum value is 1");
        this.block(st.body, s);
        return;
      }
      case "ForRangeStmt": {
        const a = this.expr(st.start, s);
        const b = this.expr(st.end, s);
        if (!isScalar(a) || !isScalar(b)) this.err(st.span, "a for range needs integer bounds");
        const outer = s.visible;
        s.visible = new Map(outer);
        this.setVar(this.varKey(st.variable, st, s, true), s64, st.span, s);
        s.loopDepth++;
        this.block(st.body, s);
        s.loopDepth--;
        s.visible = outer;
        return;
      }
      case "ForMapStmt": {
        const m = this.maps.get(st.map.name) ?? adoptFromRegistry(this, st.map.name);
        if (!m) {
          this.err(st.map.span, `unknown map ${st.map.name}`, registryHint(this, st.map.name));
          return;
        }
        // $kv belongs to the loop (bpftrace scopes it so): two loops may use one name for
        // maps of different types, and codegen gives each loop its own slot.
        const outer = s.vars.get(st.variable);
        const outerVisible = s.visible;
        s.visible = new Map([...outerVisible, [st.variable, st.variable]]);
        s.vars.set(st.variable, entryType(m));
        s.loopDepth++;
        this.block(st.body, s);
        s.loopDepth--;
        s.visible = outerVisible;
        if (outer) s.vars.set(st.variable, outer);
        else s.vars.delete(st.variable);
        return;
      }
      case "JumpStmt":
        if (st.jump !== "return" && s.loopDepth === 0) this.err(st.span, `'${st.jump}' outside a loop`, [], "SemanticError");
        if (st.value) this.expr(st.value, s);
        return;
      case "BlockStmt":
        return this.block(st.block, s);
    }
  }

  /** Assign a value of type `t` to the variable in slot `name` (varKey). */
  setVar(name: string, t: Type, span: A.Span, s: ProbeScope): void {
    // A kernel struct is held by its address, as a pointer to it.
    if (inMemory(t)) t = { k: "ptr", to: t, user: t.user ?? false, byValue: true };
    const prev = s.vars.get(name);
    if (!prev) {
      s.vars.set(name, t);
      return;
    }
    if (!compatible(prev, t)) {
      this.err(span, `${name} holds ${typeName(prev)}; cannot assign ${typeName(t)}`);
      return;
    }
    s.vars.set(name, unify(prev, t));
  }

  assign(st: A.AssignStmt, s: ProbeScope): void {
    const target = st.target;
    const agg = aggregationOf(st.value);
    if (target.kind === "VarExpr") {
      if (agg) this.err(st.value.span, `${(st.value as A.CallExpr).callee}() must be assigned to a map, not a variable`);
      let v = this.expr(st.value, s);
      if (v.k === "record" && !inMemory(v)) s.types.set(st.value, (v = structValueType(v, this.btf(), this.strlen, this.cstructs)));
      if (st.op !== "=") {
        const prev = s.vars.get(s.visible.get(target.name) ?? target.name);
        if (!prev) this.err(target.span, `${target.name} is used before it is assigned`);
        if (!isScalar(v)) this.err(st.value.span, `'${st.op}' needs an integer, not ${typeName(v)}`);
      }
      if (v.k === "none") this.err(st.value.span, "this expression has no value to assign");
      const key = this.varKey(target.name, target, s);
      // bpftrace types a literal by the smallest signed integer that holds it, and a
      // variable by what is assigned to it; arithmetic in place widens it to 64 bits
      if (st.op === "=") v = literalType(st.value) ?? v;
      else v = widened(s.vars.get(key) ?? v);
      this.setVar(key, v, st.span, s);
      s.types.set(target, s.vars.get(key) ?? v);
      return;
    }
    assignMap(this, st, target, agg, s);
  }

  typeSpec(t: A.TypeSpec, s: ProbeScope, user = false): Type {
    if (t.of !== undefined) {
      let ty = this.typeOf(t.of, s, user);
      if (t.arraySize !== undefined) ty = { k: "array", element: ty, length: t.arraySize };
      for (let i = 0; i < t.pointerDepth; i++) ty = { k: "ptr", to: ty, user };
      return ty;
    }
    const own = t.name === "string" && t.arraySize === undefined ? str(this.strlen) : (namedType(t.name) ?? this.cstructs.get(t.name) ?? this.cenums.get(t.name));
    const btf = own ? undefined : this.btf();
    let base = own ?? (btf ? btfNamedType(btf, t.name, user) : undefined);
    if (base?.k === "record" && user) base = { ...base, user };
    let ty: Type = base ?? { k: "record", name: t.name, size: 0 };
    if (t.arraySize !== undefined) ty = t.name === "string" ? str(t.arraySize) : { k: "array", element: ty, length: t.arraySize };
    for (let i = 0; i < t.pointerDepth; i++) ty = { k: "ptr", to: ty, user };
    if (!base && (t.pointerDepth === 0 || btf)) this.err(t.span, `unknown type '${t.name}'`, btf ? [] : ["kernel types need BTF (/sys/kernel/btf/vmlinux)"]);
    return ty;
  }

  /** What sizeof/offsetof/typeof take: a type as written, or an expression's type (never run). */
  typeOf(x: A.TypeSpec | A.Expr, s: ProbeScope, user = false): Type {
    if (x.kind === "TypeSpec") return this.typeSpec(x, s, user);
    if (x.kind === "TypeofExpr") return this.typeOf(x.target, s, user);
    return this.expr(x, s);
  }

  // --- expressions -------------------------------------------------------------------

  expr(e: A.Expr, s: ProbeScope): Type {
    const t = this.exprInner(e, s);
    s.types.set(e, t);
    return t;
  }

  exprInner(e: A.Expr, s: ProbeScope): Type {
    switch (e.kind) {
      case "IntLit":
        return e.value > 0x7fffffffffffffffn ? u64 : s64;
      case "StrLit":
        return str(Math.max(1, Buffer.byteLength(e.value) + 1));
      case "BoolLit":
        return bool;
      case "PositionalExpr": {
        if (e.count) return u64;
        const v = this.positional[e.index - 1];
        if (v === undefined) return s64; // bpftrace: a missing $N is 0 (or "" under str())
        return /^-?\d+$/.test(v) || /^0x[0-9a-f]+$/i.test(v) ? s64 : str(Math.max(1, Buffer.byteLength(v) + 1));
      }
      case "IdentExpr": {
        const kernel = K.kernelIdent(this, e, s);
        if (kernel) return kernel;
        const b = builtins.get(e.name);
        if (!b) {
          this.err(e.span, `unknown identifier '${e.name}'`, (() => {
            const near = closest(e.name, builtins.keys());
            return near ? [`did you mean '${near}'?`] : [];
          })());
          return u64;
        }
        const t = b.type(s.concrete, this.strlen, (name) => {
          const btf = this.btf();
          return btf ? btfNamedType(btf, name, false) : undefined;
        });
        if (typeof t === "string") {
          this.err(e.span, t);
          return u64;
        }
        return withSettings(t, this.settings);
      }
      case "VarExpr": {
        const key = s.visible.has(e.name) ? this.varKey(e.name, e, s) : e.name;
        const t = s.vars.get(key);
        if (!t && s.visible.has(e.name)) {
          this.warn(e.span, `${e.name} is used before it was assigned: it reads 0`);
          s.vars.set(key, u64);
          return u64;
        }
        if (!t) {
          this.err(e.span, `${e.name} is used before it is assigned`, (() => {
            const near = closest(e.name, [...s.vars.keys()].filter((k) => !k.includes("#")));
            return near ? [`did you mean ${near}?`] : [];
          })());
          return u64;
        }
        this.checkVisible(e, s);
        return t;
      }
      case "MapExpr":
        return readMap(this, e, s);
      case "BinaryExpr":
        return this.binary(e, s);
      case "UnaryExpr": {
        const t = this.expr(e.operand, s);
        if (e.op === "!") return bool;
        if (e.op === "*") {
          if (inMemory(t)) return t; // `*` of a struct value read by `.`
          // bpftrace reads 8 bytes of kernel memory at an integer address (`*kaddr("avenrun")`).
          if (t.k === "int") return u64;
          if (t.k !== "ptr") {
            this.err(e.span, `cannot dereference ${typeName(t)}`);
            return u64;
          }
          return t.to;
        }
        // bpftrace takes the address of a variable only (VariableAddr): its stack slot
        if (e.op === "&") {
          if (e.operand.kind !== "VarExpr") this.err(e.span, "'&' (address-of) takes a variable ($x)");
          return { k: "ptr", to: t, user: false };
        }
        if (!isScalar(t)) this.err(e.span, `'${e.op}' needs an integer, not ${typeName(t)}`);
        return e.op === "-" ? s64 : t.k === "int" ? t : u64;
      }
      case "UpdateExpr": {
        if (e.target.kind === "VarExpr") {
          const key = s.visible.has(e.target.name) ? this.varKey(e.target.name, e.target, s) : e.target.name;
          if (!s.vars.has(key)) this.err(e.target.span, `${e.target.name} is used before it is assigned`);
          else this.checkVisible(e.target, s);
          if (s.vars.has(key)) this.setVar(key, widened(s.vars.get(key)!), e.span, s);
          const t = s.vars.get(key) ?? s64;
          s.types.set(e.target, t);
          return t;
        }
        const keyTypes = mapKeyTypes(this, e.target, s);
        defineMap(this, e.target, keyTypes, "value", s64);
        s.types.set(e.target, s64);
        return s64;
      }
      case "TernaryExpr": {
        this.truthy(e.cond, this.expr(e.cond, s));
        const a = this.expr(e.then, s);
        const b = this.expr(e.else, s);
        if (!compatible(a, b)) {
          this.err(e.span, `the branches of ?: have different types: ${typeName(a)} and ${typeName(b)}`);
          return a;
        }
        return unify(a, b);
      }
      case "CallExpr":
        return CC.checkCall(this, e, s);
      case "FieldExpr":
        return this.field(e, s);
      case "IndexExpr": {
        const t = this.expr(e.object, s);
        this.expr(e.index, s);
        if (t.k === "tuple") return this.tupleIndex(e, t, s);
        if (t.k === "array") {
          const i = constInt(e.index, this.positional);
          if (i !== undefined && t.length > 0 && i >= t.length) this.err(e.span, `the index ${i} is out of bounds for array of size ${t.length}`);
          return t.element;
        }
        if (t.k === "ptr") return t.to.k === "int" || t.to.k === "ptr" ? t.to : u64;
        if (t.k === "string") return int(8, true);
        this.err(e.span, `cannot index ${typeName(t)}`);
        return u64;
      }
      case "TupleExpr": {
        const elements = e.elements.map((x) => tupleElement(x, structValueType(this.expr(x, s), this.btf(), this.strlen, this.cstructs)));
        return e.names ? recordLiteral(this, e, elements) : { k: "tuple", elements };
      }
      case "CastExpr": {
        const from = this.expr(e.expr, s);
        const to = this.typeSpec(e.type, s, from.k === "ptr" ? from.user : inUserSpace(s.concrete));
        const arrayCast = arrayCastType(from, to, constInt(e.expr, this.positional));
        if (typeof arrayCast === "string") this.err(e.span, arrayCast);
        else if (arrayCast) return arrayCast;
        if (to.k === "int" && !isScalar(from) && from.k !== "array") this.err(e.span, `cannot cast ${typeName(from)} to ${typeName(to)}`);
        const address = zeroExtendedAddress(e, from, to);
        if (address) {
          for (const [node, t] of address.types) s.types.set(node, t);
          s.rewrites.set(e, address.cast);
        }
        return to;
      }
      case "SizeofExpr": {
        const t = this.typeOf(e.target, s);
        if (e.target.kind !== "TypeSpec" && e.target.kind !== "TypeofExpr") s.consts.set(e, BigInt(sizeOf(t)));
        else if (sizeOf(t) === 0) this.err(e.span, `the size of ${typeName(t)} is not known here`);
        else s.consts.set(e, BigInt(sizeOf(t)));
        return u64;
      }
      case "TypeofExpr":
        this.typeOf(e.target, s);
        this.err(e.span, "typeof() is a type, not a value", ["use it where a type goes (a cast, `let $x: typeof(...)`, sizeof) or as a macro argument"]);
        return u64;
      case "BlockExpr": {
        // a macro used as a value: its statements, then its last expression, in one scope
        const outer = s.visible;
        s.visible = new Map(outer);
        for (const st of e.block.statements) this.stmt(st, s);
        const t = e.value ? this.expr(e.value, s) : none;
        s.visible = outer;
        return t;
      }
      case "OffsetofExpr": {
        const t = this.typeOf(e.type, s);
        const rec = t.k === "ptr" ? t.to : t;
        const btf = this.btf();
        if (rec.k === "record" && rec.layout === "c") {
          const off = cOffsetOf(this.cstructs.get(rec.name) ?? rec, e.fields);
          if (typeof off === "string") this.err(e.span, off);
          else s.consts.set(e, BigInt(off));
          return u64;
        }
        if (rec.k !== "record" || rec.btfId === undefined || !btf) {
          this.err(e.span, `offsetof() needs a kernel struct or union, not ${typeName(t)}`);
          return u64;
        }
        const off = btfOffsetOf(btf, rec, e.fields);
        if (typeof off === "string") this.err(e.span, off);
        else s.consts.set(e, BigInt(off));
        return u64;
      }
    }
  }

  binary(e: A.BinaryExpr, s: ProbeScope): Type {
    const a = this.expr(e.left, s);
    const b = this.expr(e.right, s);
    switch (e.op) {
      case "&&":
      case "||":
        this.truthy(e.left, a);
        this.truthy(e.right, b);
        return bool;
      case "==":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=":
        if (a.k === "string" || b.k === "string" || a.k === "buffer" || b.k === "buffer") {
          if (a.k !== b.k) this.err(e.span, `cannot compare ${typeName(a)} with ${typeName(b)}`);
          else if (e.op !== "==" && e.op !== "!=") this.err(e.span, `${a.k === "buffer" ? "buffers" : "strings"} can only be compared with == and !=`);
          return bool;
        }
        // arrays of the same type are equal when all their bytes are (bpftrace's array ==)
        if (a.k === "array" && (e.op === "==" || e.op === "!=") && typeName(a) === typeName(b)) return bool;
        if (!isScalar(a) || !isScalar(b)) this.err(e.span, `cannot compare ${typeName(a)} with ${typeName(b)}`);
        return bool;
      default: {
        if (!isScalar(a) || !isScalar(b)) {
          this.err(e.span, `'${e.op}' needs integers, not ${typeName(a)} and ${typeName(b)}`);
          return s64;
        }
        if (a.k === "ptr" && (e.op === "+" || e.op === "-") && b.k !== "ptr") return a;
        if (b.k === "ptr" && e.op === "+" && a.k !== "ptr") return b;
        // bpftrace (get_binop_int): a literal that fits int64 takes the other operand's
        // sign (`$u % 10` stays unsigned); a difference is always signed
        let sa = a.k === "int" && a.signed;
        let sb = b.k === "int" && b.signed;
        const flexible = (x: A.Expr) => x.kind === "IntLit" && x.value <= 0x7fffffffffffffffn;
        if (flexible(e.left) && !flexible(e.right)) sa = sb;
        else if (flexible(e.right) && !flexible(e.left)) sb = sa;
        return int(64, sa || sb || e.op === "-");
      }
    }
  }

  /** `$t[i]` is `$t.i`: the index must be known here. */
  tupleIndex(e: A.IndexExpr, t: Extract<Type, { k: "tuple" }>, s: ProbeScope): Type {
    const i = constInt(e.index, this.positional);
    if (i === undefined || i < 0n || i >= BigInt(t.elements.length)) {
      this.err(e.index.span, i === undefined ? "a tuple index must be a constant" : `tuple index ${i} out of range: the tuple has ${t.elements.length} elements`);
      return u64;
    }
    const field: A.FieldExpr = { kind: "FieldExpr", object: e.object, field: String(i), arrow: false, span: e.span };
    s.rewrites.set(e, field);
    s.types.set(field, t.elements[Number(i)]!);
    return t.elements[Number(i)]!;
  }

  field(e: A.FieldExpr, s: ProbeScope): Type {
    const t = this.expr(e.object, s);
    if (t.k === "tuple") {
      const i = Number(e.field);
      if (!Number.isInteger(i) || i < 0 || i >= t.elements.length) {
        this.err(e.span, `tuple index ${e.field} out of range: the tuple has ${t.elements.length} elements`);
        return u64;
      }
      return t.elements[i]!;
    }
    const rec = t.k === "ptr" ? t.to : t;
    if (rec.k !== "record") {
      this.err(e.span, `${typeName(t)} has no field '${e.field}'`);
      return u64;
    }
    if (!rec.fields || rec.layout === "c") return K.kernelField(this, e, rec, s);
    const f = rec.fields.find((x) => x.name === e.field);
    if (!f) {
      const near = closest(e.field, rec.fields.map((x) => x.name));
      this.err(e.span, rec.name === "record" ? `the record has no field '${e.field}'` : `${s.concrete.name} has no argument '${e.field}'`, near ? [`did you mean ${near}?`] : [`its arguments: ${rec.fields.map((x) => x.name).join(", ")}`]);
      return u64;
    }
    return f.dataLoc ? str(this.strlen) : f.type;
  }





}

/**
 * `$1`..`$N` (and `$#`) in an attach point are the positional parameters' text, as
 * bpftrace substitutes them: `uprobe:$1:main`, `interval:ms:$2`, even the provider
 * (`BEG$1`) or the whole attach point (`$1`), so the text is split again. A missing one is "".
 */
function withPositional(ap: A.AttachPoint, positional: readonly string[]): A.AttachPoint | { problems: readonly string[] } {
  if (!ap.raw.includes("$")) return ap;
  const raw = ap.raw.replace(/\$(#|\d+)/g, (_, n: string) => (n === "#" ? String(positional.length) : (positional[Number(n) - 1] ?? "")));
  const split = splitAttachPoint(raw);
  if (split.problems.length > 0) return { problems: split.problems };
  return { ...ap, raw, provider: split.provider, parts: split.parts };
}

/** `env` on a kernel that allows every probe type: kprobes, trampolines, a hardware PMU. */
function withAllFeatures(env: ProbeEnv): ProbeEnv {
  const all = { ...env.features(), kprobes: true, trampolines: true, hardwarePmu: true };
  return new Proxy(env, {
    get: (target, prop) => (prop === "features" ? () => all : Reflect.get(target, prop, target)),
  });
}

export { tupleLayout };
