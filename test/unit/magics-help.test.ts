// %lsmagic and %help MAGIC come from the MAGICS table: every row is listed, %help finds a
// magic with or without its percent signs, and an unknown name says what exists.
import { describe, expect, it } from "vitest";
import { Session } from "../../bpf/session.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { MAGICS, runLineMagic } from "../../magics/line-magics.ts";
import { helpText, listMagics } from "../../magics/help-magic.ts";
import { Replay } from "../../magics/replay.ts";
import type { MagicContext } from "../../magics/interpreter.ts";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function notebook(): { m: MagicContext; out: string[] } {
  const out: string[] = [];
  const ctx = { executionCount: 1, stream: (_: string, t: string) => void out.push(t), display: () => undefined, signal: new AbortController().signal };
  const settings = { positional: [], options: [], durationMs: undefined, pid: undefined };
  return { m: { session: new Session(recordedEnv(join(here, "../fixtures/tracefs"))), settings, ctx, origin: "cell[1]", replay: new Replay() }, out };
}

describe("%lsmagic", () => {
  it("lists every row of MAGICS with its usage, line magics before cell magics", async () => {
    const { m, out } = notebook();
    expect(await runLineMagic(m, "%lsmagic")).toEqual({ status: "ok" });
    const text = out.join("");
    for (const row of MAGICS) expect(text).toContain(row.usage);
    expect(text.indexOf("%probes [-v] PATTERN")).toBeLessThan(text.indexOf("cell magics"));
    expect(text.indexOf("%%bt [--for")).toBeGreaterThan(text.indexOf("cell magics"));
    expect(text).toContain("  %jobs  ");
  });

  it("shows a short table", () => {
    const text = listMagics([
      { name: "%a", usage: "%a X", doc: "Does a. More words." },
      { name: "%%c", usage: "%%c", doc: "Cell c: with a colon." },
    ]);
    expect(text).toBe("line magics (one per line, several lines per cell):\n  %a X  Does a.\n\ncell magics (first line of a cell):\n  %%c  Cell c.\n\n%help MAGIC shows one in full.\n");
  });
});

describe("%help", () => {
  it("shows the usage and doc of a magic, with or without its percent signs", async () => {
    for (const name of ["probes", "%probes"]) {
      const { m, out } = notebook();
      expect(await runLineMagic(m, `%help ${name}`)).toEqual({ status: "ok" });
      expect(out.join("")).toBe("%probes [-v] PATTERN\n\nList probes like `bpftrace -l` (with -v: their arguments).\n");
    }
    expect(helpText(MAGICS, "%%ts").text).toMatch(/^%%ts\n\n/);
    expect(helpText(MAGICS, "bt").text).toMatch(/^%%bt \[--for 10s\]/);
  });

  it("says which magics exist when the name is unknown", async () => {
    const { m } = notebook();
    const r = await runLineMagic(m, "%help nosuch");
    expect(r.status).toBe("error");
    if (r.status !== "error") return;
    expect(r.ename).toBe("UsageError");
    expect(r.evalue).toMatch(/^%help: no magic nosuch; there are %probes, %jobs, /);
    for (const row of MAGICS) expect(r.evalue).toContain(row.name);
  });

  it("alone lists them all", async () => {
    const { m, out } = notebook();
    await runLineMagic(m, "%help");
    expect(out.join("")).toBe(listMagics(MAGICS));
  });
});
