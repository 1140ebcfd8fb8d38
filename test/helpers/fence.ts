// The import fence (DESIGN.md "Layout and the direction of dependencies", STYLE.md §14):
// pure functions over a tree given as {path -> source}, so the rules can be tested on small
// in-memory trees and run over the real one without a TypeScript program.
//
//   native <- bpf <- magics -> kernel
//
// native/ imports nothing of ours, bpf/ only native/, kernel/ nothing of ours (a protocol
// library any interpreter could use), magics/ joins bpf/ and kernel/ (it reaches native/
// only through bpf/, which owns the runtime). Only native/ imports koffi, only kernel/
// imports zeromq. No circles between top-level folders or between bpf/ subfolders. No
// source file over 800 lines unless it is generated ("DO NOT EDIT").
import { posix } from "node:path";

/** The source folders the fence reads; test/ may import anything and is not read. */
export const SOURCE_FOLDERS = ["native", "bpf", "magics", "kernel"] as const;
export type SourceFolder = (typeof SOURCE_FOLDERS)[number];

/** Which of our folders each folder may import (besides itself). */
export const ALLOWED: Record<SourceFolder, readonly SourceFolder[]> = {
  native: [],
  bpf: ["native"],
  magics: ["bpf", "kernel"],
  kernel: [],
};

/** Packages only one folder may import. */
export const PACKAGE_OWNERS: Record<string, SourceFolder> = {
  koffi: "native",
  zeromq: "kernel",
};

export const MAX_LINES = 800;
export const GENERATED_MARK = "DO NOT EDIT";

/** One import as written: `specifier` is the raw string, `target` the resolved path of a
 *  relative specifier (posix, relative to the tree root) or undefined for a package. */
export interface ImportRef {
  file: string;
  line: number;
  specifier: string;
  target: string | undefined;
}

export type Rule = "arrow" | "package" | "circle" | "size";

/** A broken rule. `key` names it without line numbers, so a list of known violations
 *  stays valid while the files around them are edited. */
export interface Violation {
  rule: Rule;
  file: string;
  line: number;
  message: string;
  key: string;
}

/** A file-level import edge between two folders. */
export interface Edge {
  from: string;
  to: string;
  file: string;
  line: number;
  target: string;
}

// ---------------------------------------------------------------------------------------
// Reading imports: a small tokenizer that knows strings, template literals, comments and
// regular expression literals, so an `import` inside a string (the TypeScript cells, the
// docs of magics) is not taken for one.

interface Token {
  kind: "ident" | "string" | "punct" | "other";
  text: string;
  line: number;
}

const REGEX_AFTER_WORD = new Set([
  "return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw",
  "instanceof", "yield", "await",
]);

function isIdentStart(c: string): boolean {
  return /[A-Za-z_$]/.test(c) || c > "\x7f";
}

function isIdentPart(c: string): boolean {
  return /[A-Za-z0-9_$]/.test(c) || c > "\x7f";
}

/** Tokens of a TypeScript source; template literal text is skipped but the expressions in
 *  `${...}` are tokenized (they may hold a dynamic import). */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  // One entry per open brace: true when it is the `${` of a template literal.
  const braces: boolean[] = [];
  const prevAllowsRegex = (): boolean => {
    const p = out[out.length - 1];
    if (p === undefined) return true;
    if (p.kind === "ident") return REGEX_AFTER_WORD.has(p.text);
    if (p.kind === "punct") return !(p.text === ")" || p.text === "]" || p.text === "}");
    return false;
  };
  const skipTemplate = (): void => {
    // i is just after the opening backtick or a closing `}` of `${...}`.
    while (i < src.length) {
      const c = src[i]!;
      if (c === "\\") { if (src[i + 1] === "\n") line++; i += 2; continue; }
      if (c === "\n") line++;
      if (c === "`") { i++; return; }
      if (c === "$" && src[i + 1] === "{") { i += 2; braces.push(true); return; }
      i++;
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\n") { line++; i++; continue; }
    if (c === " " || c === "\t" || c === "\r") { i++; continue; }
    if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      for (let j = i; j < stop; j++) if (src[j] === "\n") line++;
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      const start = line;
      let value = "";
      i++;
      while (i < src.length && src[i] !== c && src[i] !== "\n") {
        if (src[i] === "\\") { value += src[i + 1] ?? ""; i += 2; continue; }
        value += src[i];
        i++;
      }
      i++;
      out.push({ kind: "string", text: value, line: start });
      continue;
    }
    if (c === "`") {
      out.push({ kind: "other", text: "`", line });
      i++;
      skipTemplate();
      continue;
    }
    if (c === "/" && prevAllowsRegex()) {
      const start = line;
      i++;
      let inClass = false;
      while (i < src.length && src[i] !== "\n") {
        const r = src[i]!;
        if (r === "\\") { i += 2; continue; }
        if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < src.length && isIdentPart(src[i]!)) i++;
      out.push({ kind: "other", text: "/regex/", line: start });
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < src.length && isIdentPart(src[j]!)) j++;
      out.push({ kind: "ident", text: src.slice(i, j), line });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[0-9A-Za-z_.]/.test(src[j]!)) j++;
      out.push({ kind: "other", text: src.slice(i, j), line });
      i = j;
      continue;
    }
    if (c === "{") braces.push(false);
    if (c === "}" && braces.pop() === true) {
      i++;
      skipTemplate();
      continue;
    }
    out.push({ kind: "punct", text: c, line });
    i++;
  }
  return out;
}

