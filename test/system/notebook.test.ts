// notebooks/hello.ipynb and notebooks/investigation.ipynb (the main job of README's first
// command) executed end to end by Jupyter's own tooling (nbconvert's ExecutePreprocessor,
// nbclient), with the kernelspec from a temporary prefix and the real interpreter. While
// each runs, the test keeps its workload running (a file reader for hello; for the
// investigation, scripts/slow-copy.sh), so every map is certain to have data.
import { readFileSync } from "node:fs";
import { hostname, release } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { snapshotFromJson } from "../../bpf/maps/snapshot-json.ts";
import { formatMap } from "../../bpf/output/index.ts";
import { ROOT } from "../helpers/jupyter-kernel-process.ts";
import { type Cell, execute, fileReader, HELLO, INVESTIGATION, nbconvertUnavailableReason, slowCopy, text } from "../helpers/notebook-exec.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

const unavailable = nbconvertUnavailableReason();

/** The code cell whose source contains `marker`. */
function cellOf(cells: Cell[], marker: string): Cell {
  const found = cells.filter((c) => c.cell_type === "code").find((c) => text(c.source).includes(marker));
  if (!found) throw new Error(`no cell containing ${marker}`);
  return found;
}

function errorsOf(cells: Cell[]): string[] {
  return cells.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "error")).map((e) => `${e.ename}: ${e.evalue}`);
}

/** A cell's last display (its final maps), or the last one whose text shows `map`. */
function lastDisplay(c: Cell, map?: string): Record<string, unknown> {
  const shown = (c.outputs ?? []).filter((o) => o.output_type === "display_data" && (!map || text(o.data?.["text/plain"]).startsWith(`${map}:`)));
  return shown.at(-1)?.data ?? {};
}

describe.skipIf(unavailable !== null || skipWithoutBpf())(`notebooks${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("hello.ipynb executes end to end with nbconvert: no errors, a read-size histogram, a %%ts result", async () => {
    // Opens and reads a file every few milliseconds until killed.
    const nb = await execute(HELLO, fileReader);
    expect(nb.metadata.kernelspec).toEqual({ name: "tracebook", display_name: "Tracebook (bpftrace)", language: "bpftrace" });
    // nbconvert highlights code with the kernel's Pygments lexer (without one it warns and shows plain text)
    expect(nb.metadata.language_info).toMatchObject({ name: "bpftrace", pygments_lexer: "c" });
    const cell = (marker: string) => cellOf(nb.cells, marker);
    expect(errorsOf(nb.cells)).toEqual([]);

    expect(text(cell("hello, world").outputs?.find((o) => o.output_type === "stream")?.text)).toBe("hello, world\n");
    expect(text(cell("%probes").outputs?.find((o) => o.output_type === "stream")?.text))
      .toMatch(/^tracepoint:syscalls:sys_enter_openat$/m);

    const hist = (cell("@bytes = hist").outputs ?? []).filter((o) => o.output_type === "display_data" && o.data?.["image/svg+xml"] !== undefined);
    expect(hist.length).toBeGreaterThanOrEqual(1);
    const histData = hist.at(-1)?.data ?? {};
    expect(text(histData["image/svg+xml"])).toContain("<svg");
    expect(text(histData["text/plain"])).toContain("@bytes:");
    expect(histData["application/vnd.vegalite.v5+json"]).toBeDefined();

    const opens = (cell("@opens[comm]").outputs ?? []).filter((o) => o.output_type === "display_data");
    expect(opens.map((o) => text(o.data?.["text/plain"])).join("\n")).toMatch(/^@opens\[node\]: \d+$/m);

    const results = (cell("%%ts").outputs ?? []).filter((o) => o.output_type === "execute_result");
    expect(results).toHaveLength(1);
    const top = text(results[0]?.data?.["text/plain"]);
    expect(top).toMatch(/key: '[^']+', value: \d+/);
    expect(top.match(/key:/g)?.length).toBeLessThanOrEqual(3);
  });

  it("investigation.ipynb (the main job) finds the 512-byte copy: syscalls, read sizes, its parent, its stacks, a for-loop over an earlier cell's map", async () => {
    const nb = await execute(INVESTIGATION, slowCopy);
    expect(errorsOf(nb.cells)).toEqual([]);
    const cell = (marker: string) => cellOf(nb.cells, marker);

    const calls = text(lastDisplay(cell("@calls[syscall_name"))["text/plain"]);
    const count = (name: string) => Number(new RegExp(`^@calls\\[${name}\\]: (\\d+)$`, "m").exec(calls)?.[1] ?? 0);
    expect(count("read")).toBeGreaterThan(1000);
    expect(count("write")).toBeGreaterThan(1000);

    const sizes = text(lastDisplay(cell("@read_bytes"), "@read_bytes")["text/plain"]);
    const bucket = /^\[512, 1024\)\s+(\d+) \|@+\|$/m.exec(sizes);
    expect(Number(bucket?.[1] ?? 0)).toBeGreaterThan(1000);

    expect(text(lastDisplay(cell("@launched_by"))["text/plain"])).toMatch(/^@launched_by\[\d+, bash\]: \d+$/m);

    const flame = lastDisplay(cell("@stacks[kstack"));
    expect(flame["application/vnd.vegalite.v5+json"]).toBeDefined();
    expect(text(flame["image/svg+xml"])).toContain("<svg");

    const loop = text(cell("for ($kv : @calls)").outputs?.find((o) => o.output_type === "stream")?.text);
    const m = /^dd made (\d+) system calls in 2 s; the commonest one, (\d+) times$/m.exec(loop);
    expect(Number(m?.[1])).toBeGreaterThan(Number(m?.[2]));
    expect(Number(m?.[2])).toBe(Math.max(count("read"), count("write")));

    const result = text((cell("%%ts").outputs ?? []).find((o) => o.output_type === "execute_result")?.data?.["text/plain"]);
    expect(result).toMatch(/readWriteShare: '\d+%'/);

    // Every map output says where it came from: this machine, the probes, when, how long, what was lost.
    const maps = nb.cells.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "display_data" && text(o.data?.["text/plain"]).length > 0 && o.data?.["text/html"] !== undefined));
    expect(maps.length).toBeGreaterThanOrEqual(5);
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    for (const o of maps) {
      const p = o.metadata?.tracebook as Record<string, unknown> | undefined;
      expect(p, text(o.data?.["text/plain"]).slice(0, 60)).toBeDefined();
      expect(p).toMatchObject({ tracebook: version, kernel: release(), host: hostname(), eventsLost: 0, mapFullDrops: {}, ended: "timeout" });
      expect((p!.probes as string[]).length).toBeGreaterThanOrEqual(1);
      expect(Date.now() - Date.parse(p!.started as string)).toBeLessThan(10 * 60_000);
      expect(p!.durationMs as number).toBeGreaterThanOrEqual(1900); // each cell runs --for 2s
      expect(p!.durationMs as number).toBeLessThan(10_000);
      expect(text(o.data?.["text/html"])).toContain(`Linux ${release()} on ${hostname()}`);
      // the map as data, read back: the same text bpftrace prints
      const recorded = snapshotFromJson((p as { snapshot: unknown }).snapshot);
      if (text(o.data?.["text/plain"]).startsWith("@")) expect(formatMap(recorded)).toBe(text(o.data?.["text/plain"]));
      else expect(recorded.entries.length).toBeGreaterThan(0); // a flame graph's text is its folded stacks
    }
    expect(maps.map((o) => (o.metadata?.tracebook as { probes: string[] }).probes).flat()).toContain("tracepoint:syscalls:sys_enter_read");
  });
});
