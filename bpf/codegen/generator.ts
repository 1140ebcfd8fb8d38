// Codegen for one concrete probe: the checked AST of its predicate and body → eBPF.
//
// Register discipline (kept simple so the verifier always follows it):
//   r6 = the context pointer for the whole program (saved at entry);
//   an integer expression leaves its value in r0; binary operators spill the left operand
//   to a stack temporary while the right one is computed (helper calls clobber r1-r5);
//   strings, tuples and buffers live in stack slots — `value()` returns their offset
//   (slots over 64 bytes are in the per-CPU scratch area, addressed like the stack until
//   scratch.ts rewrites them: frame.ts);
//   r7 = the scratch pointer, set at entry when the program needs one (scratch.ts).
// Temporaries are released after each statement (Frame.mark/release); variables keep one
// slot for the whole program.
import { asm, type Reg, R0, R1, R2, R3, R6, R10, Emitter, H } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import type { CheckedProbe } from "../check/checker.ts";
import { constInt } from "../lang/const-fold.ts";
import { namedType } from "../check/named-types.ts";
import { type MapInfo } from "../types/map-info.ts";
import { type Type, sizeOf, tupleLayout, isScalar, alignOf, typeName, inMemory } from "../types/types.ts";
import { PtRegs } from "../types/abi.ts";
import { type ConcreteProbe, kindOf } from "../probes/index.ts";
import { builtinRows } from "../functions/index.ts";
import { helperErrorCheck } from "../functions/helper-errors.ts";
import { Frame, isScratch } from "./frame.ts";
import { emitFrameBase, slotAddress, takesAddress } from "./address-of.ts";
import { arrayCast } from "./array-cast.ts";
import { binary } from "./operators.ts";
import { kernelMember, kernelMemberBytes, memberElement, recordAddress } from "./kernel-members.ts";
import { forMapStmt, type CallbackCode } from "./for-map.ts";
import { forRangeStmt } from "./for-range.ts";
import { emitPidFilter, emitSelfFilter, needsPidFilter, needsSelfFilter } from "./pid-scope.ts";
import { emitCgroupFilter, needsCgroupFilter } from "./cgroup-scope.ts";
import { emitStopFlag, needsStopFlag } from "./stop-flag.ts";
import { heldFieldOffset, heldRecord, storeRecordLiteral, storeRecord } from "./record-copy.ts";
import { convertTuple } from "./tuple-convert.ts";
import { emitIterEntry } from "./iter-entry.ts";
import { argCode } from "./arg-code.ts";
import * as M from "./map-ops.ts";
import * as C from "./calls.ts";
import type { GenContext, SharedState, Loop } from "./emit-context.ts";
import { CodegenError } from "../types/errors.ts";

export type { SharedState, Loop } from "./emit-context.ts";

export class ProbeGenerator implements GenContext {
  /** Where code goes; a for-map loop swaps in its callback's stream (for-map.ts). */
  e: Emitter;
  readonly frame = new Frame();
  readonly vars = new Map<string, { off: number; type: Type }>();
  loops: Loop[] = [];
  readonly counters: number[] = [];
  exitLabel: string;
  /** The slot of the probe's frame and scratch addresses, when it takes a variable's (address-of.ts). */
  frameBase: number | undefined;
  /** Callbacks of for-map loops, appended after the main function. */
  readonly subprogs: CallbackCode[] = [];

  constructor(
    readonly cp: CheckedProbe,
    readonly shared: SharedState,
    index: number,
  ) {
    this.e = new Emitter(`p${index}_`);
    this.exitLabel = this.e.label("exit");
  }

  get probe(): ConcreteProbe {
    return this.cp.concrete;
  }

  mapInfo(name: string, span: A.Span): MapInfo {
    return M.mapInfo(this, name, span);
  }

  mapKey(x: A.MapExpr, info: MapInfo): { off: number; bucketOff: number | undefined } {
    return M.buildKey(this, x, info);
  }

  mapKeyOf(info: MapInfo, k: A.Expr): number {
    return M.keyFromExpr(this, info, k);
  }

  mapLookup(name: string, keyOff: number): void {
    M.lookup(this, name, keyOff);
  }

