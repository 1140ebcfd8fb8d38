// The `%%bt` header is split into words as a shell splits them (magics/header-words.ts),
// so a flag's value may hold spaces when quoted.
import { describe, expect, it } from "vitest";
import { splitWords } from "../../magics/header-words.ts";

describe("splitWords", () => {
  it.each([
    ["", []],
    ["   ", []],
    ["--for 10s", ["--for", "10s"]],
    ["  -b\t--pid   12 ", ["-b", "--pid", "12"]],
    [`-c "ls -l /tmp"`, ["-c", "ls -l /tmp"]],
    [`-c 'echo "hi there"'`, ["-c", `echo "hi there"`]],
    [`--cmd="a b" --for=1s`, ["--cmd=a b", "--for=1s"]],
    [`a'b'"c"d`, ["abcd"]],
    [`''`, [""]],
    [`"" x`, ["", "x"]],
    [`a\\ b`, ["a b"]],
    [`\\'x`, ["'x"]],
    [`"say \\"hi\\" \\\\ \\n"`, [`say "hi" \\ \\n`]],
    [`'no \\escape'`, ["no \\escape"]],
    [`trailing\\`, ["trailing\\"]],
  ])("%j → %j", (text, words) => {
    expect(splitWords(text)).toEqual(words);
  });

  it("reports an unterminated quote", () => {
    expect(splitWords(`-c "ls -l`)).toBe('unterminated " quote');
    expect(splitWords(`-c 'ls`)).toBe("unterminated ' quote");
    expect(splitWords(`"it's"`)).toEqual(["it's"]);
  });
});
