// parse, expand (macros, #defines, getopt), isComplete and tokenAt must never throw, whatever the input: random token
// soups, and mutations (deletions, duplications, swaps, truncations) of the fixtures.
// Deterministic: fixed counts of seeded inputs (~4.5 s in total here), times
// TRACEBOOK_FUZZ_COUNT (test/helpers/fuzz-count.ts) for longer runs by hand.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { rng } from "../helpers/rng.ts";
import { fuzzCount } from "../helpers/fuzz-count.ts";
import { expand, isComplete, parse, tokenAt } from "../../bpf/lang/index.ts";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/bt");
const sources = [
  ...readdirSync(fixtures).filter((f) => f.endsWith(".bt")).map((f) => join(fixtures, f)),
  ...readdirSync(join(fixtures, "tools")).filter((f) => f.endsWith(".bt")).map((f) => join(fixtures, "tools", f)),
].map((f) => readFileSync(f, "utf8"));

const pieces = [
  "BEGIN", "END", "kprobe:vfs_read", "uprobe:/bin/bash:readline", "t:syscalls:sys_enter_*", "interval:s:1",
  "{", "}", "(", ")", "[", "]", "/", "//", "/*", "*/", ";", ",", ":", "?", ".", "..", "->", "=", "==", "+=",
  "<<=", "++", "--", "+", "-", "*", "&", "&&", "||", "!", "~", "<", ">>", "%", "^", "|", "@", "@m", "$x",
  "$1", "$#", "$", "0", "0x1f", "1e6", "10ms", "0b12", "09", '"str\\n"', '"open', "'a'", "\\", "#include <x.h>",
  "#define X 1", "#ifndef Y", "#endif", "struct foo { int a; }", "config = {", "let", "let @a = hash(10);",
  "fn", "macro", "import", "if", "else", "for", "while", "unroll", "break", "continue", "return", "sizeof",
  "offsetof", "true", "false", "(uint32)", "(struct task_struct *)", "printf", "count()", "comm", "pid",
  "args", "\n", " ", "\t", "`", "\u00e9", "\0",
  "macro m($v, @m, e) { $v += e; @m[e] = 1; $v }", "macro n() { n }", "m($x, @m, 1)", "n", "X", "#define F(a) (a + X)",
  "F(2)", 'getopt("x", 1)', "getopt(",
];

function check(src: string): void {
  const r = parse(src);
  expect(Array.isArray(r.diagnostics)).toBe(true);
  for (const d of r.diagnostics) {
    if (!(d.span.offset >= 0 && d.span.endOffset <= src.length && d.span.offset <= d.span.endOffset)) {
      throw new Error(`bad span ${JSON.stringify(d.span)} for ${JSON.stringify(src)}`);
    }
  }
  if (r.program) {
    const x = expand(r.program, { programOptions: ["x=1"] });
    const internal = x.diagnostics.find((d) => d.message.startsWith("internal error"));
    if (internal) throw new Error(`${internal.message} for ${JSON.stringify(src)}`);
  }
  expect(["complete", "incomplete", "invalid"]).toContain(isComplete(src));
  for (const off of [0, src.length >> 1, src.length, src.length + 1, -1]) tokenAt(src, off);
}

function mutate(src: string, rand: () => number): string {
  const n = src.length;
  const at = () => Math.floor(rand() * (n + 1));
  let a = at();
  let b = at();
  if (a > b) [a, b] = [b, a];
  switch (Math.floor(rand() * 6)) {
    case 0: return src.slice(0, a) + src.slice(b); // delete a range
    case 1: return src.slice(0, b) + src.slice(a, b) + src.slice(b); // duplicate a range
    case 2: { // swap two ranges
      const c = Math.min(n, b + Math.floor(rand() * 40));
      return src.slice(0, a) + src.slice(b, c) + src.slice(a, b) + src.slice(c);
    }
    case 3: return src.slice(0, a); // truncate
    case 4: return src.slice(0, a) + (pieces[Math.floor(rand() * pieces.length)] ?? "") + src.slice(a); // insert
    default: return src.slice(0, a) + src.slice(a + 1); // delete one character
  }
}

describe("fuzz", () => {
  it("token soups", () => {
    const rand = rng(1);
    const count = fuzzCount(1600);
    let runs = 0;
    while (runs < count) {
      const len = 1 + Math.floor(rand() * 40);
      const parts: string[] = [];
      for (let i = 0; i < len; i++) parts.push(pieces[Math.floor(rand() * pieces.length)] ?? "");
      check(parts.join(rand() < 0.5 ? " " : ""));
      runs++;
    }
    expect(runs).toBe(count);
  });

  it("mutations of the fixtures", () => {
    const rand = rng(2);
    const count = fuzzCount(2300);
    let runs = 0;
    while (runs < count) {
      let src = sources[Math.floor(rand() * sources.length)] ?? "";
      const times = 1 + Math.floor(rand() * 3);
      for (let i = 0; i < times; i++) src = mutate(src, rand);
      check(src);
      runs++;
    }
    expect(runs).toBe(count);
  });

  it("random bytes", () => {
    const rand = rng(3);
    for (let i = 0; i < 200; i++) {
      let s = "";
      const len = Math.floor(rand() * 60);
      for (let j = 0; j < len; j++) s += String.fromCharCode(Math.floor(rand() * 128));
      check(s);
    }
  });
});
