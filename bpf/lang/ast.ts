// The abstract syntax tree of a Tracebook (bpftrace-like) program.
//
// Produced by the parser (bpf/lang/parser.ts), read by the checker (bpf/check) and
// by codegen (bpf/codegen). Nodes are plain immutable data: passes that need more
// (types, resolved probes) keep it in side tables keyed by node, never by mutating it.
// Every node carries a Span so that any pass can point a diagnostic at its source.

export type { Span } from "../types/span.ts";
import type { Span } from "../types/span.ts";

export interface Program {
  readonly kind: "Program";
  /** `#include <linux/sched.h>` lines, as written between the brackets/quotes. */
  readonly includes: readonly string[];
  readonly structs: readonly StructDef[];
  readonly config: readonly ConfigItem[];
  /** `let @m = hash(1024);` style top-level map declarations. */
  readonly mapDecls: readonly MapDecl[];
  /** `fn name($a: int64): int64 { ... }` user functions (kept for completeness). */
  readonly functions: readonly FunctionDef[];
  readonly probes: readonly Probe[];
  readonly span: Span;
  /**
   * Added by the parser: `#define NAME value` lines in the active preprocessor branches
   * (bpftrace's tools use them for constants such as AF_INET). Optional so that
   * hand-built Programs need not list them.
   */
  readonly defines?: readonly CDefine[];
  /** Added by the parser: the active `#include` lines, with whether they were "quoted" and where. */
  readonly includeDirectives?: readonly CInclude[];
  /** Added by the parser: `macro name($a, @b, c) { ... }` definitions. */
  readonly macros?: readonly MacroDef[];
}

/** `#define NAME value` or `#define NAME(a, b) value`; `value` is the raw replacement text. */
export interface CDefine {
  readonly kind: "CDefine";
  readonly name: string;
  /** Parameter names of a function-like macro; undefined for an object-like one. */
  readonly params: readonly string[] | undefined;
  readonly value: string;
  readonly span: Span;
}

/** `#include <name>` or `#include "name"`. */
export interface CInclude {
  readonly kind: "CInclude";
  readonly name: string;
  readonly quoted: boolean;
  readonly span: Span;
}

/**
 * A bpftrace macro. Parameters keep their sigil: "$a" (a variable the macro may
 * change), "@m" (a map), "x" (an expression substituted where `x` appears).
 */
export interface MacroDef {
  readonly kind: "MacroDef";
  readonly name: string;
  readonly params: readonly string[];
  readonly body: Block;
  /** The body ends in an expression without ';': that expression is the macro's value. */
  readonly valued?: boolean;
  readonly span: Span;
}

/** A C struct (or union) definition at the top of a program, kept as raw text plus its name. */
export interface StructDef {
  readonly kind: "StructDef";
  readonly name: string; // e.g. "struct foo"
  readonly text: string;
  readonly span: Span;
}

/** `key = value` in `config = { ... }`; `true`/`false` become 1n/0n, bare words strings. */
export interface ConfigItem {
  readonly kind: "ConfigItem";
  readonly key: string;
  readonly value: bigint | string;
  readonly span: Span;
}

export interface MapDecl {
  readonly kind: "MapDecl";
  readonly name: string; // with the '@'
  readonly mapType: string; // hash, lruhash, percpuhash, percpulruhash, percpuarray
  readonly maxEntries: bigint;
  readonly span: Span;
}

export interface FunctionDef {
  readonly kind: "FunctionDef";
  readonly name: string;
  readonly params: readonly { readonly name: string; readonly type: TypeSpec }[];
  readonly returnType: TypeSpec;
  readonly body: Block;
  readonly span: Span;
}

export interface Probe {
  readonly kind: "Probe";
  readonly attachPoints: readonly AttachPoint[];
  readonly predicate: Expr | undefined;
  readonly body: Block;
  readonly span: Span;
}

/**
 * One attach point as written: `tracepoint:syscalls:sys_enter_openat`, `t:syscalls:*`,
 * `uprobe:/bin/bash:readline`, `interval:s:1`, `BEGIN`.
 * `provider` is the canonical provider name with aliases expanded (t → tracepoint,
 * kfunc → fentry, begin → BEGIN, ...: each probe kind's own, bpf/probes/index.ts).
 * `parts` are the colon-separated fields after the provider (an empty array for BEGIN/END);
 * a path that contains colons is not split (bpftrace quotes such paths).
 */
export interface AttachPoint {
  readonly kind: "AttachPoint";
  readonly raw: string;
  readonly provider: string;
  readonly parts: readonly string[];
  readonly span: Span;
}

