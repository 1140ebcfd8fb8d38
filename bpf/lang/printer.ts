// Render an AST back to text: expressions fully parenthesised, so tests can pin
// precedence and associativity (`1 + 2 * 3` → `(1 + (2 * 3))`), and whole programs in a
// stable, span-free form for golden files.
import type * as A from "./ast.ts";

export function printType(t: A.TypeSpec): string {
  const array = t.arraySize === undefined ? "" : t.arraySize === 0 ? "[]" : `[${t.arraySize}]`;
  const base = t.of === undefined ? t.name : `typeof(${printTarget(t.of)})`;
  return `${base}${"*".repeat(t.pointerDepth)}${array}`;
}

export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || (c >= 0x7f && c <= 0xff)) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** An expression, every compound sub-expression in parentheses. */
export function printExpr(e: A.Expr): string {
  switch (e.kind) {
    case "IntLit":
      return e.raw === e.value.toString() ? e.raw : `${e.raw}=${e.value}`;
    case "StrLit":
      return quote(e.value);
    case "BoolLit":
      return String(e.value);
    case "IdentExpr":
      return e.name;
    case "PositionalExpr":
      return e.count ? "$#" : `$${e.index}`;
    case "VarExpr":
      return e.name;
    case "MapExpr":
      return e.keys.length === 0 ? e.name : `${e.name}[${e.keys.map(printExpr).join(", ")}]`;
    case "BinaryExpr":
      return `(${printExpr(e.left)} ${e.op} ${printExpr(e.right)})`;
    case "UnaryExpr":
      return `(${e.op}${printExpr(e.operand)})`;
    case "UpdateExpr":
      return e.prefix ? `(${e.op}${printExpr(e.target)})` : `(${printExpr(e.target)}${e.op})`;
    case "TernaryExpr":
      return `(${printExpr(e.cond)} ? ${printExpr(e.then)} : ${printExpr(e.else)})`;
    case "CallExpr":
      return `${e.callee}(${e.args.map(printExpr).join(", ")})`;
    case "FieldExpr":
      return `(${printExpr(e.object)}${e.arrow ? "->" : "."}${e.field})`;
    case "IndexExpr":
      return `(${printExpr(e.object)}[${printExpr(e.index)}])`;
    case "TupleExpr":
      if (e.names) return `(${e.elements.map((x, i) => `${e.names![i] ?? "?"} = ${printExpr(x)}`).join(", ")})`;
      return e.elements.length === 1 ? `(${printExpr(e.elements[0] as A.Expr)},)` : `(${e.elements.map(printExpr).join(", ")})`;
    case "CastExpr":
      return `((${printType(e.type)})${printExpr(e.expr)})`;
    case "SizeofExpr":
      return `sizeof(${printTarget(e.target)})`;
    case "OffsetofExpr":
      return `offsetof(${printTarget(e.type)}, ${e.fields.join(".")})`;
    case "TypeofExpr":
      return `typeof(${printTarget(e.target)})`;
    case "BlockExpr": {
      const parts = [...e.block.statements.map((s) => printStmt(s)), ...(e.value ? [printExpr(e.value)] : [])];
      return `{ ${parts.join(" ")} }`;
    }
  }
}

function printTarget(t: A.TypeSpec | A.Expr): string {
  return t.kind === "TypeSpec" ? `type ${printType(t)}` : printExpr(t);
}

function printBlock(b: A.Block, indent: string): string {
  if (b.statements.length === 0) return "{ }";
  const inner = b.statements.map((s) => `${indent}  ${printStmt(s, `${indent}  `)}`);
  return `{\n${inner.join("\n")}\n${indent}}`;
}

export function printStmt(s: A.Stmt, indent = ""): string {
  switch (s.kind) {
    case "ExprStmt":
      return `${printExpr(s.expr)};`;
    case "AssignStmt":
      return `${printExpr(s.target)} ${s.op} ${printExpr(s.value)};`;
    case "VarDeclStmt": {
      const type = s.type === undefined ? "" : `: ${printType(s.type)}`;
      const value = s.value === undefined ? "" : ` = ${printExpr(s.value)}`;
      return `let ${s.name}${type}${value};`;
    }
    case "IfStmt": {
      const head = `if ${printExpr(s.cond)} ${printBlock(s.then, indent)}`;
      if (s.else === undefined) return head;
      const els = s.else.kind === "IfStmt" ? printStmt(s.else, indent) : printBlock(s.else, indent);
      return `${head} else ${els}`;
    }
    case "WhileStmt":
      return `while ${printExpr(s.cond)} ${printBlock(s.body, indent)}`;
    case "UnrollStmt":
      return `unroll ${printExpr(s.count)} ${printBlock(s.body, indent)}`;
    case "ForMapStmt":
      return `for ${s.variable} : ${printExpr(s.map)} ${printBlock(s.body, indent)}`;
    case "ForRangeStmt":
      return `for ${s.variable} : ${printExpr(s.start)}..${printExpr(s.end)} ${printBlock(s.body, indent)}`;
    case "JumpStmt":
      return s.value === undefined ? `${s.jump};` : `${s.jump} ${printExpr(s.value)};`;
    case "BlockStmt":
      return printBlock(s.block, indent);
  }
}

export function printAttachPoint(ap: A.AttachPoint): string {
  return `${ap.provider}${ap.parts.map((p) => `[${p}]`).join("")}`;
}

/** A whole program, one top-level item after another, in a span-free stable form. */
export function printProgram(p: A.Program): string {
  const out: string[] = [];
  for (const i of p.includes) out.push(`#include ${i}`);
  for (const d of p.defines ?? []) {
    out.push(`#define ${d.name}${d.params === undefined ? "" : `(${d.params.join(", ")})`} ${d.value}`);
  }
  for (const s of p.structs) out.push(`${s.name} <${s.text.length} chars>`);
  for (const c of p.config) {
    out.push(`config ${c.key} = ${typeof c.value === "bigint" ? c.value.toString() : quote(c.value)}`);
  }
  for (const m of p.mapDecls) out.push(`let ${m.name} = ${m.mapType}(${m.maxEntries})`);
  for (const m of p.macros ?? []) out.push(`macro ${m.name}(${m.params.join(", ")}) ${printBlock(m.body, "")}`);
  for (const f of p.functions) {
    const params = f.params.map((x) => `${x.name}: ${printType(x.type)}`).join(", ");
    out.push(`fn ${f.name}(${params}): ${printType(f.returnType)} ${printBlock(f.body, "")}`);
  }
  for (const pr of p.probes) {
    const aps = pr.attachPoints.map(printAttachPoint).join(", ");
    const pred = pr.predicate === undefined ? "" : ` /${printExpr(pr.predicate)}/`;
    out.push(`${aps}${pred} ${printBlock(pr.body, "")}`);
  }
  return `${out.join("\n")}\n`;
}
