// %lsmagic and %help MAGIC, read from the MAGICS table (magics/line-magics.ts), so a
// magic documents itself in one place: its row.
import type { MagicInfo } from "./line-magics.ts";

/** %lsmagic: the line magics, then the cell magics, each with its usage, aligned. */
export function listMagics(magics: readonly MagicInfo[]): string {
  const section = (title: string, rows: readonly MagicInfo[]) => {
    const width = Math.max(...rows.map((m) => m.usage.length));
    return [title, ...rows.map((m) => `  ${m.usage.padEnd(width)}  ${firstSentence(m.doc)}`)].join("\n");
  };
  const line = magics.filter((m) => !m.name.startsWith("%%"));
  const cell = magics.filter((m) => m.name.startsWith("%%"));
  return `${section("line magics (one per line, several lines per cell):", line)}\n\n${section("cell magics (first line of a cell):", cell)}\n\n%help MAGIC shows one in full.\n`;
}

/** The row for `%help NAME`: `probes`, `%probes`, `bt` and `%%bt` all name theirs. */
export function findMagic(magics: readonly MagicInfo[], name: string): MagicInfo | undefined {
  const bare = name.replace(/^%{1,2}/, "");
  return magics.find((m) => m.name === name) ?? magics.find((m) => m.name.replace(/^%{1,2}/, "") === bare);
}

/** %help NAME: usage and doc; an unknown name says which exist. */
export function helpText(magics: readonly MagicInfo[], name: string): { ok: true; text: string } | { ok: false; text: string } {
  if (name === "") return { ok: true, text: listMagics(magics) };
  const m = findMagic(magics, name);
  if (!m) return { ok: false, text: `%help: no magic ${name}; there are ${magics.map((x) => x.name).join(", ")}` };
  return { ok: true, text: `${m.usage}\n\n${m.doc}\n` };
}

function firstSentence(doc: string): string {
  const m = /^.*?[.:](?=\s|$)/.exec(doc);
  return m ? m[0].replace(/:$/, ".") : doc;
}
