// Program mutations for the fuzz tests: split a program into tokens (words, spaces and
// punctuation) and delete, duplicate or replace a few of them.
export function mutateProgram(seed: string, rand: () => number, substitutes: readonly string[], maxEdits = 2): string {
  const toks = seed.split(/(\s+|[(){};,[\]])/).filter((x) => x !== "");
  for (let k = 1 + Math.floor(rand() * maxEdits); k > 0; k--) {
    const i = Math.floor(rand() * toks.length);
    const op = rand();
    if (op < 0.35) toks.splice(i, 1);
    else if (op < 0.6) toks.splice(i, 0, toks[Math.floor(rand() * toks.length)]!);
    else toks[i] = substitutes[Math.floor(rand() * substitutes.length)]!;
  }
  return toks.join("");
}
