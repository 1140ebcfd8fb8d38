// Reads the C headers a program #includes, for the constants bpftrace users include them
// for (`#include <errno.h>` for EPERM, `<sys/socket.h>` for AF_INET, `<syscall.h>` for
// __NR_read). bpftrace hands its #includes to clang and turns every macro clang saw into
// a #define; we have no clang, so this is a small C preprocessor: it follows nested
// #includes (bounded), honours #if/#ifdef/#ifndef/#elif/#else/#endif/#undef/#pragma once,
// and keeps every #define. Only object-like macros whose value is an integer constant
// expression become constants (constant()), evaluated on first use.
//
// An #if whose condition cannot be evaluated (an unknown function-like macro such as
// __has_include) takes none of its branches: defining names from both would be wrong.
// The predefined macros are those of clang on x86-64 Linux in C17 mode, plus what
// bpftrace defines when the kernel has BTF (BPFTRACE_HAVE_BTF, _LINUX_TYPES_H).
//
// Files come from a lookup function (the env's readHeader), so this stays pure.
import { type CMacro, expandTokens, ExpandFailure, macro, parseDefine, tokenize } from "./c-macros.ts";
import { evaluateInt } from "./c-int-expr.ts";

export interface HeaderFile {
  /** Where it was found: identifies it (#pragma once) and anchors its "quoted" includes. */
  readonly path: string;
  readonly text: string;
}

/**
 * `<name>` on the system include path; `"name"` next to `from` first (the including file;
 * at top level the program's path, or undefined for the working directory), then as `<name>`.
 */
export type HeaderLookup = (name: string, quoted: boolean, from: string | undefined) => HeaderFile | undefined;

/** What the program's preamble does, in order: includes, and its own #defines (they may steer headers, like _GNU_SOURCE). */
export type PreambleStep =
  | { readonly kind: "include"; readonly name: string; readonly quoted: boolean }
  | { readonly kind: "define"; readonly name: string; readonly params: readonly string[] | undefined; readonly value: string };

export interface HeaderScan {
  /** Indices (into the steps) of includes that were not found. */
  readonly missing: readonly number[];
  /** `#if` conditions that could not be evaluated (their branches were skipped): "path:line: #if ...". */
  readonly unknownConditions: readonly string[];
  /** Every file read, in order. */
  readonly files: readonly string[];
  /** The integer value of an object-like macro a header defined, or undefined. */
  constant(name: string): bigint | undefined;
}

const PREDEFINED: Readonly<Record<string, string>> = {
  __STDC__: "1", __STDC_VERSION__: "201710L", __STDC_HOSTED__: "1",
  __GNUC__: "4", __GNUC_MINOR__: "2", __GNUC_PATCHLEVEL__: "1", __GNUC_STDC_INLINE__: "1",
  __clang__: "1", __clang_major__: "14", __clang_minor__: "0", __clang_patchlevel__: "6",
  __x86_64__: "1", __x86_64: "1", __amd64__: "1", __amd64: "1",
  __linux__: "1", __linux: "1", linux: "1", __unix__: "1", __unix: "1", unix: "1", __gnu_linux__: "1", __ELF__: "1",
  __LP64__: "1", _LP64: "1", __CHAR_BIT__: "8",
  __SIZEOF_SHORT__: "2", __SIZEOF_INT__: "4", __SIZEOF_LONG__: "8", __SIZEOF_LONG_LONG__: "8", __SIZEOF_POINTER__: "8",
  __SIZEOF_SIZE_T__: "8", __SIZEOF_PTRDIFF_T__: "8", __SIZEOF_WCHAR_T__: "4", __SIZEOF_WINT_T__: "4", __SIZEOF_INT128__: "16",
  __SIZEOF_FLOAT__: "4", __SIZEOF_DOUBLE__: "8", __SIZEOF_LONG_DOUBLE__: "16",
  __ORDER_LITTLE_ENDIAN__: "1234", __ORDER_BIG_ENDIAN__: "4321", __ORDER_PDP_ENDIAN__: "3412", __BYTE_ORDER__: "__ORDER_LITTLE_ENDIAN__",
  __SCHAR_MAX__: "127", __SHRT_MAX__: "32767", __INT_MAX__: "2147483647", __LONG_MAX__: "9223372036854775807L",
  __LONG_LONG_MAX__: "9223372036854775807LL", __WCHAR_MAX__: "2147483647", __INTMAX_MAX__: "9223372036854775807L",
  __SIZE_MAX__: "18446744073709551615UL", __UINTMAX_MAX__: "18446744073709551615UL", __PTRDIFF_MAX__: "9223372036854775807L",
  __INTPTR_MAX__: "9223372036854775807L", __UINTPTR_MAX__: "18446744073709551615UL",
  BPFTRACE_HAVE_BTF: "1", _LINUX_TYPES_H: "",
};

const MAX_DEPTH = 64;
const MAX_FILES = 2000;

