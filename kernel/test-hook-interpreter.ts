// TEST HOOK ONLY — selected by TRACEBOOK_TEST_INTERPRETER=fake (see cli.ts). A fake
// bpftrace that understands just enough of the walking-skeleton samples (BEGIN/END,
// interval:ms|s:N, printf with literal arguments, exit()) to exercise the Jupyter side
// end to end — the transport, the dispatch and real clients — without the engine, root
// or BPF. It loads nothing into the kernel. Never used unless that variable is set.
import type { CellContext, CompleteResult, ExecuteOutcome, InspectResult, Interpreter, IsCompleteResult } from "./interpreter.ts";

interface Block {
  readonly probe: string;
  readonly body: string;
}

const WORDS = ["BEGIN", "END", "interval", "printf", "exit", "count", "hist", "tracepoint", "comm", "pid"];

export function createTestHookInterpreter(): Interpreter {
  return {
    languageInfo: { name: "bpftrace", version: "0.0-fake", mimetype: "text/x-bpftrace", file_extension: ".bt" },
    banner: "Tracebook (fake interpreter: TRACEBOOK_TEST_INTERPRETER test hook)",
    execute,
    isComplete,
    async complete(code: string, cursorPos: number): Promise<CompleteResult> {
      const word = /[\w%]*$/.exec(code.slice(0, cursorPos))?.[0] ?? "";
      const matches = word === "" ? [] : WORDS.filter((w) => w.startsWith(word));
      return { matches, cursorStart: cursorPos - word.length, cursorEnd: cursorPos };
    },
    async inspect(code: string, cursorPos: number): Promise<InspectResult> {
      const word = /\w*$/.exec(code.slice(0, cursorPos))?.[0] ?? "";
      return WORDS.includes(word)
        ? { found: true, data: { "text/plain": `${word}: a bpftrace word (fake interpreter)` } }
        : { found: false, data: {} };
    },
    async shutdown(): Promise<void> {},
  };
}

function depth(code: string): number {
  let d = 0;
  let inString = false;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "(") d++;
    else if (ch === "}" || ch === ")") {
      d--;
      if (d < 0) return -1;
    }
  }
  return d;
}

function isComplete(code: string): IsCompleteResult {
  const d = depth(code);
  if (d < 0) return { status: "invalid" };
  return d > 0 ? { status: "incomplete", indent: "  " } : { status: "complete" };
}

function parse(code: string): Block[] | ExecuteOutcome {
  if (depth(code) !== 0 || /printf\("[^"]*"\s*;/.test(code)) {
    const line = code.split("\n")[0] ?? "";
    return { status: "error", ename: "ParseError", evalue: "syntax error (fake interpreter)", traceback: [line, "^"] };
  }
  const blocks: Block[] = [];
  for (const m of code.matchAll(/([\w:*]+)\s*\{((?:[^{}]|\{[^{}]*\})*)\}/g)) {
    blocks.push({ probe: m[1] ?? "", body: m[2] ?? "" });
  }
  return blocks;
}

/** Runs the printf() calls of a block; true when it calls exit(). */
function run(block: Block, ctx: CellContext): boolean {
  for (const m of block.body.matchAll(/printf\("((?:[^"\\]|\\.)*)"((?:\s*,\s*[^,)]+)*)\)|exit\(\)/g)) {
    if (m[0] === "exit()") return true;
    const args = (m[2] ?? "").split(",").slice(1).map((a) => a.trim().replace(/^"(.*)"$/, "$1"));
    const text = (m[1] ?? "").replace(/%[ds]/g, () => args.shift() ?? "").replace(/\\n/g, "\n").replace(/\\t/g, "\t");
    ctx.stream("stdout", text);
  }
  return false;
}

async function execute(code: string, ctx: CellContext): Promise<ExecuteOutcome> {
  const blocks = parse(code);
  if (!Array.isArray(blocks)) return blocks;
  let exited = false;
  for (const b of blocks) if (b.probe === "BEGIN" && run(b, ctx)) exited = true;
  const intervals = blocks.flatMap((b) => {
    const m = /^interval:(ms|s):(\d+)$/.exec(b.probe);
    return m ? [{ block: b, ms: Number(m[2]) * (m[1] === "s" ? 1000 : 1) }] : [];
  });
  if (!exited && intervals.length > 0) {
    await new Promise<void>((resolve) => {
      const timers = intervals.map(({ block, ms }) => setInterval(() => run(block, ctx) && stop(), ms));
      const stop = (): void => {
        for (const t of timers) clearInterval(t);
        ctx.signal.removeEventListener("abort", stop);
        resolve();
      };
      if (ctx.signal.aborted) stop();
      else ctx.signal.addEventListener("abort", stop);
    });
  }
  for (const b of blocks) if (b.probe === "END") run(b, ctx);
  return { status: "ok" };
}
