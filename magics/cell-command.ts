// `%%bt -c "CMD"`: the cell runs CMD under its probes, as `bpftrace -c CMD` does (the
// process and its gate are bpf/runtime/child-command.ts): CMD starts once every probe is
// attached, `cpid` is its pid and uprobes/USDT are scoped to it, the cell ends when it
// exits, and its stdout/stderr go to the cell's streams. Unlike bpftrace, which splits CMD
// on spaces, a cell splits it as the header is split (quotes and backslashes).
import { CommandError, startCommand, type ChildCommand } from "../bpf/runtime/child-command.ts";
import type { RunOptions } from "../bpf/session.ts";
import type { CellContext } from "../kernel/interpreter.ts";
import { splitWords } from "./header-words.ts";

/** Start the cell's command, held back until release(); throws CommandError when it cannot run. */
export function startCellCommand(cmd: string, ctx: CellContext): ChildCommand {
  const argv = splitWords(cmd);
  if (typeof argv === "string") throw new CommandError(`%%bt -c: ${argv}`);
  if (argv.length === 0) throw new CommandError("%%bt -c needs a command");
  return startCommand(argv, {
    stdout: (text) => ctx.stream("stdout", text),
    stderr: (text) => ctx.stream("stderr", text),
  });
}

/** What a run takes from the command: `cpid` (which also scopes uprobes/USDT), and its exit. */
export function commandRunOptions(command: ChildCommand): Pick<RunOptions, "cpid" | "commandExited" | "started"> {
  return { cpid: command.pid, commandExited: command.exited, started: () => command.release() };
}