/** The specifiers a file imports: `import ... from "x"`, `import "x"`, `import type`,
 *  `export ... from "x"` and `import("x")` (also in type positions). */
export function importSpecifiers(src: string): { specifier: string; line: number }[] {
  const toks = tokenize(src);
  const found: { specifier: string; line: number }[] = [];
  const fromClause = (start: number): number => {
    // From toks[start], find `from "x"` before anything that ends an import clause.
    for (let j = start; j < toks.length && j < start + 400; j++) {
      const t = toks[j]!;
      if (t.kind === "ident" && t.text === "from" && toks[j + 1]?.kind === "string") return j + 1;
      if (t.kind === "string") return -1;
      if (t.kind === "punct" && (t.text === ";" || t.text === "=" || t.text === "(")) return -1;
    }
    return -1;
  };
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.kind !== "ident" || (t.text !== "import" && t.text !== "export")) continue;
    const prev = toks[k - 1];
    if (prev?.kind === "punct" && prev.text === ".") continue; // x.import
    const next = toks[k + 1];
    if (next === undefined) continue;
    if (t.text === "import") {
      if (next.kind === "punct" && next.text === ".") continue; // import.meta
      if (next.kind === "punct" && next.text === "(") {
        const arg = toks[k + 2];
        if (arg?.kind === "string") found.push({ specifier: arg.text, line: arg.line });
        continue;
      }
      if (next.kind === "string") { found.push({ specifier: next.text, line: t.line }); continue; }
      const at = fromClause(k + 1);
      if (at >= 0) found.push({ specifier: toks[at]!.text, line: t.line });
      continue;
    }
    // export: only `export {`, `export *`, `export type {` / `export type *` re-export.
    let j = k + 1;
    if (toks[j]?.kind === "ident" && toks[j]!.text === "type") j++;
    const head = toks[j];
    if (head?.kind !== "punct" || (head.text !== "{" && head.text !== "*")) continue;
    const at = fromClause(j);
    if (at >= 0) found.push({ specifier: toks[at]!.text, line: t.line });
  }
  return found;
}

function isRelative(spec: string): boolean {
  return spec === "." || spec === ".." || spec.startsWith("./") || spec.startsWith("../");
}

/** The package a bare specifier names: `koffi`, `@scope/name`, `node:fs`. */
export function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Every import of every file, in file then line order. */
export function collectImports(files: ReadonlyMap<string, string>): ImportRef[] {
  const refs: ImportRef[] = [];
  for (const file of [...files.keys()].sort()) {
    for (const { specifier, line } of importSpecifiers(files.get(file)!)) {
      const target = isRelative(specifier)
        ? posix.normalize(posix.join(posix.dirname(file), specifier))
        : undefined;
      refs.push({ file, line, specifier, target });
    }
  }
  return refs;
}

/** The top-level source folder of a path, or undefined outside them (package.json, test/). */
export function topFolder(path: string): SourceFolder | undefined {
  const first = path.split("/")[0];
  return (SOURCE_FOLDERS as readonly string[]).includes(first ?? "") ? (first as SourceFolder) : undefined;
}

/** The bpf/ subfolder of a path ("bpf/check"), "bpf/" for files directly in bpf/, or
 *  undefined outside bpf/. */
export function bpfFolder(path: string): string | undefined {
  const parts = path.split("/");
  if (parts[0] !== "bpf") return undefined;
  return parts.length > 2 ? `bpf/${parts[1]}` : "bpf/";
}

/** Folder-level edges, one per (importing file, imported file), first line kept. */
export function folderEdges(refs: readonly ImportRef[], folderOf: (path: string) => string | undefined): Edge[] {
  const seen = new Set<string>();
  const edges: Edge[] = [];
  for (const r of refs) {
    if (r.target === undefined) continue;
    const from = folderOf(r.file);
    const to = folderOf(r.target);
    if (from === undefined || to === undefined || from === to) continue;
    const id = `${r.file}\0${r.target}`;
    if (seen.has(id)) continue;
    seen.add(id);
    edges.push({ from, to, file: r.file, line: r.line, target: r.target });
  }
  return edges;
}

