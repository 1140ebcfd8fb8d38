// A cell's printf stream, capped: the first `limit` lines go to the front end, the rest
// only to a file, so a flood (every syscall printed) cannot swamp the browser or the saved
// notebook. The file holds the whole stream, the shown lines included: it is opened when
// the cap is first passed (or at once for `--output FILE`) and starts with what was shown.
import { closeSync, mkdtempSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Lines a cell shows by default (%limit changes it for the notebook, --limit for a cell). */
export const DEFAULT_STREAM_LIMIT = 10_000;

let sessionDir: string | undefined;

/** A directory of this kernel's own for the streams of capped cells. */
function streamDir(): string {
  sessionDir ??= mkdtempSync(join(tmpdir(), `tracebook-${process.pid}-`));
  return sessionDir;
}

export class StreamCap {
  #shown = 0;
  #suppressed = 0;
  #total = 0;
  /** What was shown, kept until a file is opened (at most `limit` lines). */
  #kept: string[] = [];
  #fd: number | undefined;
  #path: string | undefined;
  /** Whether the last line written had no newline yet, and where it went. */
  #openLine: "shown" | "hidden" | undefined;

  /**
   * `limit`: lines shown (undefined: all); `file`: where the whole stream goes (default: a
   * file of this kernel's, named after `name`, made only if the cap is passed).
   */
  constructor(
    readonly limit: number | undefined,
    readonly name: string,
    file?: string,
  ) {
    if (file !== undefined) this.#open(file);
  }

  /** Passes `text` (one or more lines) on to `send` as far as the cap allows; the rest goes to the file. */
  write(text: string, send: (text: string) => void): void {
    if (text === "") return;
    let shown = "";
    for (const l of text.split(/(?<=\n)/)) {
      const complete = l.endsWith("\n");
      // a chunk may end mid-line: the rest of that line goes where its start went
      const show = this.#openLine ? this.#openLine === "shown" : this.limit === undefined || this.#shown < this.limit;
      if (show) {
        shown += l;
        if (complete) this.#shown++;
      } else {
        if (this.#fd === undefined) this.#open(join(streamDir(), `${this.name}.out`));
        if (complete) this.#suppressed++;
      }
      if (complete) this.#total++;
      this.#openLine = complete ? undefined : show ? "shown" : "hidden";
    }
    if (shown !== "") {
      send(shown);
      if (this.#fd === undefined) this.#kept.push(shown);
    }
    if (this.#fd !== undefined) writeSync(this.#fd, text);
  }

  #open(path: string): void {
    this.#fd = openSync(path, "w", 0o600);
    this.#path = path;
    for (const t of this.#kept) writeSync(this.#fd, t);
    this.#kept = [];
  }

  /** Lines not shown so far. */
  get suppressed(): number {
    return this.#suppressed;
  }

  /** Where the whole stream is, when it is in a file. */
  get path(): string | undefined {
    return this.#path;
  }

  /** "N lines not shown (the cap is L: %limit / --limit); all M lines are in FILE", or undefined. */
  summary(): string | undefined {
    if (this.#suppressed === 0) return this.#path ? `the whole output (${this.#total.toLocaleString("en-US")} lines) is in ${this.#path}` : undefined;
    return `${this.#suppressed.toLocaleString("en-US")} more lines not shown (a cell shows ${this.limit!.toLocaleString("en-US")}: %limit N or %%bt --limit N changes it); all ${this.#total.toLocaleString("en-US")} lines are in ${this.#path}`;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
