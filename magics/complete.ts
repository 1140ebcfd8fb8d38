// complete_request: probe names from this machine (tracefs, BTF, ELF symbols), builtins,
// functions, keywords, the session's maps, magics, and the fields after `->` / `.`.
import type { CompleteResult } from "../kernel/interpreter.ts";
import type { Session } from "../bpf/session.ts";
import { tokenAt } from "../bpf/lang/index.ts";
import { builtins } from "../bpf/check/builtins.ts";
import { functions } from "../bpf/functions/index.ts";
import { providers } from "../bpf/probes/index.ts";
import { listProbes } from "../bpf/probes/listing.ts";
import type { MagicInfo } from "./line-magics.ts";
import { completeMembers } from "./complete-members.ts";

const KEYWORDS = ["if", "else", "while", "for", "unroll", "return", "break", "continue", "let", "config", "BEGIN", "END", "struct", "true", "false"];

function word(code: string, pos: number): { text: string; start: number } {
  const m = /[\w%@$:./*-]*$/.exec(code.slice(0, pos));
  const text = m?.[0] ?? "";
  return { text, start: pos - text.length };
}

export function complete(session: Session, code: string, pos: number, magics: readonly MagicInfo[]): CompleteResult {
  const before = code.slice(0, pos);
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  // magics at the start of a line
  const mm = /(^|\n)(%%?\w*)$/.exec(before);
  if (mm) {
    const t = mm[2]!;
    return { matches: uniq(magics.map((x) => x.name).filter((n) => n.startsWith(t))), cursorStart: pos - t.length, cursorEnd: pos, metadata: {} };
  }
  // after `->` or `.`: the fields of what stands before it (args, kernel structs, tuples)
  const members = completeMembers(session, code, pos);
  if (members && members.matches.length) return { matches: members.matches, cursorStart: members.start, cursorEnd: pos, metadata: {} };
  const tok = tokenAt(code, Math.max(0, pos - 1));
  let text: string;
  let start: number;
  let kind: string;
  if (tok && tok.end === pos) {
    text = code.slice(tok.start, pos);
    start = tok.start;
    kind = tok.kind;
  } else {
    const w = word(code, pos);
    text = w.text;
    start = w.start;
    kind = text.includes(":") ? "probe" : text.startsWith("@") ? "map" : "ident";
  }
  let cands: string[] = [];
  if (kind === "probe" || (kind === "ident" && !/[{]/.test(before.slice(0, start)) && /^[\w]*$/.test(text) && !/\(\s*$|,\s*$|=\s*$/.test(before.slice(0, start)))) {
    if (text.includes(":")) {
      const pattern = `${text}*`;
      cands = listProbes(session.env, pattern, false).filter((n) => n.startsWith(text) || text.includes(":"));
      if (cands.length > 500) cands = cands.slice(0, 500);
    } else {
      cands = providers.flatMap((p) => [p.name, ...p.aliases]).filter((n) => n.length > 1 || n === text);
    }
    if (kind === "ident") cands.push(...builtins.keys(), ...functions.keys(), ...KEYWORDS);
  } else if (kind === "map") {
    const inCode = [...code.matchAll(/@[\w]*/g)].map((m) => m[0]);
    cands = [...session.registry.names(), ...inCode];
  } else if (kind === "var") {
    cands = [...code.matchAll(/\$[\w]+/g)].map((m) => m[0]);
  } else {
    cands = [...builtins.keys(), ...functions.keys(), ...KEYWORDS];
  }
  const matches = uniq(cands.filter((c) => c.startsWith(text) && c !== text));
  return { matches, cursorStart: start, cursorEnd: pos, metadata: {} };
}