  /** The slot of the variable `node` names (a later variable of the same name has its own: checker varKey). */
  variable(node: A.Node, name: string): { off: number; type: Type } {
    const v = this.vars.get(this.cp.varKeys.get(node) ?? name);
    if (!v) throw new CodegenError(`unknown variable ${name}`, "span" in node ? node.span : this.cp.probe.span);
    return v;
  }

  type(x: A.Expr): Type {
    const t = this.cp.types.get(x);
    // a variable's slot has the type of all its assignments (a tuple's strings grow with a
    // later one); a variable printed as the struct it holds keeps that type
    if (x.kind === "VarExpr" && t?.k !== "record") {
      const v = this.vars.get(this.cp.varKeys.get(x) ?? x.name);
      if (v) return v.type;
    }
    if (!t) throw new CodegenError(`internal: no type for ${x.kind}`, x.span);
    return t;
  }

  generate(): void {
    const { e } = this;
    e.comment(`${this.shared.origin}: ${this.cp.concrete.name}`);
    e.emit(asm.mov(R6, R1));
    if (needsStopFlag(this.cp.concrete)) emitStopFlag(e, this.exitLabel);
    if (needsPidFilter(this.cp.concrete, this.shared.pid)) emitPidFilter(e, this.shared.pid!, this.exitLabel);
    if (needsSelfFilter(this.cp.concrete, this.shared.self)) emitSelfFilter(e, this.shared.self!, this.exitLabel);
    if (needsCgroupFilter(this.cp.concrete, this.shared.cgroup)) emitCgroupFilter(e, this.shared.cgroup!, this.exitLabel);
    if (this.cp.concrete.context === "iter") emitIterEntry(e, this.exitLabel, this.frame.alloc(8));
    for (const [name, type] of this.cp.vars) {
      const off = this.frame.alloc(sizeOf(type), alignOf(type));
      this.vars.set(name, { off, type });
      e.zero(off, sizeOf(type));
    }
    if (takesAddress([this.cp.probe.predicate, this.cp.probe.body])) {
      this.frameBase = emitFrameBase(e, this.frame, [...this.vars.values()].some((v) => isScratch(v.off)));
    }
    if (this.cp.probe.predicate) {
      this.srcComment(this.cp.probe.predicate.span);
      const m = this.frame.mark();
      this.cond(this.cp.probe.predicate, this.exitLabel);
      this.frame.release(m);
    }
    this.block(this.cp.probe.body);
    e.place(this.exitLabel);
    e.emit(asm.movImm(R0, 0), asm.exit());
    for (const s of this.subprogs) e.emit(...s.insns);
  }

  srcComment(span: A.Span): void {
    const line = this.shared.source.split("\n")[span.line - 1] ?? "";
    this.e.comment(`${this.shared.origin}:${span.line}: ${line.trim()}`);
  }

  // --- statements ------------------------------------------------------------------

  block(b: A.Block): void {
    for (const st of b.statements) this.stmt(st);
  }

  stmt(st: A.Stmt): void {
    this.srcComment(st.span);
    const mark = this.frame.mark();
    try {
      this.stmtInner(st);
    } finally {
      this.frame.release(mark);
    }
  }

