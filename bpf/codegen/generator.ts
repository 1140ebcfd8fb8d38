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
import { asm, type Reg, R0, R1, R2, R3, R6, R10 } from "../asm/index.ts";
import type * as A from "../lang/ast.ts";
import type { CheckedProbe } from "../check/checker.ts";
import type { BtfField } from "../btf/btf-types.ts";
import { constInt } from "../check/const-fold.ts";
import { namedType } from "../check/named-types.ts";
import { type MapInfo } from "../check/map-registry.ts";
import { type Type, sizeOf, tupleLayout, isScalar, alignOf, typeName, inMemory } from "../types/types.ts";
import { PtRegs } from "../types/abi.ts";
import { type ProbeEnv, kindOf } from "../probes/index.ts";
import { Emitter, H } from "./emitter.ts";
import { compareBytes } from "./byte-loops.ts";
import { Frame } from "./frame.ts";
import * as VC from "./value-calls.ts";
import * as SC from "./stdlib-calls.ts";
import type { Action } from "./spec.ts";
import { forMapStmt, type CallbackCode } from "./for-map.ts";
import { emitPidFilter, emitSelfFilter, needsPidFilter, needsSelfFilter } from "./pid-scope.ts";
import { emitCgroupFilter, needsCgroupFilter } from "./cgroup-scope.ts";
import { emitStopFlag, needsStopFlag } from "./stop-flag.ts";
import { storeRecord } from "./record-copy.ts";
import { emitIterEntry } from "./iter-entry.ts";
import { argCode } from "./arg-code.ts";
import * as M from "./map-ops.ts";
import * as C from "./calls.ts";
import type { EmitContext, SharedState, Loop } from "./emit-context.ts";

export class CodegenError extends Error {
  constructor(
    message: string,
    readonly span: A.Span,
  ) {
    super(message);
  }
}

export type { SharedState, Loop } from "./emit-context.ts";

export class ProbeGenerator implements EmitContext {
  /** Where code goes; a for-map loop swaps in its callback's stream (for-map.ts). */
  e: Emitter;
  readonly frame = new Frame();
  readonly vars = new Map<string, { off: number; type: Type }>();
  loops: Loop[] = [];
  exitLabel: string;
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

