// The `%%bt` header is split into words as a shell splits them (magics/header-words.ts),
// so `-c "CMD with spaces"` is one flag value; and what parseFlags makes of -c / --cmd,
// seen through runDslCell's answer for headers it refuses before anything is loaded.
import { Replay } from "../../magics/replay.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Session } from "../../bpf/session.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { resolveCommand } from "../../bpf/runtime/child-command.ts";
import { runDslCell, type NotebookSettings } from "../../magics/dsl-cell.ts";
import type { MagicContext } from "../../magics/interpreter.ts";
import { splitWords } from "../../magics/header-words.ts";

const here = dirname(fileURLToPath(import.meta.url));

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

describe("resolveCommand", () => {
  it("finds a name on PATH and takes a path with a slash as it is", () => {
    // a directory of our own with one executable file and one that is not executable
    const bin = mkdtempSync(join(tmpdir(), "tracebook-path-"));
    const cmd = join(bin, "tb-cmd");
    writeFileSync(cmd, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    writeFileSync(join(bin, "tb-data"), "not a program\n", { mode: 0o644 });
    try {
      expect(resolveCommand("tb-cmd", `/nonexistent-dir:${bin}`)).toBe(cmd);
      expect(resolveCommand(cmd)).toBe(cmd);
      expect(resolveCommand("tracebook-no-such-command", bin)).toBeUndefined();
      expect(resolveCommand("tb-data", bin)).toBeUndefined();
      expect(resolveCommand("/nonexistent/prog")).toBeUndefined();
      // a directory is not a command
      expect(resolveCommand(bin)).toBeUndefined();
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe("%%bt -c", () => {
  function notebook(): MagicContext {
    const settings: NotebookSettings = { positional: [], options: [], durationMs: undefined, pid: undefined };
    const ctx = { executionCount: 1, stream: () => undefined, display: () => undefined, signal: new AbortController().signal };
    return { session: new Session(recordedEnv(join(here, "../fixtures/tracefs"))), settings, ctx, origin: "cell[1]", replay: new Replay() };
  }
  const refused = async (header: string) => {
    const r = await runDslCell(notebook(), "BEGIN { exit(); }", header);
    return r.status === "error" ? `${r.ename}: ${r.evalue}` : "ran";
  };

  it("refuses a header it cannot split, a -c without a command, and -c with --pid or --background", async () => {
    expect(await refused(`-c "ls`)).toBe('UsageError: %%bt: unterminated " quote');
    expect(await refused("-c")).toBe('UsageError: %%bt -c needs a command, like -c "ls -l /tmp"');
    expect(await refused("--cmd=")).toBe('UsageError: %%bt --cmd needs a command, like -c "ls -l /tmp"');
    expect(await refused(`-c "true" --pid ${process.pid}`)).toBe("UsageError: %%bt: -c and --pid cannot be used together");
    expect(await refused(`--background --cmd true`)).toBe("UsageError: %%bt: -c cannot run in the background (the command would be ended at once)");
    expect(await refused("-x")).toBe("UsageError: %%bt: unknown flag '-x' (known: --for DURATION, --background, --pid PID, -c CMD, --limit N, --output FILE, --self)");
  });

  it("a command that does not exist is a clear error before anything is compiled", async () => {
    expect(await refused(`-c "tracebook-no-such-command --flag"`)).toBe("CommandError: command not found: tracebook-no-such-command");
    expect(await refused(`--cmd='/nonexistent/prog'`)).toBe("CommandError: command not found: /nonexistent/prog");
    expect(await refused(`-c "'unterminated"`)).toBe("CommandError: %%bt -c: unterminated ' quote");
  });
});