  stmtInner(st: A.Stmt): void {
    const { e } = this;
    switch (st.kind) {
      case "ExprStmt":
        if (st.expr.kind === "CallExpr") return C.callStmt(this, st.expr);
        this.discard(st.expr);
        return;
      case "AssignStmt":
        return M.assign(this, st);
      case "VarDeclStmt": {
        if (!st.value) return;
        const v = this.variable(st, st.name);
        this.storeInto(st.value, v.off, v.type);
        return;
      }
      case "IfStmt": {
        const elseL = e.label("else");
        const endL = e.label("endif");
        this.cond(st.cond, elseL);
        this.block(st.then);
        if (st.else) {
          e.emit(asm.ja(endL));
          e.place(elseL);
          if (st.else.kind === "Block") this.block(st.else);
          else this.stmt(st.else);
          e.place(endL);
        } else {
          e.place(elseL);
        }
        this.placeNop();
        return;
      }
      case "WhileStmt": {
        const top = e.label("while");
        const end = e.label("wend");
        e.place(top);
        this.cond(st.cond, end);
        this.loops.push({ brk: end, cont: top });
        this.block(st.body);
        this.loops.pop();
        e.emit(asm.ja(top));
        e.place(end);
        this.placeNop();
        return;
      }
      case "UnrollStmt": {
        const n = Number(constInt(st.count, this.shared.positional) ?? 1n);
        for (let i = 0; i < n; i++) this.block(st.body);
        return;
      }
      case "ForRangeStmt":
        return forRangeStmt(this, st, this.subprogs);
      case "ForMapStmt":
        return forMapStmt(this, st, this.subprogs);
      case "JumpStmt": {
        if (st.jump === "return") {
          e.emit(asm.ja(this.exitLabel));
          return;
        }
        const loop = this.loops[this.loops.length - 1];
        if (!loop) throw new CodegenError(`'${st.jump}' outside a loop`, st.span);
        e.emit(asm.ja(st.jump === "break" ? loop.brk : loop.cont));
        return;
      }
      case "BlockStmt":
        return this.block(st.block);
    }
  }

  /** A label may be the last thing before more labels: give it an instruction to sit on. */
  placeNop(): void {
    // Emitting `r0 = r0` keeps labels on a real instruction; the verifier accepts it.
    this.e.emit(asm.mov(R0, R0));
  }

  /**
   * A 0/1 result from control flow: r0 = `fallThrough` on the path that reaches this point,
   * `jumped` on the paths that jump to `label` (placed here).
   */
  flag(fallThrough: 0 | 1, label: string, jumped: 0 | 1): void {
    const { e } = this;
    const out = e.label("flag");
    e.emit(asm.movImm(R0, fallThrough), asm.ja(out));
    e.place(label);
    e.emit(asm.movImm(R0, jumped));
    e.place(out);
    this.placeNop();
  }

  discard(x: A.Expr): void {
    if (x.kind === "BlockExpr") {
      this.block(x.block);
      if (x.value) this.discard(x.value);
      return;
    }
    const t = this.type(x);
    if (x.kind === "TernaryExpr" && t.k === "none") {
      // `c ? printf(...) : printf(...)` as a statement: each branch runs for its effects
      const f = this.e.label("tf");
      const end = this.e.label("te");
      this.cond(x.cond, f);
      this.discard(x.then);
      this.e.emit(asm.ja(end));
      this.e.place(f);
      this.discard(x.else);
      this.e.place(end);
      this.placeNop();
    } else if (x.kind === "CallExpr" && t.k === "none") C.callStmt(this, x);
    else if (isScalar(t)) this.scalar(x);
    else if (t.k !== "none") this.value(x);
  }

  // --- conditions ------------------------------------------------------------------

  /** Jump to `falseL` when `x` is false; fall through when true. */
  cond(x: A.Expr, falseL: string): void {
    const { e } = this;
    if (x.kind === "BinaryExpr" && x.op === "&&") {
      this.cond(x.left, falseL);
      this.cond(x.right, falseL);
      return;
    }
    if (x.kind === "BinaryExpr" && x.op === "||") {
      const trueL = e.label("or_true");
      const rightL = e.label("or_right");
      this.cond(x.left, rightL);
      e.emit(asm.ja(trueL));
      e.place(rightL);
      this.cond(x.right, falseL);
      e.place(trueL);
      this.placeNop();
      return;
    }
    if (x.kind === "UnaryExpr" && x.op === "!") {
      const trueL = e.label("not");
      this.cond(x.operand, trueL);
      e.emit(asm.ja(falseL));
      e.place(trueL);
      this.placeNop();
      return;
    }
    const t = this.type(x);
    if (t.k === "string") {
      const off = this.value(x);
      e.emit(asm.ldx(1, R0, R10, off), asm.jeqImm(R0, 0, falseL));
      return;
    }
    this.scalar(x);
    e.emit(asm.jeqImm(R0, 0, falseL));
  }

  // --- scalar expressions (result in r0) ---------------------------------------------

