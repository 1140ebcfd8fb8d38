// C preprocessor tokens and macro expansion, for the header reader (c-headers.ts): enough
// of C's rules to expand `#if` conditions (`__GNUC_PREREQ (4, 8)`, `defined X`) and the
// values of object-like macros (`AF_INET` → `PF_INET` → `2`), with pasting (`__GLIBC_USE(F)`
// is `__GLIBC_USE_ ## F`), stringising and variadic macros. Simplified from C's rules in one
// way: a macro is not expanded again inside its own expansion (no per-token hide sets).
// Pure; throws only ExpandFailure, on what it cannot do.

export type CTokenKind = "num" | "ident" | "char" | "str" | "punct";

export interface CToken {
  readonly kind: CTokenKind;
  readonly text: string;
}

export interface CMacro {
  /** Parameter names of a function-like macro; undefined for an object-like one. */
  readonly params: readonly string[] | undefined;
  /** The replacement text; tokenized on first expansion (most macros a header defines never are). */
  readonly text: string;
  tokens?: readonly CToken[];
}

export function macro(params: readonly string[] | undefined, text: string): CMacro {
  return { params, text };
}

function bodyOf(m: CMacro): readonly CToken[] {
  m.tokens ??= tokenize(m.text);
  return m.tokens;
}

export type MacroTable = ReadonlyMap<string, CMacro>;

/**
 * One token at a time: blanks, an identifier, a pp-number (digits, letters, dots and
 * e+/e-/p+/p- exponents), a character or string literal, a punctuator.
 */
const TOKEN = /[ \t\r\f\v\n]+|([A-Za-z_$][\w$]*)|(\.?[0-9](?:[eEpP][+-]|[\w.])*)|('(?:\\.|[^'\\])*'?|"(?:\\.|[^"\\])*"?)|(<<=|>>=|\.\.\.|<<|>>|<=|>=|==|!=|&&|\|\||##|->|\+\+|--|[-+*\/%&|^]=|[^])/y;

/** Tokens of one logical line (comments already removed). */
export function tokenize(text: string): CToken[] {
  const out: CToken[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text)) !== null) {
    if (m[1] !== undefined) {
      // L'x', u8"..." and friends: a prefix glued to a literal.
      const next = text[TOKEN.lastIndex];
      if ((next === "'" || next === '"') && (m[1] === "L" || m[1] === "u" || m[1] === "U" || m[1] === "u8")) continue;
      out.push({ kind: "ident", text: m[1] });
    } else if (m[2] !== undefined) {
      out.push({ kind: "num", text: m[2] });
    } else if (m[3] !== undefined) {
      out.push({ kind: m[3][0] === "'" ? "char" : "str", text: m[3] });
    } else if (m[4] !== undefined) {
      out.push({ kind: "punct", text: m[4] });
    }
  }
  return out;
}

/** Parses `NAME value` or `NAME(a, b) value` (the text after `#define`). */
export function parseDefine(rest: string): { name: string; macro: CMacro } | undefined {
  const m = /^([A-Za-z_]\w*)(\(([^)]*)\))?/.exec(rest);
  if (m === null) return undefined;
  const params = m[2] === undefined ? undefined : (m[3] ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "");
  return { name: m[1] as string, macro: macro(params, rest.slice(m[0].length)) };
}

/** Too deep a chain of macros: give up rather than recurse without bound. */
const MAX_DEPTH = 64;

export class ExpandFailure extends Error {}

/**
 * Expands the macros in `tokens`. With `inIf`, `defined X` and `defined(X)` become 1 or 0
 * first (C evaluates them before expansion). Throws ExpandFailure on what it cannot do
 * (wrong or unbalanced arguments, a chain deeper than MAX_DEPTH).
 */
