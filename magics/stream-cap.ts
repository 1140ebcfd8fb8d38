// A cell's printf stream, capped: the first `limit` lines go to the front end, the rest
// only to a file, so a flood (every syscall printed) cannot swamp the browser or the saved
// notebook. The file holds the whole stream, the shown lines included: it is made when the
// cap is first passed (or at once for `--output FILE`) and starts with what was shown.
// Writing never throws: a disk that is full or a file that cannot be made is said in the
// summary, and the cell goes on (it runs inside the ring buffer's drain).
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Lines a cell shows by default (%limit changes it for the notebook, --limit for a cell). */
export const DEFAULT_STREAM_LIMIT = 10_000;

/**
 * Where a file of our own (not --output) stops: a flood that runs for minutes must not fill
 * the disk (or RAM, where /tmp is a tmpfs) of a machine that is already in trouble.
 */
export const AUTO_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** File writes are gathered up to this many characters: one write(2) per batch, not per line. */
const FILE_BATCH = 64 * 1024;

let sessionDir: string | undefined;

/** A directory of this kernel's own for the streams of capped cells. */
function streamDir(): string {
  sessionDir ??= mkdtempSync(join(tmpdir(), `tracebook-${process.pid}-`));
  return sessionDir;
}

export interface StreamCapOptions {
  /** Lines shown; undefined: all. */
  readonly limit: number | undefined;
  /** Names the file made when the cap is passed ("cell-4" → cell-4.out). */
  readonly name: string;
  /** --output FILE: the whole stream goes there, from the first line. */
  readonly file?: string;
  /** Where files of our own go (default: a directory of this kernel's under tmpdir). */
  readonly dir?: string;
  /** Where a file of our own stops (default AUTO_FILE_MAX_BYTES). */
  readonly maxFileBytes?: number;
}

export class StreamCap {
  readonly limit: number | undefined;
  readonly #name: string;
  readonly #dir: string | undefined;
  readonly #maxBytes: number;
  #shown = 0;
  #suppressed = 0;
  #total = 0;
  /** What was shown, kept until a file is made (only under a cap: at most `limit` lines). */
  #kept: string[] = [];
  #fd: number | undefined;
  #path: string | undefined;
  /** Whether the file is ours (capped at maxBytes) or --output's. */
  #auto = false;
  #pending: string[] = [];
  #pendingChars = 0;
  #fileBytes = 0;
  /** Lines that did not reach the file (it was full, or could not be written). */
  #fileMissed = 0;
  #fileError: string | undefined;
  #fileFull = false;
  #closed = false;
  /** Whether the last line written had no newline yet, and where it went. */
  #openLine: "shown" | "hidden" | undefined;

  private constructor(o: StreamCapOptions) {
    this.limit = o.limit;
    this.#name = o.name;
    this.#dir = o.dir;
    this.#maxBytes = o.maxFileBytes ?? AUTO_FILE_MAX_BYTES;
  }