  scalar(x: A.Expr): void {
    const { e } = this;
    const t = this.type(x);
    const known = this.cp.consts.get(x);
    if (known !== undefined) return this.loadConst(known);
    const rewrite = this.cp.rewrites.get(x);
    if (rewrite) return this.scalar(rewrite);
    if (inMemory(t)) return void this.recordAddress(x);
    switch (x.kind) {
      case "IntLit":
        return this.loadConst(x.value);
      case "BoolLit":
        e.emit(asm.movImm(R0, x.value ? 1 : 0));
        return;
      case "PositionalExpr": {
        const v = constInt(x, this.shared.positional);
        return this.loadConst(v ?? 0n);
      }
      case "IdentExpr":
        return this.builtin(x);
      case "VarExpr": {
        const v = this.variable(x, x.name);
        this.loadScalar(R0, R10, v.off, v.type);
        return;
      }
      case "MapExpr":
        return M.readMapScalar(this, x);
      case "BinaryExpr":
        return binary(this, x);
      case "UnaryExpr": {
        if (x.op === "!") {
          const f = e.label("notf");
          this.cond(x.operand, f);
          return this.flag(0, f, 1);
        }
        if (x.op === "*") {
          this.scalar(x.operand);
          const ot = this.type(x.operand);
          this.readPointer(R0, 0, t, ot.k === "ptr" && ot.user, x.span);
          return;
        }
        if (x.op === "&") {
          if (x.operand.kind !== "VarExpr") throw new CodegenError("internal: '&' of a non-variable", x.span);
          return slotAddress(e, this.frameBase, this.variable(x.operand, x.operand.name).off, x.span);
        }
        this.scalar(x.operand);
        if (x.op === "-") e.emit(asm.neg(R0));
        else e.emit(asm.xorImm(R0, -1));
        return;
      }
      case "UpdateExpr":
        return M.update(this, x);
      case "TernaryExpr": {
        const f = e.label("tf");
        const end = e.label("te");
        this.cond(x.cond, f);
        this.scalar(x.then);
        e.emit(asm.ja(end));
        e.place(f);
        this.scalar(x.else);
        e.place(end);
        this.placeNop();
        return;
      }
      case "CallExpr":
        return C.callScalar(this, x);
      case "FieldExpr":
        return this.fieldScalar(x);
      case "IndexExpr": {
        const ot = this.type(x.object);
        if (ot.k === "string" || ot.k === "array") {
          const i = constInt(x.index, this.shared.positional);
          const member = x.object.kind === "FieldExpr" ? this.cp.fields.get(x.object) : undefined;
          // a member array indexed at run time, or a flexible one (`int y[0]`): read in place
          if (member && x.object.kind === "FieldExpr" && ot.k === "array" && (i === undefined || ot.length === 0)) return memberElement(this, x, x.object, member);
          const off = this.value(x.object);
          const es = ot.k === "array" ? sizeOf(ot.element) : 1;
          if (i === undefined) return this.stackElement(x, off, es, sizeOf(ot) / es);
          this.loadScalar(R0, R10, off + Number(i) * es, t);
          return;
        }
        // pointer indexing: p[i] = *(p + i * size)
        const size = sizeOf(t);
        this.scalar(x.index);
        const tmp = this.frame.alloc(8);
        e.emit(asm.mulImm(R0, size), asm.stx(8, R10, tmp, R0));
        this.scalar(x.object);
        e.emit(asm.ldx(8, R1, R10, tmp), asm.add(R0, R1));
        this.readPointer(R0, 0, t, ot.k === "ptr" && ot.user, x.span);
        return;
      }
      case "CastExpr": {
        const from = this.type(x.expr);
        if (isScalar(from)) this.scalar(x.expr);
        else if (from.k === "array") {
          // same size as the integer (checker/array-cast.ts)
          const off = this.value(x.expr);
          this.loadScalar(R0, R10, off, t);
          return;
        } else throw new CodegenError(`cannot cast ${typeName(from)}`, x.span);
        this.truncate(R0, t);
        return;
      }
      case "SizeofExpr": {
        const size = x.target.kind === "TypeSpec" ? specSize(x.target) : sizeOf(this.type(x.target));
        e.emit(asm.movImm(R0, size));
        return;
      }
      case "BlockExpr":
        this.block(x.block);
        if (x.value) return this.scalar(x.value);
        throw new CodegenError("this block (a macro without a final value) has no value", x.span);
      default:
        throw new CodegenError(`${x.kind} cannot be used as a number here`, x.span);
    }
  }