  type(x: A.Expr): Type {
    const t = this.cp.types.get(x);
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
        const v = this.vars.get(st.name)!;
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
      case "ForRangeStmt": {
        const v = this.vars.get(st.variable)!;
        const endSlot = this.frame.alloc(8);
        this.scalar(st.end);
        e.emit(asm.stx(8, R10, endSlot, R0));
        this.scalar(st.start);
        e.emit(asm.stx(8, R10, v.off, R0));
        const top = e.label("for");
        const cont = e.label("fnext");
        const end = e.label("fend");
        e.place(top);
        e.emit(asm.ldx(8, R0, R10, v.off), asm.ldx(8, R1, R10, endSlot), asm.jsge(R0, R1, end));
        this.loops.push({ brk: end, cont });
        this.block(st.body);
        this.loops.pop();
        e.place(cont);
        e.emit(asm.ldx(8, R0, R10, v.off), asm.addImm(R0, 1), asm.stx(8, R10, v.off, R0), asm.ja(top));
        e.place(end);
        this.placeNop();
        return;
      }
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
    if (isScalar(t)) this.scalar(x);
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
        const v = this.vars.get(x.name);
        if (!v) throw new CodegenError(`unknown variable ${x.name}`, x.span);
        this.loadScalar(R0, R10, v.off, v.type);
        return;
      }
      case "MapExpr":
        return M.readMapScalar(this, x);
      case "BinaryExpr":
        return this.binary(x);
      case "UnaryExpr": {
        if (x.op === "!") {
          const f = e.label("notf");
          this.cond(x.operand, f);
          return this.flag(0, f, 1);
        }
        if (x.op === "*") {
          this.scalar(x.operand);
          const ot = this.type(x.operand);
          this.readPointer(R0, 0, t, ot.k === "ptr" && ot.user);
          return;
        }
        if (x.op === "&") throw new CodegenError("'&' (address-of) is not supported", x.span);
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
          const off = this.value(x.object);
          const i = constInt(x.index, this.shared.positional);
          if (i === undefined) throw new CodegenError("indexing a string or array needs a constant index", x.index.span);
          const es = ot.k === "array" ? sizeOf(ot.element) : 1;
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
        this.readPointer(R0, 0, t, ot.k === "ptr" && ot.user);
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

  /** Truncate/extend r to the width and signedness of t (casts). */
  truncate(r: Reg, t: Type): void {
    if (t.k !== "int" || t.bits === 64) return;
    const sh = 64 - t.bits;
    this.e.emit(asm.lshImm(r, sh), t.signed ? asm.arshImm(r, sh) : asm.rshImm(r, sh));
  }

  /** r0 = *(t *)(r + off) read through probe_read (kernel or user memory). */
  readPointer(r: Reg, off: number, t: Type, user: boolean): void {
    const { e } = this;
    const size = Math.min(8, Math.max(1, sizeOf(t)));
    const slot = this.frame.alloc(8);
    e.emit(asm.st(8, R10, slot, 0));
    if (r !== R3) e.emit(asm.mov(R3, r));
    if (off) e.emit(asm.addImm(R3, off));
    e.stackAddr(R1, slot);
    e.emit(asm.movImm(R2, size), asm.call(user ? H.probe_read_user : H.probe_read_kernel));
    this.loadScalar(R0, R10, slot, t);
  }

  binary(x: A.BinaryExpr): void {
    const { e } = this;
    if (x.op === "&&" || x.op === "||" || ["==", "!=", "<", "<=", ">", ">="].includes(x.op)) {
      const lt = this.type(x.left);
      if (lt.k === "string" && (x.op === "==" || x.op === "!=")) {
        this.stringEquals(x.left, x.right);
        if (x.op === "!=") e.emit(asm.xorImm(R0, 1));
        return;
      }
      if (x.op === "&&" || x.op === "||") {
        const f = e.label("bf");
        const end = e.label("be");
        this.cond(x, f);
        e.emit(asm.movImm(R0, 1), asm.ja(end));
        e.place(f);
        e.emit(asm.movImm(R0, 0));
        e.place(end);
        this.placeNop();
        return;
      }
    }
    const rc = x.right.kind === "IntLit" && x.right.value >= -0x80000000n && x.right.value <= 0x7fffffffn ? x.right.value : undefined;
    const signed = this.isSigned(x.left) && this.isSigned(x.right);
    if (rc !== undefined) {
      this.scalar(x.left);
      e.emit(asm.mov(R1, R0), asm.movImm(R2, rc));
    } else {
      this.scalar(x.left);
      const tmp = this.frame.alloc(8);
      e.emit(asm.stx(8, R10, tmp, R0));
      this.scalar(x.right);
      e.emit(asm.mov(R2, R0), asm.ldx(8, R1, R10, tmp));
    }
    // r1 = left, r2 = right → r0
    switch (x.op) {
      case "+": e.emit(asm.mov(R0, R1), asm.add(R0, R2)); return;
      case "-": e.emit(asm.mov(R0, R1), asm.sub(R0, R2)); return;
      case "*": e.emit(asm.mov(R0, R1), asm.mul(R0, R2)); return;
      case "/":
      case "%": {
        // Division by zero: the kernel defines x/0 = 0 and x%0 = x; bpftrace gives 0 for both.
        const end = e.label("dive");
        e.emit(asm.movImm(R0, 0), asm.jeqImm(R2, 0, end));
        if (signed) e.emit(asm.mov(R0, R1), x.op === "/" ? asm.sdiv(R0, R2) : asm.smod(R0, R2));
        else e.emit(asm.mov(R0, R1), x.op === "/" ? asm.div(R0, R2) : asm.mod(R0, R2));
        e.place(end);
        this.placeNop();
        return;
      }
      case "&": e.emit(asm.mov(R0, R1), asm.and(R0, R2)); return;
      case "|": e.emit(asm.mov(R0, R1), asm.or(R0, R2)); return;
      case "^": e.emit(asm.mov(R0, R1), asm.xor(R0, R2)); return;
      case "<<": e.emit(asm.mov(R0, R1), asm.lsh(R0, R2)); return;
      case ">>": e.emit(asm.mov(R0, R1), signed ? asm.arsh(R0, R2) : asm.rsh(R0, R2)); return;
      default: {
        const ops: Record<string, string> = signed
          ? { "==": "jeq", "!=": "jne", "<": "jslt", "<=": "jsle", ">": "jsgt", ">=": "jsge" }
          : { "==": "jeq", "!=": "jne", "<": "jlt", "<=": "jle", ">": "jgt", ">=": "jge" };
        const yes = e.label("cmp");
        e.emit(asm.movImm(R0, 1), asm.jmp(ops[x.op]! as "jeq", R1, R2, yes), asm.movImm(R0, 0));
        e.place(yes);
        this.placeNop();
      }
    }
  }

  isSigned(x: A.Expr): boolean {
    const t = this.type(x);
    if (x.kind === "IntLit") return true;
    return t.k === "int" ? t.signed : false;
  }

  /** r0 = 1 when the strings are equal (bytes up to the first NUL), else 0. */
  stringEquals(a: A.Expr, b: A.Expr): void {
    const { e } = this;
    const ta = this.type(a);
    const tb = this.type(b);
    // A literal on either side: compare its bytes and its NUL, nothing more.
    const [dyn, lit] = b.kind === "StrLit" ? [a, b] : a.kind === "StrLit" ? [b, a] : [a, undefined];
    const ne = e.label("sne");
    const end = e.label("seq");
    if (lit) {
      const off = this.value(dyn);
      const bytes = Buffer.from((lit as A.StrLit).value);
      const size = sizeOf(this.type(dyn));
      const n = Math.min(bytes.length + 1, size);
      for (let i = 0; i < n; i++) {
        e.emit(asm.ldx(1, R1, R10, off + i), asm.jneImm(R1, i < bytes.length ? bytes[i]! : 0, ne));
      }
      if (bytes.length >= size) {
        // the literal is longer than the field: never equal
        e.emit(asm.ja(ne));
      }
    } else {
      const oa = this.value(a);
      const ob = this.value(b);
      const n = Math.min(sizeOf(ta), sizeOf(tb));
      compareBytes(e, oa, ob, n, ne, end);
    }
    e.place(end);
    this.flag(1, ne, 0);
  }

  // --- builtins ----------------------------------------------------------------------

  builtin(x: A.IdentExpr): void {
    const { e } = this;
    const p = this.cp.concrete;
    const name = x.name;
    if (SC.builtinScalar(this, name)) return;
    const helper = ONE_CALL_BUILTINS[name];
    if (helper !== undefined) {
      e.emit(asm.call(helper));
      return;
    }
    switch (name) {
      case "ctx":
        e.emit(asm.mov(R0, R6));
        return;
      case "pid":
      case "__builtin_pid":
        e.emit(asm.call(H.get_current_pid_tgid), asm.rshImm(R0, 32));
        return;
      case "tid":
        e.emit(asm.call(H.get_current_pid_tgid), asm.lshImm(R0, 32), asm.rshImm(R0, 32));
        return;
      case "uid":
      case "username":
        e.emit(asm.call(H.get_current_uid_gid), asm.lshImm(R0, 32), asm.rshImm(R0, 32));
        return;
      case "gid":
        e.emit(asm.call(H.get_current_uid_gid), asm.rshImm(R0, 32));
        return;
      case "cpid":
        e.emit(asm.movImm(R0, this.shared.cpid));
        return;
      case "elapsed":
        e.emit(asm.call(H.ktime_get_ns), asm.ldImm64(R1, this.shared.startNs), asm.sub(R0, R1));
        return;
      case "retval": {
        // the probe's kind reads it (bpf/probes/args.ts)
        const r = kindOf(p).args.retval;
        if (!r) throw new CodegenError(`retval is not available in ${p.provider} probes`, x.span);
        return r.emit(p, this.type(x), argCode(this, x.span));
      }
      case "kstack":
      case "ustack":
        return this.stackId(name === "ustack", this.type(x));
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

  stackId(user: boolean, t?: Type): void {
    VC.stackId(this, user, t?.k === "stack" ? t.limit : undefined);
  }

  // --- fields ----------------------------------------------------------------------

  /** The record field `x` names (tracepoint args), or undefined for tuples. */
  fieldOf(x: A.FieldExpr) {
    const ot = this.type(x.object);
    const rec = ot.k === "ptr" ? ot.to : ot;
    if (rec.k !== "record") return undefined;
    const f = rec.fields?.find((y) => y.name === x.field);
    if (!f) throw new CodegenError(`no field ${x.field}`, x.span);
    if (x.object.kind !== "IdentExpr" || x.object.name !== "args") {
      throw new CodegenError("field access is supported on args (tracepoint fields) only, for now", x.span);
    }
    return f;
  }

  fieldScalar(x: A.FieldExpr): void {
    const t = this.type(x);
    const member = this.cp.fields.get(x);
    if (member) return this.kernelMember(x, member);
    const f = this.fieldOf(x);
    if (!f) {
      const off = this.value(x.object);
      const ot = this.type(x.object) as Extract<Type, { k: "tuple" }>;
      const { offsets } = tupleLayout(ot.elements);
      this.loadScalar(R0, R10, off + offsets[Number(x.field)]!, t);
      return;
    }
    const fields = kindOf(this.cp.concrete).args.fields;
    if (fields) return fields.scalar(f, t, argCode(this, x.span));
    throw new CodegenError(`args.${x.field} is not supported in ${this.cp.concrete.provider} probes yet`, x.span);
  }

  // --- kernel structs through BTF ----------------------------------------------------

  /** r0 = address of the kernel struct `x` evaluates to; returns whether it is in user memory. */
  recordAddress(x: A.Expr): boolean {
    const t = this.type(x);
    const user = t.k === "record" ? (t.user ?? false) : false;
    const member = x.kind === "FieldExpr" ? this.cp.fields.get(x) : undefined;
    if (x.kind === "FieldExpr" && member) return this.memberAddress(x, member);
    if (x.kind === "UnaryExpr" && x.op === "*") {
      this.scalar(x.operand);
      return user;
    }
    throw new CodegenError(`a ${typeName(t)} value can only be used through its fields here`, x.span);
  }

  /** r0 = address of the member `x` reads; returns whether it is in user memory. */
  memberAddress(x: A.FieldExpr, f: BtfField): boolean {
    const ot = this.type(x.object);
    let user: boolean;
    if (ot.k === "ptr") {
      this.scalar(x.object);
      user = ot.user;
    } else user = this.recordAddress(x.object);
    if (f.offset) this.e.emit(asm.addImm(R0, f.offset));
    return user;
  }

  /** r0 = the value of a scalar member (bitfields shifted and masked); records give their address. */
  kernelMember(x: A.FieldExpr, f: BtfField): void {
    const { e } = this;
    const user = this.memberAddress(x, f);
    if (f.type.k === "record") return;
    if (!isScalar(f.type)) throw new CodegenError(`${typeName(f.type)} member '${x.field}' cannot be used as a number`, x.span);
    if (!f.bits) return this.readPointer(R0, 0, f.type, user);
    this.readPointer(R0, 0, { k: "int", bits: (f.bits.loadSize * 8) as 8 | 16 | 32 | 64, signed: false }, user);
    if (f.bits.shift) e.emit(asm.rshImm(R0, f.bits.shift));
    const drop = 64 - f.bits.width;
    e.emit(asm.lshImm(R0, drop), asm.rshImm(R0, drop));
  }

  /** Copy a string or array member into r10+off (at most `size` bytes, zero-filled). */
  kernelMemberBytes(x: A.FieldExpr, f: BtfField, off: number, size: number): void {
    const { e } = this;
    e.zero(off, size); // before the address: a large zero is a helper call
    const user = this.memberAddress(x, f);
    e.emit(asm.mov(R3, R0));
    e.stackAddr(R1, off);
    e.emit(asm.movImm(R2, Math.min(size, sizeOf(f.type))), asm.call(user ? H.probe_read_user : H.probe_read_kernel));
  }

  // --- aggregate values (stack slots) ------------------------------------------------

  /** Evaluate a value of any type into a fresh stack slot; returns its offset. */
  value(x: A.Expr): number {
    const t = this.type(x);
    if (x.kind === "VarExpr") {
      const v = this.vars.get(x.name)!;
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
    switch (x.kind) {
      case "StrLit":
        e.storeBytes(off, Buffer.from(x.value), size);
        return;
      case "PositionalExpr": {
        const v = this.shared.positional[x.index - 1] ?? "";
        e.storeBytes(off, Buffer.from(v), size);
        return;
      }
      case "IdentExpr":
        if (x.name === "comm") {
          e.zero(off, size);
          e.stackAddr(R1, off);
          e.emit(asm.movImm(R2, Math.min(16, size)), asm.call(H.get_current_comm));
          return;
        }
        if (x.name === "probetype") return e.storeBytes(off, SC.probeTypeText(this), size);
        if (x.name === "probe" || x.name === "func") {
          const text = x.name === "probe" ? this.cp.concrete.name : (this.cp.concrete.func ?? "");
          e.storeBytes(off, Buffer.from(text), size);
          return;
        }
        break;
      case "VarExpr": {
        const v = this.vars.get(x.name)!;
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
        if (t.k === "array") return SC.arrayCast(this, x, off, t);
        break;
      case "TupleExpr": {
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
        if (member) return this.kernelMemberBytes(x, member, off, size);
        const fld = this.fieldOf(x);
        const bytes = kindOf(this.cp.concrete).args.fields?.bytes;
        if (fld && bytes) return bytes(fld, off, size, argCode(this, x.span));
        if (!fld) {
          const src = this.value(x.object);
          const ot = this.type(x.object) as Extract<Type, { k: "tuple" }>;
          const { offsets } = tupleLayout(ot.elements);
          e.zero(off, size);
          e.copy(R10, off, R10, src + offsets[Number(x.field)]!, Math.min(size, sizeOf(xt)));
          return;
        }
        break;
      }
      default:
        break;
    }
    throw new CodegenError(`cannot produce a ${typeName(t)} from ${x.kind} here`, x.span);
  }













  /** r0 = bpftrace's log2 bucket of the signed value in r1 (0: < 0, 1: 0, i ≥ 2: [2^(i-2), 2^(i-1))). */
  log2Bucket(): void {
    const { e } = this;
    const done = e.label("l2done");
    e.emit(asm.movImm(R0, 0), asm.jsltImm(R1, 0, done), asm.movImm(R0, 1), asm.jeqImm(R1, 0, done), asm.movImm(R0, 2));
    for (const s of [32, 16, 8, 4, 2, 1]) {
      const skip = e.label("l2");
      e.emit(asm.mov(R3, R1), asm.rshImm(R3, s), asm.jeqImm(R3, 0, skip), asm.mov(R1, R3), asm.addImm(R0, s));
      e.place(skip);
      this.placeNop();
    }
    e.place(done);
    this.placeNop();
  }










}

/** Builtins that are exactly one helper call, its result in r0. */
const ONE_CALL_BUILTINS: Record<string, number> = {
  // bpftrace: nsecs is nsecs(boot), CLOCK_BOOTTIME, what strftime() expects
  nsecs: H.ktime_get_boot_ns,
  cpu: H.get_smp_processor_id,
  numaid: H.get_numa_node_id,
  cgroup: H.get_current_cgroup_id,
  curtask: H.get_current_task,
  rand: H.get_prandom_u32,
  jiffies: H.jiffies64,
};

/** sizeof(TYPE): pointers are 8 bytes; named types by their layout (unknown names count as 8). */
function specSize(t: A.TypeSpec): number {
  if (t.pointerDepth > 0) return 8;
  const base = namedType(t.name);
  return (base ? sizeOf(base) : 8) * (t.arraySize ?? 1);
}
