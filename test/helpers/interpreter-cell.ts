// Runs cells through the real interpreter in-process (magics/interpreter.ts), keeping
// what a front end would see: streams by name, every display with its metadata and
// display id, and the outcome.
import type { CellContext, DisplayOptions, ExecuteOutcome, Interpreter, MimeBundle } from "../../kernel/interpreter.ts";

export interface ShownOutput {
  readonly data: MimeBundle;
  readonly options: DisplayOptions;
}

export interface CellRun {
  readonly outcome: ExecuteOutcome;
  readonly stdout: string;
  readonly stderr: string;
  readonly displays: ShownOutput[];
  /** text/plain of each display, in order. */
  readonly texts: string[];
}

export interface CellOptions {
  /** Called with every display as it is made (live progress included). */
  readonly onDisplay?: (d: ShownOutput) => void;
  readonly onStream?: (name: "stdout" | "stderr", text: string) => void;
  /** Aborts the cell (the Jupyter interrupt). */
  readonly signal?: AbortSignal;
  readonly cellId?: string;
}

let executions = 0;

export async function runCell(interp: Interpreter, code: string, opts: CellOptions = {}): Promise<CellRun> {
  const streams = { stdout: "", stderr: "" };
  const displays: ShownOutput[] = [];
  const ctx: CellContext = {
    executionCount: ++executions,
    stream: (name, text) => {
      streams[name] += text;
      opts.onStream?.(name, text);
    },
    display: (data, options = {}) => {
      const d = { data, options };
      displays.push(d);
      opts.onDisplay?.(d);
    },
    signal: opts.signal ?? new AbortController().signal,
    ...(opts.cellId !== undefined && { cellId: opts.cellId }),
  };
  const outcome = await interp.execute(code, ctx);
  return { outcome, ...streams, displays, texts: displays.map((d) => String(d.data["text/plain"] ?? "")) };
}
