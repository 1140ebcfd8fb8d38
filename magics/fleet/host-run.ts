// One host's part in a %%fleet cell: its phase (starting, running, attached, then done,
// failed or lost), what its kernel said about itself (%host), its progress and summary
// lines, the provenance its map outputs carried, and its printf lines, prefixed with the
// host's name and passed on whole. Reads the iopub messages of the remote %%bt cell.
import type { KernelMessage } from "@jupyterlab/services";
import type { Provenance } from "../display/index.ts";
import { readHostFacts, type HostFacts } from "../host-magic.ts";
import { redact, type FleetHost } from "./hosts.ts";

export type Phase = "starting" | "running" | "attached" | "done" | "failed" | "lost";

interface DisplayContent {
  readonly data?: Record<string, unknown>;
  readonly metadata?: { readonly tracebook?: Record<string, unknown> & { readonly snapshot?: unknown } };
  readonly transient?: { readonly display_id?: string };
}

export class HostRun {
  phase: Phase = "starting";
  facts: HostFacts | undefined;
  /** Probes attached (from its progress line). */
  probes = 0;
  /** Its last progress or summary line ("2 probes ran 10.0s (timeout); 40 events read, 0 lost"). */
  progress = "";
  /** Why it failed or was lost. */
  problem = "";
  /** The error its cell raised, as the remote kernel sent it. */
  error: { readonly ename: string; readonly evalue: string; readonly traceback: readonly string[] } | undefined;
  /** The provenance of its map outputs (without their snapshots). */
  prov: Provenance | undefined;
  /** Whether it was attached when it was lost. */
  wasAttached = false;
  readonly #partial = { stdout: "", stderr: "" };

  constructor(
    readonly host: FleetHost,
    private readonly out: {
      readonly stream: (name: "stdout" | "stderr", text: string) => void;
      readonly snapshot: (host: string, json: unknown) => void;
      readonly changed: () => void;
    },
  ) {}

  get name(): string {
    return this.host.name;
  }

  get settled(): boolean {
    return this.phase === "done" || this.phase === "failed" || this.phase === "lost";
  }

  end(phase: "done" | "failed" | "lost", problem = ""): void {
    if (this.settled) return;
    this.wasAttached = this.phase === "attached";
    this.phase = phase;
    this.problem = redact(problem, [this.host]);
    this.flush();
    this.out.changed();
  }

  /** The preamble's outputs: %host's facts. */
  onPreamble(msg: KernelMessage.IIOPubMessage): void {
    if (msg.header.msg_type !== "display_data") return;
    this.facts = readHostFacts((msg.content as DisplayContent).data ?? {}) ?? this.facts;
  }

  /** The cell's outputs. */
  onCell(msg: KernelMessage.IIOPubMessage): void {
    const type = msg.header.msg_type;
    if (type === "stream") {
      const c = msg.content as { name: "stdout" | "stderr"; text: string };
      this.#lines(c.name === "stderr" ? "stderr" : "stdout", c.text);
    } else if (type === "display_data" || type === "update_display_data") {
      const c = msg.content as DisplayContent;
      const { snapshot, ...prov } = c.metadata?.tracebook ?? {};
      if (snapshot !== undefined) {
        this.prov = prov as unknown as Provenance;
        this.out.snapshot(this.name, snapshot);
      } else if (c.transient?.display_id?.endsWith("-progress")) this.#progress(String(c.data?.["text/plain"] ?? ""));
    } else if (type === "error") {
      const c = msg.content as { ename: string; evalue: string; traceback: string[] };
      this.error = { ename: c.ename, evalue: redact(c.evalue, [this.host]), traceback: c.traceback.map((l) => redact(l, [this.host])) };
    }
  }

  #progress(text: string): void {
    this.progress = text.trim();
    const attached = /^(\d+) probes attached/.exec(this.progress);
    if (attached && this.phase === "running") {
      this.phase = "attached";
      this.probes = Number(attached[1]);
    }
    this.out.changed();
  }

  /** printf lines go on whole, each prefixed with the host's name. */
  #lines(name: "stdout" | "stderr", text: string): void {
    const all = this.#partial[name] + text;
    const cut = all.lastIndexOf("\n");
    this.#partial[name] = all.slice(cut + 1);
    if (cut < 0) return;
    this.out.stream(name, all.slice(0, cut).split("\n").map((l) => `${this.name}: ${l}\n`).join(""));
  }

  /** What is left of a line without its newline. */
  flush(): void {
    for (const name of ["stdout", "stderr"] as const) {
      if (this.#partial[name] !== "") this.#lines(name, "\n");
    }
  }

  /** One line for the fleet's table. */
  status(): string {
    switch (this.phase) {
      case "starting": return "starting its kernel";
      case "running": return "attaching";
      case "attached": return this.progress || `${this.probes} probes attached`;
      case "done": return this.progress || "ran";
      case "failed": return `failed: ${this.problem}`;
      case "lost": return `lost${this.wasAttached ? " while tracing" : ""}: ${this.problem}`;
    }
  }
}
