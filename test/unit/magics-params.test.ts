// %params in a notebook: positional parameters and, after `--`, the named options that
// getopt() reads, carried into what the following cells compile (here through %bytecode,
// which compiles without loading anything).
import { Replay } from "../../magics/replay.ts";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Session } from "../../bpf/session.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { runLineMagic } from "../../magics/line-magics.ts";
import type { MagicContext } from "../../magics/interpreter.ts";
import type { NotebookSettings } from "../../magics/dsl-cell.ts";

const here = dirname(fileURLToPath(import.meta.url));

function notebook(): { m: MagicContext; out: string[] } {
  const out: string[] = [];
  const settings: NotebookSettings = { positional: [], options: [], durationMs: undefined, pid: undefined };
  const ctx = { executionCount: 1, stream: (_: string, t: string) => void out.push(t), display: () => undefined, signal: new AbortController().signal };
  return { m: { session: new Session(recordedEnv(join(here, "../fixtures/tracefs"))), settings, ctx, origin: "cell[1]", replay: new Replay() }, out };
}

describe("%params", () => {
  it("splits positional parameters from the named options after --", async () => {
    const { m } = notebook();
    expect(await runLineMagic(m, "%params p1 -- --depth=5 --errname 20")).toEqual({ status: "ok" });
    expect(m.settings.positional).toEqual(["p1", "20"]);
    expect(m.settings.options).toEqual(["depth=5", "errname"]);
  });

  it("the following cells compile with those options", async () => {
    const { m, out } = notebook();
    const prog = '%bytecode BEGIN { if getopt("errname") { printf("%d\\n", getopt("depth", 35)); } exit(); }';
    await runLineMagic(m, "%params -- --depth=5 --errname");
    expect((await runLineMagic(m, prog)).status).toBe("ok");
    expect(out.join("")).toContain("BEGIN");
    await runLineMagic(m, "%params -- --dpth=5");
    const bad = await runLineMagic(m, prog);
    expect(bad.status).toBe("error");
    expect(bad.status === "error" && bad.traceback.join("\n")).toContain("unexpected program command line options: --dpth");
  });
});