export function expandTokens(tokens: readonly CToken[], macros: MacroTable, inIf: boolean, active: readonly string[] = []): CToken[] {
  if (active.length > MAX_DEPTH) throw new ExpandFailure("macro chain too deep");
  const out: CToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as CToken;
    if (t.kind !== "ident") {
      out.push(t);
      continue;
    }
    if (inIf && t.text === "defined") {
      const paren = tokens[i + 1]?.text === "(";
      const id = tokens[i + (paren ? 2 : 1)];
      if (id?.kind !== "ident" || (paren && tokens[i + 3]?.text !== ")")) throw new ExpandFailure("malformed defined");
      out.push({ kind: "num", text: macros.has(id.text) ? "1" : "0" });
      i += paren ? 3 : 1;
      continue;
    }
    const m = macros.get(t.text);
    if (m === undefined || active.includes(t.text)) {
      out.push(t);
      continue;
    }
    const replacement = bodyOf(m);
    if (m.params === undefined) {
      out.push(...expandTokens(paste(replacement), macros, inIf, [...active, t.text]));
      continue;
    }
    if (tokens[i + 1]?.text !== "(") {
      out.push(t); // a function-like macro's name without arguments is just a name
      continue;
    }
    const { args: given, end } = collectArgs(tokens, i + 1);
    const variadic = m.params[m.params.length - 1] === "...";
    const named = variadic ? m.params.length - 1 : m.params.length;
    const args = variadic ? [...given.slice(0, named), joinArgs(given.slice(named))] : given;
    if (!(args.length === m.params.length || (m.params.length === 0 && args.length === 1 && args[0]!.length === 0))) {
      throw new ExpandFailure(`macro ${t.text} takes ${m.params.length} arguments`);
    }
    const param = (b: CToken | undefined) => (b?.kind === "ident" ? m.params!.indexOf(b.text === "__VA_ARGS__" && variadic ? "..." : b.text) : -1);
    const body: CToken[] = [];
    for (let k = 0; k < replacement.length; k++) {
      const b = replacement[k]!;
      if (b.text === "#" && param(replacement[k + 1]) >= 0) {
        // Stringising: the argument's spelling.
        body.push({ kind: "str", text: JSON.stringify(args[param(replacement[++k])]!.map((x) => x.text).join(" ")) });
        continue;
      }
      const p = param(b);
      if (p < 0) {
        body.push(b);
        continue;
      }
      // Next to ## an argument is pasted as written; elsewhere it is expanded first.
      const pasted = replacement[k - 1]?.text === "##" || replacement[k + 1]?.text === "##";
      body.push(...(pasted ? args[p]! : expandTokens(args[p]!, macros, inIf, active)));
    }
    out.push(...expandTokens(paste(body), macros, inIf, [...active, t.text]));
    i = end;
  }
  return out;
}

/** `a ## b`: the two tokens' spellings joined, read again as tokens. */
function paste(tokens: readonly CToken[]): readonly CToken[] {
  if (!tokens.some((t) => t.text === "##")) return tokens;
  const out: CToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text !== "##") {
      out.push(t);
      continue;
    }
    const left = out.pop()?.text ?? "";
    const right = tokens[++i]?.text ?? "";
    out.push(...tokenize(left + right));
  }
  return out;
}

function joinArgs(rest: readonly CToken[][]): CToken[] {
  return rest.flatMap((a, i) => (i === 0 ? a : [{ kind: "punct", text: "," } as CToken, ...a]));
}

/** The arguments of a call whose '(' is at `open`, split at top-level commas; `end` is the ')'. */
function collectArgs(tokens: readonly CToken[], open: number): { args: CToken[][]; end: number } {
  const args: CToken[][] = [[]];
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i] as CToken;
    if (t.text === "(") {
      if (depth++ === 0) continue;
    } else if (t.text === ")") {
      if (--depth === 0) return { args, end: i };
    } else if (t.text === "," && depth === 1) {
      args.push([]);
      continue;
    }
    args[args.length - 1]!.push(t);
  }
  throw new ExpandFailure("unbalanced macro arguments");
}
