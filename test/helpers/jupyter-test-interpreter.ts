// A scriptable Interpreter for driving the dispatch in unit tests. Each line of a cell is
// one command:
//   print TEXT         stream TEXT + "\n" to stdout        eprint TEXT   … to stderr
//   result TEXT        the cell's execute_result is text/plain TEXT
//   display ID TEXT    display_data with display_id ID     update ID TEXT   its update
//   fail NAME MESSAGE  the cell fails with ename NAME       throw MESSAGE   execute() throws
//   wait               block until the cell's signal aborts, then print "interrupted"
//   sleep MS           wait MS milliseconds
import type { CellContext, ExecuteOutcome, Interpreter } from "../../kernel/interpreter.ts";

export interface TestInterpreter extends Interpreter {
  /** The code of every executed cell, in the order execute() started them. */
  readonly started: string[];
  /** The signals the cells saw, in order. */
  readonly signals: AbortSignal[];
  shutdownCalls: number;
}

export function createJupyterTestInterpreter(): TestInterpreter {
  const it: TestInterpreter = {
    languageInfo: { name: "bpftrace", version: "0.0-test", mimetype: "text/x-bpftrace", file_extension: ".bt" },
    banner: "test interpreter",
    started: [],
    signals: [],
    shutdownCalls: 0,
    async execute(code: string, ctx: CellContext): Promise<ExecuteOutcome> {
      it.started.push(code);
      it.signals.push(ctx.signal);
      let result: string | undefined;
      for (const line of code.split("\n")) {
        const [cmd = "", ...words] = line.trim().split(" ");
        const arg = words.join(" ");
        switch (cmd) {
          case "print": ctx.stream("stdout", `${arg}\n`); break;
          case "eprint": ctx.stream("stderr", `${arg}\n`); break;
          case "result": result = arg; break;
          case "display": ctx.display({ "text/plain": words.slice(1).join(" ") }, { displayId: words[0] ?? "" }); break;
          case "update":
            ctx.display({ "text/plain": words.slice(1).join(" ") }, { displayId: words[0] ?? "", update: true });
            break;
          case "fail":
            return { status: "error", ename: words[0] ?? "Error", evalue: words.slice(1).join(" "), traceback: [line] };
          case "throw": throw new Error(arg);
          case "sleep": await new Promise((r) => setTimeout(r, Number(arg))); break;
          case "wait":
            await new Promise<void>((resolve) => {
              if (ctx.signal.aborted) resolve();
              else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
            });
            ctx.stream("stdout", "interrupted\n");
            break;
          case "": break;
          default: return { status: "error", ename: "ParseError", evalue: `unknown command ${cmd}`, traceback: [line] };
        }
      }
      return result === undefined ? { status: "ok" } : { status: "ok", result: { "text/plain": result } };
    },
    isComplete(code: string) {
      return code.endsWith("\\") ? { status: "incomplete", indent: "  " } : { status: "complete" };
    },
    async complete(code: string, cursorPos: number) {
      const word = /\w*$/.exec(code.slice(0, cursorPos))?.[0] ?? "";
      const matches = ["print", "result", "display"].filter((w) => word !== "" && w.startsWith(word));
      return { matches, cursorStart: cursorPos - word.length, cursorEnd: cursorPos };
    },
    async inspect(code: string) {
      if (code === "boom") throw new Error("inspect exploded");
      return { found: code === "print", data: { "text/plain": "print TEXT" } };
    },
    async shutdown() {
      it.shutdownCalls += 1;
    },
  };
  return it;
}