interface Directive {
  readonly line: number;
  readonly name: string;
  readonly rest: string;
  /** `#define`'s parse, made once (directives are cached per text, macros are immutable). */
  define?: { name: string; macro: CMacro } | null;
}

interface Cond {
  active: boolean;
  /** A branch of this chain was taken, or the chain's condition was unknown: later branches stay off. */
  done: boolean;
  readonly parentActive: boolean;
}

interface ParsedHeader {
  readonly directives: readonly Directive[];
  /** X of an include guard (`#ifndef X` / `#define X` ... `#endif` around the whole file). */
  readonly guard: string | undefined;
}

/** Directive lines of a header, parsed once per text per process. */
const parsedFiles = new Map<string, ParsedHeader>();

/** `program`: the program's path, for its "quoted" includes (undefined: the working directory). */
export function scanHeaders(steps: readonly PreambleStep[], lookup: HeaderLookup, program?: string): HeaderScan {
  return new HeaderReader(lookup).run(steps, program);
}

class HeaderReader {
  private readonly macros = new Map<string, CMacro>();
  private readonly fromHeaders = new Set<string>();
  private readonly once = new Set<string>();
  private readonly unknown: string[] = [];
  private readonly files: string[] = [];
  private readonly seen = new Set<string>();
  private visits = 0;
  private readonly values = new Map<string, bigint | undefined>();

  constructor(private readonly lookup: HeaderLookup) {
    for (const [name, value] of Object.entries(PREDEFINED)) this.macros.set(name, macro(undefined, value));
  }

  run(steps: readonly PreambleStep[], program: string | undefined): HeaderScan {
    const missing: number[] = [];
    steps.forEach((s, i) => {
      if (s.kind === "define") {
        this.macros.set(s.name, macro(s.params, s.value));
        this.fromHeaders.delete(s.name);
        return;
      }
      const file = this.lookup(s.name, s.quoted, program);
      if (file === undefined) missing.push(i);
      else this.include(file, 0);
    });
    return {
      missing,
      unknownConditions: this.unknown,
      files: this.files,
      constant: (name) => this.constant(name),
    };
  }

  private constant(name: string): bigint | undefined {
    if (this.values.has(name)) return this.values.get(name);
    let v: bigint | undefined;
    const m = this.macros.get(name);
    if (m !== undefined && m.params === undefined && this.fromHeaders.has(name)) {
      try {
        v = evaluateInt(expandTokens(tokenize(m.text), this.macros, false, [name]), "value")?.v;
      } catch (e) {
        if (!(e instanceof ExpandFailure)) throw e;
      }
    }
    this.values.set(name, v);
    return v;
  }

  private include(file: HeaderFile, depth: number): void {
    if (depth > MAX_DEPTH || this.visits++ >= MAX_FILES || this.once.has(file.path)) return;
    const parsed = parse(file.text);
    // An include guard that is defined: the file would contribute nothing (the usual case
    // for features.h and friends, included from everywhere).
    if (parsed.guard !== undefined && this.macros.has(parsed.guard)) return;
    if (!this.seen.has(file.path)) {
      this.seen.add(file.path);
      this.files.push(file.path);
    }
    const stack: Cond[] = [];
    const active = () => stack.length === 0 || stack[stack.length - 1]!.active;
    for (const d of parsed.directives) {
      switch (d.name) {
        case "if":
        case "ifdef":
        case "ifndef": {
          const parentActive = active();
          const v = parentActive ? this.condition(d, file.path) : false;
          stack.push({ active: v === true, done: v !== false, parentActive });
          continue;
        }
        case "elif":
        case "elifdef":
        case "elifndef": {
          const top = stack[stack.length - 1];
          if (top === undefined) continue;
          if (top.done || !top.parentActive) {
            top.active = false;
            continue;
          }
          const v = this.condition(d, file.path);
          top.active = v === true;
          top.done = v !== false;
          continue;
        }
        case "else": {
          const top = stack[stack.length - 1];
          if (top === undefined) continue;
          top.active = top.parentActive && !top.done;
          top.done = true;
          continue;
        }
        case "endif":
          stack.pop();
          continue;
      }
      if (!active()) continue;
      switch (d.name) {
        case "define": {
          if (d.define === undefined) d.define = parseDefine(d.rest) ?? null;
          const def = d.define;
          if (def !== null) {
            this.macros.set(def.name, def.macro);
            this.fromHeaders.add(def.name);
          }
          break;
        }
        case "undef": {
          const id = /^[A-Za-z_]\w*/.exec(d.rest)?.[0];
          if (id !== undefined) this.macros.delete(id);
          break;
        }
        case "include": {
          // `#include MACRO` (computed includes) and #include_next are not followed.
          const inc = /^(?:<([^>]*)>|"([^"]*)")/.exec(d.rest);
          if (inc === null) break;
          const next = this.lookup(inc[1] ?? inc[2] ?? "", inc[2] !== undefined, file.path);
          if (next !== undefined) this.include(next, depth + 1);
          break;
        }
        case "pragma":
          if (/^once\b/.test(d.rest)) this.once.add(file.path);
          break;
      }
    }
  }

  /** true/false, or undefined when it cannot be evaluated (recorded). */
  private condition(d: Directive, path: string): boolean | undefined {
    if (d.name === "ifdef" || d.name === "ifndef" || d.name === "elifdef" || d.name === "elifndef") {
      const id = /^[A-Za-z_]\w*/.exec(d.rest)?.[0];
      if (id === undefined) return this.noteUnknown(d, path);
      return this.macros.has(id) === (d.name === "ifdef" || d.name === "elifdef");
    }
    try {
      const v = evaluateInt(expandTokens(tokenize(d.rest), this.macros, true), "if");
      return v === undefined ? this.noteUnknown(d, path) : v.v !== 0n;
    } catch (e) {
      if (e instanceof ExpandFailure) return this.noteUnknown(d, path);
      throw e;
    }
  }

  private noteUnknown(d: Directive, path: string): undefined {
    this.unknown.push(`${path}:${d.line}: #${d.name} ${d.rest}`);
    return undefined;
  }
}

