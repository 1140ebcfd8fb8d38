// The words of a `%%bt` header (and of its -c command), split as a POSIX shell splits
// them, without expansions: whitespace separates words; '...' keeps everything literally;
// "..." keeps whitespace, and a backslash in it escapes only " \ $ ` (else it stays);
// outside quotes a backslash escapes the next character. Adjacent pieces join: a'b'"c" is abc.

/** The words of `text`, or why it cannot be split ("unterminated ' quote"). */
export function splitWords(text: string): string[] | string {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      continue;
    }
    word ??= "";
    if (c === "\\") {
      // a trailing backslash stays itself; backslash-newline joins lines, as in sh
      if (i + 1 >= text.length) word += c;
      else if (text[++i] !== "\n") word += text[i];
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return "unterminated ' quote";
      word += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        word += text[j];
      }
      if (j >= text.length) return 'unterminated " quote';
      i = j;
    } else word += c;
  }
  if (word !== undefined) words.push(word);
  return words;
}