export interface Block {
  readonly kind: "Block";
  readonly statements: readonly Stmt[];
  readonly span: Span;
}

export type Stmt =
  | ExprStmt
  | AssignStmt
  | VarDeclStmt
  | IfStmt
  | WhileStmt
  | UnrollStmt
  | ForMapStmt
  | ForRangeStmt
  | JumpStmt
  | BlockStmt;

export interface ExprStmt {
  readonly kind: "ExprStmt";
  readonly expr: Expr;
  readonly span: Span;
}

/** `@m[k] = v`, `$x = v`, `@m[k] += v` (op is the operator before '=', or "=" for plain). */
export interface AssignStmt {
  readonly kind: "AssignStmt";
  readonly target: MapExpr | VarExpr;
  readonly op: "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|=" | "^=" | "<<=" | ">>=";
  readonly value: Expr;
  readonly span: Span;
}

/** `let $v;`, `let $v: uint32 = 5;`, `let $v = 5;` */
export interface VarDeclStmt {
  readonly kind: "VarDeclStmt";
  readonly name: string; // with the '$'
  readonly type: TypeSpec | undefined;
  readonly value: Expr | undefined;
  readonly span: Span;
}

export interface IfStmt {
  readonly kind: "IfStmt";
  readonly cond: Expr;
  readonly then: Block;
  /** `else { }` is a Block; `else if` is an IfStmt. */
  readonly else: Block | IfStmt | undefined;
  readonly span: Span;
}

export interface WhileStmt {
  readonly kind: "WhileStmt";
  readonly cond: Expr;
  readonly body: Block;
  readonly span: Span;
}

export interface UnrollStmt {
  readonly kind: "UnrollStmt";
  readonly count: Expr;
  readonly body: Block;
  readonly span: Span;
}

/** `for ($kv : @map) { }` — $kv.0 is the key, $kv.1 the value. */
export interface ForMapStmt {
  readonly kind: "ForMapStmt";
  readonly variable: string;
  readonly map: MapExpr;
  readonly body: Block;
  readonly span: Span;
}

/** `for ($i : 0..N) { }` — start inclusive, end exclusive. */
export interface ForRangeStmt {
  readonly kind: "ForRangeStmt";
  readonly variable: string;
  readonly start: Expr;
  readonly end: Expr;
  readonly body: Block;
  readonly span: Span;
}

export interface JumpStmt {
  readonly kind: "JumpStmt";
  readonly jump: "break" | "continue" | "return";
  readonly value: Expr | undefined;
  readonly span: Span;
}

/** A nested `{ ... }` block used as a statement. */
export interface BlockStmt {
  readonly kind: "BlockStmt";
  readonly block: Block;
  readonly span: Span;
}

export type Expr =
  | IntLit
  | StrLit
  | BoolLit
  | IdentExpr
  | PositionalExpr
  | VarExpr
  | MapExpr
  | BinaryExpr
  | UnaryExpr
  | UpdateExpr
  | TernaryExpr
  | CallExpr
  | FieldExpr
  | IndexExpr
  | TupleExpr
  | CastExpr
  | SizeofExpr
  | OffsetofExpr
  | TypeofExpr
  | BlockExpr;

/**
 * 42, 0x2a, 052, 0b101, 1_000, 1e6, durations `5s`/`100ms`/`10us`/`1ns`. `raw` is the text
 * as written; `value` is the number, durations converted to nanoseconds as bpftrace does
 * (`1m` is 60000000000n).
 */
export interface IntLit {
  readonly kind: "IntLit";
  readonly value: bigint;
  readonly raw: string;
  readonly span: Span;
}

/** A string literal; `value` has escapes already decoded (\n, \t, \\, \", \xNN, \NNN). */
export interface StrLit {
  readonly kind: "StrLit";
  readonly value: string;
  readonly span: Span;
}

export interface BoolLit {
  readonly kind: "BoolLit";
  readonly value: boolean;
  readonly span: Span;
}

/**
 * A bare identifier: a builtin (pid, comm, nsecs, args, arg0, retval, probe, ...), an
 * enum constant, or a type name in a cast/sizeof context. The checker decides which.
 */
export interface IdentExpr {
  readonly kind: "IdentExpr";
  readonly name: string;
  readonly span: Span;
}

/** `$1`..`$N` (index ≥ 1) and `$#` (index 0, count). */
export interface PositionalExpr {
  readonly kind: "PositionalExpr";
  readonly index: number;
  readonly count: boolean;
  readonly span: Span;
}