/** What starts a comment or a literal (a literal may hold what looks like a comment). */
const SPECIAL = /\/\*|\/\/|"|'/g;

/**
 * One line without its comments (translation phase 3); `open` when a block comment runs on
 * past its end.
 */
function stripComments(l: string): { code: string; open: boolean } {
  let out = "";
  let i = 0;
  for (;;) {
    SPECIAL.lastIndex = i;
    const m = SPECIAL.exec(l);
    if (m === null) return { code: out + l.slice(i), open: false };
    out += l.slice(i, m.index);
    if (m[0] === "//") return { code: out, open: false };
    if (m[0] === "/*") {
      const close = l.indexOf("*/", m.index + 2);
      if (close < 0) return { code: out, open: true };
      out += " ";
      i = close + 2;
      continue;
    }
    let j = m.index + 1;
    while (j < l.length && l[j] !== m[0]) j += l[j] === "\\" ? 2 : 1;
    out += l.slice(m.index, j + 1);
    i = j + 1;
  }
}

const DIRECTIVE = /^\s*#\s*([A-Za-z_]\w*)\s*(.*)$/;

/**
 * The directive lines of a header, line by line (most of a header is declarations and
 * comments: they only move the comment state). Lines are spliced at a trailing backslash
 * first, and comments removed, as translation phases 2 and 3 do.
 */
function parse(text: string): ParsedHeader {
  let p = parsedFiles.get(text);
  if (p !== undefined) return p;
  const out: Directive[] = [];
  let inComment = false;
  let codeBefore = false; // declarations before the first directive
  let codeAfter = false; // declarations after the latest directive
  let pos = 0;
  let line = 0;
  while (pos < text.length) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = text.length;
    let l = text.slice(pos, end);
    line++;
    const at = line;
    pos = end + 1;
    while (l.endsWith("\\") && pos < text.length) {
      end = text.indexOf("\n", pos);
      if (end < 0) end = text.length;
      l = l.slice(0, -1) + text.slice(pos, end);
      line++;
      pos = end + 1;
    }
    if (inComment) {
      const close = l.indexOf("*/");
      if (close < 0) continue;
      l = ` ${l.slice(close + 2)}`;
      inComment = false;
    }
    if (l.includes("/")) {
      const s = stripComments(l);
      l = s.code;
      inComment = s.open;
    }
    const m = DIRECTIVE.exec(l);
    if (m !== null) {
      out.push({ line: at, name: m[1]!, rest: m[2]!.trim() });
      codeAfter = false;
    } else if (l.trim() !== "") {
      if (out.length === 0) codeBefore = true;
      codeAfter = true;
    }
  }
  p = { directives: out, guard: codeBefore || codeAfter ? undefined : guardOf(out) };
  parsedFiles.set(text, p);
  return p;
}

/** X when `#ifndef X` / `#define X` ... `#endif` is the whole file (declarations outside it were ruled out). */
function guardOf(ds: readonly Directive[]): string | undefined {
  const first = ds[0];
  const last = ds[ds.length - 1];
  const id = first?.name === "ifndef" ? /^[A-Za-z_]\w*$/.exec(first.rest)?.[0] : undefined;
  if (id === undefined || ds[1]?.name !== "define" || /^[A-Za-z_]\w*/.exec(ds[1].rest)?.[0] !== id || last?.name !== "endif") return undefined;
  // The #ifndef must close at the last #endif.
  let depth = 0;
  for (let i = 0; i < ds.length; i++) {
    const n = ds[i]!.name;
    if (n === "if" || n === "ifdef" || n === "ifndef") depth++;
    else if (n === "endif" && --depth === 0 && i !== ds.length - 1) return undefined;
  }
  return id;
}

