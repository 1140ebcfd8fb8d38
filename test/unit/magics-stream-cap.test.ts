// A cell's capped stream (magics/stream-cap.ts): what the front end is sent, what the file
// holds, what the cell says at its end, and that a file that cannot be written never
// throws into the ring buffer's drain.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StreamCap, type StreamCapOptions } from "../../magics/stream-cap.ts";
import { parseLimit } from "../../magics/dsl-cell.ts";

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "tb-cap-"));
  dirs.push(d);
  return d;
}

function cap(o: Partial<StreamCapOptions> & { limit: number | undefined }): { cap: StreamCap; sent: string[] } {
  const c = StreamCap.open({ name: "cell-1", dir: tmp(), ...o });
  if (typeof c === "string") throw new Error(c);
  return { cap: c, sent: [] };
}

const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join("");

describe("StreamCap", () => {
  it("sends the first N lines, then one notice; the file holds every line, the shown ones first", () => {
    const { cap: c, sent } = cap({ limit: 3 });
    c.write("line 1\nline 2\n", (t) => sent.push(t));
    expect(c.path).toBeUndefined(); // no file while under the cap
    c.write(numbered(3, 5), (t) => sent.push(t));
    c.write(numbered(6, 7), (t) => sent.push(t));
    const file = c.path!;
    expect(sent).toEqual([
      "line 1\nline 2\n",
      "line 3\n",
      `… output capped at 3 lines; the rest goes to ${file} (%limit N or %%bt --limit N shows more)\n`,
    ]);
    expect(c.suppressed).toBe(4);
    expect(c.summary()).toBe(`4 more lines not shown (a cell shows 3: %limit N or %%bt --limit N changes it); all 7 lines are in ${file}`);
    c.close();
    expect(readFileSync(file, "utf8")).toBe(numbered(1, 7));
  });

  it("keeps a line that arrives in pieces on the side its start went", () => {
    const { cap: c, sent } = cap({ limit: 1 });
    c.write("a", (t) => sent.push(t));
    c.write("b\nc", (t) => sent.push(t));
    c.write("d\n", (t) => sent.push(t));
    expect(sent.slice(0, 2)).toEqual(["a", "b\n"]);
    expect(sent).toHaveLength(3); // the notice
    expect(c.suppressed).toBe(1);
    c.close();
    expect(readFileSync(c.path!, "utf8")).toBe("ab\ncd\n");
  });

  it("without a cap sends everything and makes no file (and keeps nothing)", () => {
    const { cap: c, sent } = cap({ limit: undefined });
    for (let i = 0; i < 1000; i++) c.write(`x ${i}\n`, (t) => sent.push(t));
    expect(sent).toHaveLength(1000);
    expect(c.path).toBeUndefined();
    expect(c.summary()).toBeUndefined();
    c.close();
  });

  it("--output FILE gets the whole stream from the first line, and the summary says where", () => {
    const file = join(tmp(), "all.txt");
    const { cap: c, sent } = cap({ limit: 100, file });
    c.write(numbered(1, 5), (t) => sent.push(t));
    expect(sent).toEqual([numbered(1, 5)]);
    expect(c.summary()).toBe(`the whole output (5 lines) is in ${file}`);
    c.close();
    expect(readFileSync(file, "utf8")).toBe(numbered(1, 5));
  });

  it("refuses an --output file it cannot write, before anything runs", () => {
    expect(StreamCap.open({ limit: 10, name: "c", file: "/nonexistent-dir/x.txt" })).toBe("--output /nonexistent-dir/x.txt: cannot write it (ENOENT)");
  });

  it("stops its own file at maxFileBytes and says how many lines it holds", () => {
    const { cap: c, sent } = cap({ limit: 2, maxFileBytes: 64 });
    for (let i = 1; i <= 20; i++) c.write(`line ${i}\n`, (t) => sent.push(t)); // 7 or 8 bytes each
    c.close();
    const held = readFileSync(c.path!, "utf8");
    expect(held).toBe(numbered(1, 9)); // 9 lines are 62 bytes; the 10th would pass 64
    expect(c.summary()).toBe(`18 more lines not shown (a cell shows 2: %limit N or %%bt --limit N changes it); the first 9 lines are in ${c.path} (it stops at 64 bytes; %%bt --output FILE keeps all)`);
  });

  it("never throws when its directory cannot take a file: the cell goes on, the summary says they are lost", () => {
    const { cap: c, sent } = cap({ limit: 1, dir: join(tmp(), "gone") });
    expect(() => c.write("a\nb\nc\n", (t) => sent.push(t))).not.toThrow();
    expect(sent[0]).toBe("a\n");
    expect(sent[1]).toMatch(/^… output capped at 1 lines; the rest is not kept \(cannot make a file for it: ENOENT\)/);
    expect(c.summary()).toBe("2 more lines not shown (a cell shows 1: %limit N or %%bt --limit N changes it); they are lost: cannot make a file for it: ENOENT");
    c.close();
  });

  it("appends what arrives after close (a background job's lines, printed when it stops)", () => {
    const { cap: c, sent } = cap({ limit: 1 });
    c.write("a\nb\n", (t) => sent.push(t));
    c.close();
    c.write("c\n", (t) => sent.push(t));
    expect(readFileSync(c.path!, "utf8")).toBe("a\nb\nc\n");
    expect(c.suppressed).toBe(2);
  });

  it("parses %limit and --limit values", () => {
    expect(parseLimit("10000")).toBe(10_000);
    expect(parseLimit("10k")).toBe(10_000);
    expect(parseLimit("0")).toBe(0);
    expect(parseLimit("off")).toBeNull();
    expect(parseLimit("ten")).toBeUndefined();
    expect(parseLimit("-5")).toBeUndefined();
  });
});