  /** r0 = element i (known at run time) of the array copied at r10+off; 0 when i is out of bounds. */
  stackElement(x: A.IndexExpr, off: number, es: number, length: number): void {
    const { e } = this;
    const out = e.label("ioob");
    const end = e.label("iend");
    this.scalar(x.index);
    e.emit(asm.jgeImm(R0, length, out), asm.mulImm(R0, es), asm.mov(R1, R10), asm.addImm(R1, off), asm.add(R1, R0));
    this.loadScalar(R0, R1, 0, this.type(x));
    e.emit(asm.ja(end));
    e.place(out);
    e.emit(asm.movImm(R0, 0));
    e.place(end);
    this.placeNop();
  }

  loadConst(v: bigint): void {
    if (v >= -0x80000000n && v <= 0x7fffffffn) this.e.emit(asm.movImm(R0, v));
    else this.e.emit(asm.ldImm64(R0, BigInt.asUintN(64, v)));
  }

  /** dst = *(type *)(src + off), sign- or zero-extended to 64 bits. */
  loadScalar(dst: Reg, src: Reg, off: number, t: Type): void {
    const size = Math.min(8, Math.max(1, sizeOf(t))) as 1 | 2 | 4 | 8;
    const w = size === 8 || size === 4 || size === 2 || size === 1 ? size : 8;
    this.e.emit(asm.ldx(w, dst, src, off));
    if (t.k === "int" && t.signed && w < 8) {
      const sh = 64 - w * 8;
      this.e.emit(asm.lshImm(dst, sh), asm.arshImm(dst, sh));
    }
  }

  /** Truncate/extend r to the width and signedness of t (casts); a bool is 1 for any non-zero value. */
  truncate(r: Reg, t: Type): void {
    if (t.k === "bool") {
      const zero = this.e.label("bool0");
      this.e.emit(asm.jeqImm(r, 0, zero), asm.movImm(r, 1));
      this.e.place(zero);
      this.placeNop();
      return;
    }
    if (t.k !== "int" || t.bits === 64) return;
    const sh = 64 - t.bits;
    this.e.emit(asm.lshImm(r, sh), t.signed ? asm.arshImm(r, sh) : asm.rshImm(r, sh));
  }

  /** r0 = *(t *)(r + off) read through probe_read (kernel or user memory); -k checks it for `span`. */
  readPointer(r: Reg, off: number, t: Type, user: boolean, span?: A.Span): void {
    const { e } = this;
    const size = Math.min(8, Math.max(1, sizeOf(t)));
    const slot = this.frame.alloc(8);
    e.emit(asm.st(8, R10, slot, 0));
    if (r !== R3) e.emit(asm.mov(R3, r));
    if (off) e.emit(asm.addImm(R3, off));
    e.stackAddr(R1, slot);
    const helper = user ? H.probe_read_user : H.probe_read_kernel;
    e.emit(asm.movImm(R2, size), asm.call(helper));
    if (span) helperErrorCheck(this, helper, span);
    this.loadScalar(R0, R10, slot, t);
  }

  // --- builtins ----------------------------------------------------------------------

