// Completion after `->` and `.`: the fields of what stands before them — tracepoint
// `args`, kernel structs through BTF (`curtask->real_parent->`), structs the program
// defines, tuples. The expression's type comes from the checker itself: the probe around
// the cursor is checked with its body up to the current statement, plus `$v = EXPR;`.
import type { Session } from "../bpf/session.ts";
import { parse } from "../bpf/lang/index.ts";
import { check } from "../bpf/check/checker.ts";
import { btfFieldNames } from "../bpf/btf/btf-types.ts";
import type { Type } from "../bpf/types/types.ts";

const PROBE_VAR = "$__tb_complete";

/** The expression that ends at `end` (identifiers, calls, casts, `->`/`.` chains, [index]). */
function expressionBefore(code: string, end: number): string | undefined {
  let i = end;
  while (i > 0) {
    const c = code[i - 1]!;
    if (/[\w$@]/.test(c)) i--;
    else if (c === "." || (c === ">" && code[i - 2] === "-")) i -= c === "." ? 1 : 2;
    else if (c === ")" || c === "]") {
      const open = c === ")" ? "(" : "[";
      let depth = 0;
      let j = i - 1;
      for (; j >= 0; j--) {
        if (code[j] === c) depth++;
        else if (code[j] === open && --depth === 0) break;
      }
      if (j < 0) return undefined;
      i = j;
    } else break;
  }
  const text = code.slice(i, end).trim();
  return text && !/^[.>-]/.test(text) ? text : undefined;
}

/** Field names of a type, following a pointer. */
function fieldsOf(session: Session, t: Type): string[] {
  const rec = t.k === "ptr" ? t.to : t;
  if (rec.k === "tuple") return rec.elements.map((_, i) => String(i));
  if (rec.k !== "record") return [];
  if (rec.fields && rec.layout !== "c") return rec.fields.map((f) => f.name);
  if (rec.fields) return rec.fields.map((f) => f.name);
  const btf = session.env.btf?.();
  return btf ? btfFieldNames(btf, rec) : [];
}

/**
 * Member names that may follow `code[0..pos]` when it ends in `EXPR->partial` or
 * `EXPR.partial`; undefined when the cursor is not after a member access.
 */
export function completeMembers(session: Session, code: string, pos: number): { matches: string[]; start: number } | undefined {
  const before = code.slice(0, pos);
  const m = /(->|\.)(\w*)$/.exec(before);
  if (!m) return undefined;
  const opEnd = pos - m[2]!.length;
  const expr = expressionBefore(before, opEnd - m[1]!.length);
  if (!expr || /^\d+$/.test(expr)) return undefined;
  // the probe around the cursor: from the start of its attach points to its `{`
  const open = before.lastIndexOf("{", opEnd);
  if (open < 0) return undefined;
  const headerStart = Math.max(before.lastIndexOf("}", open) + 1, 0);
  const header = before.slice(headerStart, open);
  const preamble = before.slice(0, headerStart);
  const stmtStart = Math.max(before.lastIndexOf(";", opEnd), open) + 1;
  const body = before.slice(open + 1, stmtStart);
  const source = `${preamble}${header}{ ${body} ${PROBE_VAR} = ${expr}; }`;
  const parsed = parse(source);
  if (!parsed.program) return undefined;
  let checked;
  try {
    checked = check(parsed.program, { env: session.env, registry: session.registry, origin: "complete" });
  } catch {
    return undefined;
  }
  const probe = checked.probes.at(-1);
  const t = probe?.vars.get(PROBE_VAR);
  if (!t) return undefined;
  const partial = m[2]!;
  const names = [...new Set(fieldsOf(session, t))].filter((n) => n.startsWith(partial)).sort();
  return { matches: names, start: opEnd };
}