/** Strongly connected components with more than one folder (Tarjan), each sorted. */
export function circles(edges: readonly Edge[]): string[][] {
  const adj = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!adj.has(e.from)) adj.set(e.from, new Set());
    if (!adj.has(e.to)) adj.set(e.to, new Set());
    adj.get(e.from)!.add(e.to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of [...adj.get(v)!].sort()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...adj.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a.join().localeCompare(b.join()));
}

/** One violation per folder-level edge inside a circle, carrying the file-level edges that
 *  make it: cutting those imports is what breaks the circle. Keyed by the folder edge alone,
 *  so moving an import between files of the same folders keeps the key. */
function circleViolations(edges: readonly Edge[]): Violation[] {
  const out: Violation[] = [];
  for (const scc of circles(edges)) {
    const members = new Set(scc);
    const byFolders = new Map<string, Edge[]>();
    for (const e of edges) {
      if (!members.has(e.from) || !members.has(e.to)) continue;
      const id = `${e.from} -> ${e.to}`;
      if (!byFolders.has(id)) byFolders.set(id, []);
      byFolders.get(id)!.push(e);
    }
    for (const [id, group] of byFolders) {
      group.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
      const first = group[0]!;
      const lines = group.map((e) => `  ${e.file}:${e.line} -> ${e.target}`);
      out.push({
        rule: "circle",
        file: first.file,
        line: first.line,
        message: `${id} closes a circle between ${scc.join(", ")}, by:\n${lines.join("\n")}`,
        key: `circle ${id}`,
      });
    }
  }
  return out;
}

function lineCount(src: string): number {
  if (src === "") return 0;
  const n = src.split("\n").length;
  return src.endsWith("\n") ? n - 1 : n;
}

/** Every violation of the fence in a tree {path -> source}; paths are posix and relative
 *  to the repository root. Sorted by key. */
export function checkFence(files: ReadonlyMap<string, string>): Violation[] {
  const sources = new Map([...files].filter(([p]) => topFolder(p) !== undefined && p.endsWith(".ts")));
  const refs = collectImports(sources);
  const out: Violation[] = [];

  for (const r of refs) {
    const from = topFolder(r.file)!;
    if (r.target === undefined) {
      const pkg = packageName(r.specifier);
      const owner = PACKAGE_OWNERS[pkg];
      if (owner !== undefined && owner !== from) {
        out.push({
          rule: "package", file: r.file, line: r.line,
          message: `imports the package ${pkg}, which only ${owner}/ may import`,
          key: `package ${pkg} in ${r.file}`,
        });
      }
      continue;
    }
    const to = topFolder(r.target);
    if (to === undefined || to === from || ALLOWED[from].includes(to)) continue;
    const may = ALLOWED[from].length === 0 ? "nothing of ours" : ALLOWED[from].map((f) => `${f}/`).join(" and ");
    out.push({
      rule: "arrow", file: r.file, line: r.line,
      message: `${from}/ imports ${to}/ (${r.target}); ${from}/ may import ${may}`,
      key: `arrow ${r.file} -> ${r.target}`,
    });
  }

  out.push(...circleViolations(folderEdges(refs, topFolder)));
  out.push(...circleViolations(folderEdges(refs, bpfFolder)));

  for (const [file, src] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    const n = lineCount(src);
    if (n > MAX_LINES && !src.includes(GENERATED_MARK)) {
      out.push({
        rule: "size", file, line: MAX_LINES + 1,
        message: `${n} lines, over ${MAX_LINES}: split it (STYLE.md §11), or mark it "${GENERATED_MARK}" if it is generated`,
        key: `size ${file}`,
      });
    }
  }

  // Keys are unique but for duplicate arrows (one file importing another twice).
  const unique = new Map<string, Violation>();
  for (const v of out) if (!unique.has(v.key)) unique.set(v.key, v);
  return [...unique.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** `file:line: message`, the way a violation is shown. */
export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}: ${v.message}`;
}

/** The keys of a known-violations list: one a line, `#` comments and blank lines ignored. */
export function parseKnown(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

/** Compares violations with the known list: what is new (a failure) and what is gone (the
 *  list must shrink). */
export function compareKnown(found: readonly Violation[], known: readonly string[]): { added: Violation[]; gone: string[] } {
  const knownSet = new Set(known);
  const foundKeys = new Set(found.map((v) => v.key));
  return {
    added: found.filter((v) => !knownSet.has(v.key)),
    gone: known.filter((k) => !foundKeys.has(k)),
  };
}