  builtin(x: A.IdentExpr): void {
    const { e } = this;
    const p = this.cp.concrete;
    const name = x.name;
    const row = builtinRows.get(name);
    if (row?.emit?.scalar) return row.emit.scalar(this, x);
    switch (name) {
      case "ctx":
        e.emit(asm.mov(R0, R6));
        return;
      case "retval": {
        // the probe's kind reads it (bpf/probes/args.ts)
        const r = kindOf(p).args.retval;
        if (!r) throw new CodegenError(`retval is not available in ${p.provider} probes`, x.span);
        return r.emit(p, this.type(x), argCode(this, x.span));
      }
      case "func":
        // kprobe/kretprobe: the probed function's address, named by ksym when printed
        e.emit(asm.mov(R1, R6), asm.call(H.get_func_ip));
        return;
    }
    const m = /^(s?)arg(\d+)$/.exec(name);
    if (m) {
      const n = Number(m[2]);
      if (m[1]) {
        // sargN: the N-th stack argument, above the return address at rsp
        e.emit(asm.ldx(8, R3, R6, PtRegs.rsp), asm.addImm(R3, 8 * (n + 1)));
        this.readPointer(R3, 0, { k: "int", bits: 64, signed: false }, true);
        return;
      }
      const args = kindOf(p).args.positional;
      if (!args) throw new CodegenError(`${name} is not available in ${p.provider} probes`, x.span);
      return args.emit(p, n, this.type(x), argCode(this, x.span));
    }
    throw new CodegenError(`${name} cannot be used as a number`, x.span);
  }

  // --- fields ----------------------------------------------------------------------

  /** The record field `x` names (tracepoint args), or undefined for tuples. */
  fieldOf(x: A.FieldExpr) {
    const ot = this.type(x.object);
    const rec = ot.k === "ptr" ? ot.to : ot;
    if (rec.k !== "record") return undefined;
    const f = rec.fields?.find((y) => y.name === x.field);
    if (!f) throw new CodegenError(`no field ${x.field}`, x.span);
    if (heldRecord(x.object, ot)) return undefined;
    if (x.object.kind !== "IdentExpr" || x.object.name !== "args") {
      throw new CodegenError("field access is supported on args (tracepoint fields) only, for now", x.span);
    }
    return f;
  }

  /** r0 = element `index` of the `length` elements at r10+off; 0 past the end (the verifier wants the bound). */
  fieldScalar(x: A.FieldExpr): void {
    const t = this.type(x);
    const member = this.cp.fields.get(x);
    if (member) return kernelMember(this, x, member);
    const f = this.fieldOf(x);
    if (!f) {
      const off = this.value(x.object);
      this.loadScalar(R0, R10, off + heldFieldOffset(this.type(x.object), x.field), t);
      return;
    }
    const fields = kindOf(this.cp.concrete).args.fields;
    if (fields) return fields.scalar(f, t, argCode(this, x.span));
    throw new CodegenError(`args.${x.field} is not supported in ${this.cp.concrete.provider} probes yet`, x.span);
  }

  // --- kernel structs through BTF (kernel-members.ts) --------------------------------

  recordAddress(x: A.Expr): boolean {
    return recordAddress(this, x);
  }

  // --- aggregate values (stack slots) ------------------------------------------------

  /** Evaluate a value of any type into a fresh stack slot; returns its offset. */
  value(x: A.Expr): number {
    const t = this.type(x);
    if (x.kind === "VarExpr") {
      const v = this.variable(x, x.name);
      if (sizeOf(v.type) >= sizeOf(t)) return v.off;
    }
    const off = this.frame.alloc(Math.max(8, sizeOf(t)), alignOf(t));
    this.storeInto(x, off, t);
    return off;
  }