  /** A cap; a string when `--output FILE` cannot be opened. */
  static open(o: StreamCapOptions): StreamCap | string {
    const cap = new StreamCap(o);
    if (o.file !== undefined) {
      const path = resolve(o.file);
      try {
        cap.#fd = openSync(path, "w", 0o644);
        cap.#path = path;
      } catch (e) {
        return `--output ${o.file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
      }
    }
    return cap;
  }

  /** Passes `text` (one or more lines) on to `send` as far as the cap allows; the rest goes to the file. */
  write(text: string, send: (text: string) => void): void {
    if (text === "") return;
    let shown = "";
    let hidden = 0;
    const capped = this.#suppressed > 0 || this.#openLine === "hidden";
    for (const l of text.split(/(?<=\n)/)) {
      const complete = l.endsWith("\n");
      // a chunk may end mid-line: the rest of that line goes where its start went
      const show = this.#openLine ? this.#openLine === "shown" : this.limit === undefined || this.#shown < this.limit;
      if (show) {
        shown += l;
        if (complete) this.#shown++;
      } else if (complete) hidden++;
      if (complete) this.#total++;
      this.#openLine = complete ? undefined : show ? "shown" : "hidden";
    }
    this.#suppressed += hidden;
    if (shown !== "") send(shown);
    if (!capped && (hidden > 0 || this.#openLine === "hidden")) {
      if (this.#path === undefined) this.#openAuto(); // with what was shown before this text
      send(`… ${this.#capNotice()}\n`);
    } else if (shown !== "" && this.#path === undefined && this.limit !== undefined) this.#kept.push(shown);
    this.#toFile(text);
  }

  #capNotice(): string {
    const where = this.#path ? `the rest goes to ${this.#path}` : `the rest is not kept (${this.#fileError})`;
    return `output capped at ${this.limit!.toLocaleString("en-US")} lines; ${where} (%limit N or %%bt --limit N shows more)`;
  }

  #openAuto(): void {
    try {
      const dir = this.#dir ?? streamDir();
      let path = join(dir, `${this.#name}.out`);
      for (let i = 2; existsSync(path); i++) path = join(dir, `${this.#name}-${i}.out`);
      this.#fd = openSync(path, "w", 0o600);
      this.#path = path;
      this.#auto = true;
    } catch (e) {
      this.#fileError = `cannot make a file for it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
    const kept = this.#kept;
    this.#kept = [];
    for (const t of kept) this.#toFile(t);
  }

  #toFile(text: string): void {
    if (this.#path === undefined) return;
    if (this.#fileError !== undefined || this.#fileFull) {
      this.#fileMissed += lines(text);
      return;
    }
    if (this.#auto && this.#fileBytes + this.#pendingChars + text.length > this.#maxBytes) {
      this.#fileFull = true;
      this.#fileMissed += lines(text);
      return;
    }
    this.#pending.push(text);
    this.#pendingChars += text.length;
    if (this.#pendingChars >= FILE_BATCH || this.#closed) this.flush();
  }

  /** Writes what waits for the file (the cell's tick and end call it). */
  flush(): void {
    if (this.#pending.length === 0) return;
    const data = this.#pending.join("");
    this.#pending = [];
    this.#pendingChars = 0;
    try {
      // after close (a background job's lines, printed when it stops) the file is appended to
      if (this.#fd === undefined) appendFileSync(this.#path!, data);
      else writeSync(this.#fd, data);
      this.#fileBytes += Buffer.byteLength(data);
    } catch (e) {
      this.#fileError = `writing it failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      this.#fileMissed += lines(data);
    }
  }

  /** Lines not shown so far. */
  get suppressed(): number {
    return this.#suppressed;
  }

  /** Where the whole stream is, when it is in a file. */
  get path(): string | undefined {
    return this.#path;
  }

  /** What the cell says at its end about lines not shown and where they are, or undefined. */
  summary(): string | undefined {
    this.flush();
    const n = (x: number) => x.toLocaleString("en-US");
    let file = "";
    if (this.#path !== undefined) {
      const inFile = this.#total - this.#fileMissed;
      if (this.#fileMissed === 0) file = this.#suppressed === 0 ? `the whole output (${n(this.#total)} lines) is in ${this.#path}` : `all ${n(this.#total)} lines are in ${this.#path}`;
      else if (this.#fileFull) file = `the first ${n(inFile)} lines are in ${this.#path} (it stops at ${size(this.#maxBytes)}; %%bt --output FILE keeps all)`;
      else file = `${n(inFile)} lines are in ${this.#path}; the rest is lost: ${this.#fileError}`;
    } else if (this.#fileError !== undefined) file = `they are lost: ${this.#fileError}`;
    if (this.#suppressed === 0) return this.#path !== undefined ? file : undefined;
    return `${n(this.#suppressed)} more lines not shown (a cell shows ${n(this.limit!)}: %limit N or %%bt --limit N changes it); ${file}`;
  }

  close(): void {
    this.flush();
    this.#closed = true;
    if (this.#fd !== undefined) {
      try {
        closeSync(this.#fd);
      } catch {
        // already reported by flush
      }
    }
    this.#fd = undefined;
  }
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toLocaleString("en-US")} MiB` : `${bytes.toLocaleString("en-US")} bytes`;
}

function lines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
