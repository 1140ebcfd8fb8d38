// The seam between the Jupyter transport/dispatch (kernel/) and what runs cells
// (magics/ over the bpf/ engine). The dispatch only talks to an Interpreter; tests can
// drive the dispatch in memory with any Interpreter.

/** A MIME bundle: `{"text/plain": "...", "application/vnd.vegalite.v5+json": {...}}`. */
export type MimeBundle = Record<string, unknown>;

export interface DisplayOptions {
  /** Sets transient.display_id, so later updates can replace this output. */
  readonly displayId?: string;
  /** Send update_display_data for displayId instead of a new display_data. */
  readonly update?: boolean;
  readonly metadata?: Record<string, unknown>;
}

/** What a running cell can do to its outputs. All calls are fire-and-forget. */
export interface CellContext {
  readonly executionCount: number;
  stream(name: "stdout" | "stderr", text: string): void;
  display(data: MimeBundle, options?: DisplayOptions): void;
  /** Aborted when the user interrupts (interrupt_request or SIGINT). */
  readonly signal: AbortSignal;
  /**
   * The notebook cell this code comes from, when the front end says (execute_request
   * metadata.cellId: JupyterLab, Notebook 7, nbclient); the same across re-runs.
   */
  readonly cellId?: string;
}

export type ExecuteOutcome =
  | {
      readonly status: "ok";
      readonly result?: MimeBundle;
      /** execute_reply payloads, e.g. `{ source: "set_next_input", text, replace: false }` (%load). */
      readonly payload?: readonly Record<string, unknown>[];
    }
  | {
      readonly status: "error";
      readonly ename: string;
      readonly evalue: string;
      readonly traceback: readonly string[];
    };

export interface CompleteResult {
  readonly matches: readonly string[];
  readonly cursorStart: number;
  readonly cursorEnd: number;
  readonly metadata?: Record<string, unknown>;
}

export interface InspectResult {
  readonly found: boolean;
  readonly data: MimeBundle;
}

export type IsCompleteResult =
  | { readonly status: "complete" | "invalid" | "unknown" }
  | { readonly status: "incomplete"; readonly indent: string };

export interface Interpreter {
  readonly languageInfo: {
    readonly name: string;
    readonly version: string;
    readonly mimetype: string;
    readonly file_extension: string;
    readonly codemirror_mode?: string;
    /** The Pygments lexer nbconvert and other exporters highlight cells with. */
    readonly pygments_lexer?: string;
  };
  readonly banner: string;
  execute(code: string, ctx: CellContext): Promise<ExecuteOutcome>;
  isComplete(code: string): IsCompleteResult;
  complete(code: string, cursorPos: number): Promise<CompleteResult>;
  inspect(code: string, cursorPos: number, detailLevel: number): Promise<InspectResult>;
  /** Detach everything and release kernel objects; called on shutdown_request. */
  shutdown(): Promise<void>;
}