  /** Write the value of `x` at r10+off, laid out as `t` (which may be wider than x's type). */
  storeInto(x: A.Expr, off: number, t: Type): void {
    const { e } = this;
    const rewrite = this.cp.rewrites.get(x);
    if (rewrite) return this.storeInto(rewrite, off, t);
    const xt = this.type(x);
    if (isScalar(t) || t.k === "int") {
      this.scalar(x);
      const size = Math.min(8, sizeOf(t)) as 1 | 2 | 4 | 8;
      e.emit(asm.stx(size, R10, off, R0));
      // usym values carry the pid whose address space they are in (symbolised per process).
      if (t.k === "sym" && t.user) e.emit(asm.call(H.get_current_pid_tgid), asm.rshImm(R0, 32), asm.stx(8, R10, off + 8, R0));
      return;
    }
    const size = sizeOf(t);
    if (t.k === "record" && storeRecord(this, x, off, t)) return;
    if (t.k === "tuple" && xt.k === "tuple" && typeName(t) !== typeName(xt) && !["TupleExpr", "TernaryExpr", "BlockExpr"].includes(x.kind)) {
      // the same tuple laid out otherwise (wider integers or strings): element by element
      return convertTuple(this, this.value(x), xt, off, t);
    }
    switch (x.kind) {
      case "StrLit":
        e.storeBytes(off, Buffer.from(x.value), size);
        return;
      case "PositionalExpr": {
        const v = this.shared.positional[x.index - 1] ?? "";
        e.storeBytes(off, Buffer.from(v), size);
        return;
      }
      case "IdentExpr": {
        const row = builtinRows.get(x.name);
        if (row?.emit?.value) return row.emit.value(this, x, off, t);
        if (x.name === "func") {
          e.storeBytes(off, Buffer.from(this.cp.concrete.func ?? ""), size);
          return;
        }
        break;
      }
      case "VarExpr": {
        const v = this.variable(x, x.name);
        if (v.off === off) return;
        e.zero(off, size);
        e.copy(R10, off, R10, v.off, Math.min(size, sizeOf(v.type)));
        return;
      }
      case "MapExpr":
        return M.readMapValue(this, x, off, t);
      case "CallExpr":
        return C.callValue(this, x, off, t);
      case "BlockExpr":
        this.block(x.block);
        if (x.value) return this.storeInto(x.value, off, t);
        break;
      case "CastExpr":
        if (t.k === "array") return arrayCast(this, x, off, t);
        break;
      case "TupleExpr": {
        if (t.k === "record" && x.names) return storeRecordLiteral(this, x, off, t);
        if (t.k !== "tuple") break;
        const { offsets } = tupleLayout(t.elements);
        e.zero(off, size);
        x.elements.forEach((el, i) => this.storeInto(el, off + offsets[i]!, t.elements[i]!));
        return;
      }
      case "TernaryExpr": {
        const f = e.label("vf");
        const end = e.label("ve");
        this.cond(x.cond, f);
        this.storeInto(x.then, off, t);
        e.emit(asm.ja(end));
        e.place(f);
        this.storeInto(x.else, off, t);
        e.place(end);
        this.placeNop();
        return;
      }
      case "FieldExpr": {
        const member = this.cp.fields.get(x);
        if (member) return kernelMemberBytes(this, x, member, off, size);
        const fld = this.fieldOf(x);
        const bytes = kindOf(this.cp.concrete).args.fields?.bytes;
        if (fld && bytes) return bytes(fld, off, size, argCode(this, x.span));
        if (!fld) {
          const src = this.value(x.object);
          e.zero(off, size);
          e.copy(R10, off, R10, src + heldFieldOffset(this.type(x.object), x.field), Math.min(size, sizeOf(xt)));
          return;
        }
        break;
      }
      case "UnaryExpr": {
        // `*p` of a tuple, string or array (`*(&$t)`): its bytes read through the pointer
        const pt = this.type(x.operand);
        if (x.op !== "*" || pt.k !== "ptr") break;
        e.zero(off, size);
        this.scalar(x.operand);
        e.emit(asm.mov(R3, R0));
        e.stackAddr(R1, off);
        e.emit(asm.movImm(R2, Math.min(size, sizeOf(xt))), asm.call(pt.user ? H.probe_read_user : H.probe_read_kernel));
        return;
      }
      case "IndexExpr": {
        // an element of an array of arrays (`a[1]` of int32[2][2]): copied from the array's copy
        const ot = this.type(x.object);
        const i = constInt(x.index, this.shared.positional);
        if (ot.k !== "array" || i === undefined) break;
        e.zero(off, size);
        e.copy(R10, off, R10, this.value(x.object) + Number(i) * sizeOf(ot.element), Math.min(size, sizeOf(xt)));
        return;
      }
      default:
        break;
    }
    throw new CodegenError(`cannot produce a ${typeName(t)} from ${x.kind} here`, x.span);
  }
}

/** sizeof(TYPE): pointers are 8 bytes; named types by their layout (unknown names count as 8). */
function specSize(t: A.TypeSpec): number {
  if (t.pointerDepth > 0) return 8;
  const base = namedType(t.name);
  return (base ? sizeOf(base) : 8) * (t.arraySize ?? 1);
}