export interface VarExpr {
  readonly kind: "VarExpr";
  readonly name: string; // with the '$'
  readonly span: Span;
}

/** `@name`, `@name[k]`, `@name[k1, k2]`, and the anonymous map `@` (name "@"). */
export interface MapExpr {
  readonly kind: "MapExpr";
  readonly name: string; // with the '@'
  readonly keys: readonly Expr[];
  readonly span: Span;
}

export type BinaryOp =
  | "+" | "-" | "*" | "/" | "%"
  | "<<" | ">>" | "&" | "|" | "^"
  | "==" | "!=" | "<" | "<=" | ">" | ">="
  | "&&" | "||";

export interface BinaryExpr {
  readonly kind: "BinaryExpr";
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

/** `!x`, `~x`, `-x`, `*p` (deref), `&x` (address-of). */
export interface UnaryExpr {
  readonly kind: "UnaryExpr";
  readonly op: "!" | "~" | "-" | "*" | "&";
  readonly operand: Expr;
  readonly span: Span;
}

/** `@x++`, `++@x`, `$i--` ... */
export interface UpdateExpr {
  readonly kind: "UpdateExpr";
  readonly op: "++" | "--";
  readonly prefix: boolean;
  readonly target: MapExpr | VarExpr;
  readonly span: Span;
}

export interface TernaryExpr {
  readonly kind: "TernaryExpr";
  readonly cond: Expr;
  readonly then: Expr;
  readonly else: Expr;
  readonly span: Span;
}

/** Function calls, including delete/clear/zero/print/exit/printf/count/hist/... */
export interface CallExpr {
  readonly kind: "CallExpr";
  readonly callee: string;
  readonly args: readonly Expr[];
  readonly span: Span;
}

/** `a->b` (arrow true), `a.b`, and tuple access `$t.0` (field "0"). */
export interface FieldExpr {
  readonly kind: "FieldExpr";
  readonly object: Expr;
  readonly field: string;
  readonly arrow: boolean;
  readonly span: Span;
}

/** `a[i]` on an array or pointer (not a map: maps are MapExpr). */
export interface IndexExpr {
  readonly kind: "IndexExpr";
  readonly object: Expr;
  readonly index: Expr;
  readonly span: Span;
}

export interface TupleExpr {
  readonly kind: "TupleExpr";
  readonly elements: readonly Expr[];
  /** A record literal `(a = 1, b = 2)`: the fields' names, one per element (the checker wants all of them). */
  readonly names?: readonly (string | undefined)[];
  readonly span: Span;
}

/** A type as written: `uint32`, `struct task_struct *`, `int8[4]`, `string`. */
export interface TypeSpec {
  readonly kind: "TypeSpec";
  readonly name: string; // "uint32", "struct task_struct", "unsigned int"; "typeof" with `of`
  /** `typeof(x)` as the base type: the type written, or the type of the expression. */
  readonly of?: TypeSpec | Expr;
  readonly pointerDepth: number;
  /** `[N]` after the name; 0 for `[]` (size taken from the value), undefined if not an array. */
  readonly arraySize: number | undefined;
  readonly span: Span;
}

export interface CastExpr {
  readonly kind: "CastExpr";
  readonly type: TypeSpec;
  readonly expr: Expr;
  readonly span: Span;
}

export interface SizeofExpr {
  readonly kind: "SizeofExpr";
  readonly target: TypeSpec | Expr;
  readonly span: Span;
}

/**
 * `typeof(type)` or `typeof(expr)` where an expression stands: a type passed to a macro
 * (`m(typeof(struct task))`), which substitutes it where its body expects a type.
 */
export interface TypeofExpr {
  readonly kind: "TypeofExpr";
  readonly target: TypeSpec | Expr;
  readonly span: Span;
}

export interface OffsetofExpr {
  readonly kind: "OffsetofExpr";
  readonly type: TypeSpec | Expr;
  readonly fields: readonly string[];
  readonly span: Span;
}

/**
 * `{ stmt; stmt; value }`: the statements run, then `value` is the expression's value
 * (undefined: no value). bpftrace's block expression; made by macro expansion
 * (bpf/lang/macro-expand.ts) where a macro with statements is used as a value.
 */
export interface BlockExpr {
  readonly kind: "BlockExpr";
  readonly block: Block;
  readonly value: Expr | undefined;
  readonly span: Span;
}

export type Node = Program | Probe | AttachPoint | Block | Stmt | Expr | TypeSpec;
