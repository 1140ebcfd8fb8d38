// Attach points: scanning one from the source, and splitting it into provider and parts.
//
// bpftrace lexes an attach point as raw text up to whitespace, '{' or ',' (quoted
// sections are taken whole), and only then splits it on ':' (src/parser.cpp
// parse_attach_point, src/ast/attachpoint_parser.cpp). A '/' is a problem: it is a
// predicate start in `kprobe:f/arg0 > 1/` but a path in `uprobe:/bin/bash:readline`.
// bpftrace lets '/' end the attach point only before any ':' was seen. We do the same
// for providers that take a path (uprobe, uretprobe, usdt, iter pin paths), and let '/'
// end the attach point for every other provider, where it can never be part of it.
// Provider names, aliases and which take paths are the probe kinds' own (bpf/probes'
// registry, which imports nothing of lang/).
import { findProvider, providerAliases } from "../probes/index.ts";

/** Short and legacy provider names → canonical provider: the registry's aliases. */
export { providerAliases };

/** Whether the provider's fields may hold a file path (uprobe, usdt, iter pin paths). */
function takesPaths(provider: string): boolean {
  return findProvider(provider)?.paths === true;
}

/** Characters that never occur in an attach point and so end it. */
const stopChars = new Set(["{", "}", ",", "(", ")", ";", "<", ">", "&", "|", "'", "#"]);

export function canonicalProvider(name: string): string {
  return providerAliases.get(name) ?? name;
}

/**
 * Scan an attach point starting at `start` (a word character). Returns the end offset
 * (exclusive). Stops at whitespace, a stop character, a comment, or a '/' that cannot
 * belong to the attach point (see the file comment).
 */
export function scanAttachPoint(text: string, start: number): number {
  let i = start;
  let sawColon = false;
  let provider = "";
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c) || stopChars.has(c)) break;
    if (c === "/") {
      const next = text[i + 1];
      if (next === "/" || next === "*") {
        // A comment glued to the attach point, unless we are inside a path.
        if (!sawColon || !takesPaths(provider)) break;
      } else if (!sawColon || !takesPaths(provider)) {
        break;
      }
    }
    if (c === ":" && !sawColon) {
      sawColon = true;
      provider = text.slice(start, i);
    }
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== "\n") {
        if (text[i] === "\\" && i + 1 < text.length && text[i + 1] !== "\n") i++;
        i++;
      }
      if (text[i] === '"') i++;
      continue;
    }
    i++;
  }
  return i;
}

export interface SplitAttachPoint {
  readonly provider: string;
  readonly parts: readonly string[];
  /** Problems found, as messages (the caller attaches the span). */
  readonly problems: readonly string[];
}

/**
 * Split raw attach-point text on ':' outside quotes, remove the quotes, and expand the
 * provider alias. `name=` (a probe name, reserved by bpftrace) is dropped.
 */
export function splitAttachPoint(raw: string): SplitAttachPoint {
  const problems: string[] = [];
  let text = raw;
  const named = /^[A-Za-z_][A-Za-z0-9_]*=/.exec(text);
  if (named !== null) text = text.slice(named[0].length);
  const fields: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === "\\" && i + 1 < text.length) {
        cur += text[i + 1];
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ":") {
      fields.push(cur);
      cur = "";
    } else {
      cur += c;
    }
  }
  fields.push(cur);
  if (quoted) problems.push("unterminated quote in attach point");
  const first = fields[0] ?? "";
  const provider = canonicalProvider(first);
  if (/\$(#|\d)/.test(first)) {
    // `BEG$1`, `$1`: the provider is known once the positional parameters are substituted.
  } else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(first)) {
    problems.push(`invalid probe type '${first}'`);
  } else if (fields.length === 1 && findProvider(provider)?.bare !== true) {
    problems.push(`'${first}' is not a probe: expected 'provider:...' (like 'kprobe:vfs_read'), 'BEGIN' or 'END'`);
  }
  return { provider, parts: fields.slice(1), problems };
}
