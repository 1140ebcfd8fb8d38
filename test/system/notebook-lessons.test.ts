// The lesson notebooks (notebooks/*.ipynb besides hello and the investigation), executed end
// to end by nbconvert as a person's Jupyter would. Each starts its own workload with
// `%%bt -c` (notebooks/workloads/), so its maps have exact, known contents: the checks read
// the recorded snapshots (metadata.tracebook.snapshot) and the text, and each map must be a
// picture (image/png) where the lesson says "the picture shows".
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { snapshotFromJson } from "../../bpf/maps/snapshot-json.ts";
import type { MapSnapshot } from "../../bpf/types/snapshot.ts";
import { ROOT } from "../helpers/jupyter-kernel-process.ts";
import { type Cell, execute, nbconvertUnavailableReason, type Output, text } from "../helpers/notebook-exec.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

const unavailable = nbconvertUnavailableReason();
const lesson = (name: string) => join(ROOT, "notebooks", name);

function errorsOf(cells: Cell[]): string[] {
  return cells.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "error")).map((e) => `${e.ename}: ${e.evalue}`);
}

/** The outputs of the code cell whose source contains `marker`. */
function outputsOf(cells: Cell[], marker: string): Output[] {
  const c = cells.filter((x) => x.cell_type === "code").find((x) => text(x.source).includes(marker));
  if (!c) throw new Error(`no cell containing ${marker}`);
  return c.outputs ?? [];
}

/** The final recorded snapshot of map `name` among `outputs`. */
function mapOf(outputs: Output[], name: string): { snap: MapSnapshot; out: Output } {
  const shown = outputs.filter((o) => {
    const tb = (o.metadata?.tracebook ?? {}) as { snapshot?: unknown };
    return tb.snapshot !== undefined && text(o.data?.["text/plain"]).startsWith(`${name}`);
  });
  const out = shown.at(-1);
  if (!out) throw new Error(`no recorded ${name} in [${outputs.map((o) => text(o.data?.["text/plain"]).slice(0, 30)).join(" | ")}]`);
  return { snap: snapshotFromJson((out.metadata!.tracebook as { snapshot: unknown }).snapshot as never), out };
}

/** A keyed count map's value for the key whose printed parts are `key`. */
function countAt(snap: MapSnapshot, ...key: string[]): number | undefined {
  const e = snap.entries.find((x) => x.key.length === key.length && x.key.every((k, i) => printed(k) === key[i]));
  return e ? Number((e.value as { value?: bigint }).value) : undefined;
}

function printed(v: unknown): string {
  const x = v as { kind: string; value?: unknown; text?: string };
  if (typeof x.value === "string") return x.value;
  if (typeof x.value === "bigint" || typeof x.value === "number") return String(x.value);
  return x.text ?? JSON.stringify(v);
}

/** Buckets of a hist value, summed. */
function histTotal(snap: MapSnapshot): number {
  return snap.entries.reduce((s, e) => s + ((e.value as { buckets?: bigint[] }).buckets ?? []).reduce((a, b) => a + Number(b), 0), 0);
}

const picture = (o: Output) => typeof o.data?.["image/png"] === "string" && text(o.data["image/png"]).length > 1000;

describe.skipIf(unavailable !== null || skipWithoutBpf())(`lesson notebooks${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("failed-opens: the program's missed settings file exactly 17 times, /tmp once as a directory; %%ts picks it", async () => {
    const nb = await execute(lesson("failed-opens.ipynb"));
    expect(errorsOf(nb.cells)).toEqual([]);
    const { snap, out } = mapOf(outputsOf(nb.cells, "open-missing.py"), "@failed");
    expect(countAt(snap, "/nonexistent/tracebook-demo/settings.conf", "No such file or directory")).toBe(17);
    expect(countAt(snap, "/tmp", "Is a directory")).toBe(1);
    expect(picture(out)).toBe(true);
    expect(outputsOf(nb.cells, "open-missing.py").some((o) => text(o.data?.["text/plain"]).startsWith("@path"))).toBe(false);
    const result = outputsOf(nb.cells, "%%ts").find((o) => o.output_type === "execute_result");
    expect(text(result?.data?.["text/plain"])).toContain("/nonexistent/tracebook-demo/settings.conf: No such file or directory (17 times)");
  });

  it("syscall-latency: 1,000 getppid and 5 clock_nanosleep calls; the sleeps hold the time; one histogram of exactly 1,005 calls", async () => {
    const nb = await execute(lesson("syscall-latency.ipynb"));
    expect(errorsOf(nb.cells)).toEqual([]);
    const first = outputsOf(nb.cells, "@total_us");
    const calls = mapOf(first, "@calls").snap;
    expect(countAt(calls, "getppid")).toBe(1000);
    expect(countAt(calls, "clock_nanosleep")).toBe(5);
    const total = mapOf(first, "@total_us").snap;
    const top = [...total.entries].sort((a, b) => Number((b.value as { value: bigint }).value - (a.value as { value: bigint }).value))[0];
    expect(printed(top?.key[0])).toBe("clock_nanosleep");
    expect(Number((top?.value as { value: bigint }).value)).toBeGreaterThanOrEqual(5 * 20_000);
    const latency = mapOf(outputsOf(nb.cells, "@latency_us"), "@latency_us");
    expect(histTotal(latency.snap)).toBe(1005);
    expect(picture(latency.out)).toBe(true);
  });

  it("read-heatmap: a heatmap over time, and exactly 2,000 reads of 64 KiB and 40 of 777 bytes", async () => {
    const nb = await execute(lesson("read-heatmap.ipynb"));
    expect(errorsOf(nb.cells)).toEqual([]);
    const outs = outputsOf(nb.cells, "phases.py");
    const reads = mapOf(outs, "@reads").snap;
    expect(countAt(reads, "65536")).toBe(2000);
    expect(countAt(reads, "777")).toBe(40);
    const heatmap = outs.find((o) => {
      const spec = o.data?.["application/vnd.vegalite.v5+json"] as { mark?: { type?: string }; title?: unknown } | undefined;
      return spec?.mark?.type === "rect" && JSON.stringify(spec.title).includes("@phases_us over time");
    });
    expect(heatmap, "a heatmap of @phases_us").toBeDefined();
    expect(picture(heatmap!)).toBe(true);
    // what the heatmap holds and what was left after the last print add up to every read timed
    const values = (heatmap!.data!["application/vnd.vegalite.v5+json"] as { data: { values: { count: number; time: string; bucket: string }[] } }).data.values;
    // (the final output of @phases_us, when anything was left: empty maps show nothing)
    const final = outs.filter((o) => (o.metadata?.tracebook as { snapshot?: unknown } | undefined)?.snapshot && text(o.data?.["text/plain"]).startsWith("@phases_us"));
    const rest = final.length ? histTotal(mapOf(final, "@phases_us").snap) : 0;
    // (as in bpftrace, print() reads the map in user space and clear() follows it there: a
    // read that lands between the two is cleared unprinted, so a few may be missing)
    const drawn = values.reduce((s, v) => s + v.count, 0) + rest;
    expect(drawn).toBeLessThanOrEqual(2040);
    expect(drawn).toBeGreaterThanOrEqual(2000);
    // the phases in time: the last column holds only waits of 8 ms or more, the first only
    // reads under a millisecond
    const byTime = [...new Set(values.map((v) => v.time))].sort();
    const slow = (b: string) => /^\[(8K|16K|32K|64K),/.test(b);
    expect(values.filter((v) => v.time === byTime.at(-1)).every((v) => slow(v.bucket))).toBe(true);
    expect(values.filter((v) => v.time === byTime[0]).some((v) => slow(v.bucket))).toBe(false);
    expect(new Set(values.map((v) => v.time)).size).toBeGreaterThanOrEqual(4);
    expect(outs.some((o) => text(o.data?.["text/plain"]).startsWith("@start"))).toBe(false);
  });

  it("python-calls: CPython's USDT probe counts handle 7, parse 21, and the generator on line 11 28 times", async () => {
    const nb = await execute(lesson("python-calls.ipynb"));
    expect(errorsOf(nb.cells)).toEqual([]);
    expect(text(outputsOf(nb.cells, "%probes").find((o) => o.output_type === "stream")?.text)).toContain("usdt:/usr/bin/python3.11:python:function__entry\n");
    const calls = mapOf(outputsOf(nb.cells, "@calls[str(arg1)]"), "@calls").snap;
    expect(countAt(calls, "handle")).toBe(7);
    expect(countAt(calls, "parse")).toBe(21);
    const lines = mapOf(outputsOf(nb.cells, "@lines["), "@lines").snap;
    expect(countAt(lines, "<genexpr>", "11")).toBe(28);
    expect(countAt(lines, "handle", "10")).toBe(7);
  });

  it("jvm-gc: HotSpot's USDT probes see exactly the 5 full collections System.gc() asked for", async () => {
    const nb = await execute(lesson("jvm-gc.ipynb"));
    expect(errorsOf(nb.cells)).toEqual([]);
    const outs = outputsOf(nb.cells, "gc__begin {");
    expect(countAt(mapOf(outs, "@collections").snap, "full")).toBe(5);
    const pauses = mapOf(outs, "@pause_us");
    expect(histTotal(pauses.snap)).toBeGreaterThanOrEqual(5);
    expect(picture(pauses.out)).toBe(true);
  });

  it("cpu-flame-graph: the samples of the named process are a flame graph, most of them in checksum", async () => {
    const nb = await execute(lesson("cpu-flame-graph.ipynb"));
    expect(errorsOf(nb.cells)).toEqual([]);
    const { out } = mapOf(outputsOf(nb.cells, "@cpu[ustack]"), "");
    expect(picture(out)).toBe(true);
    expect(text(out.data?.["image/svg+xml"])).toContain("process_block");
    const result = text(outputsOf(nb.cells, "%%ts").find((o) => o.output_type === "execute_result")?.data?.["text/plain"]);
    const share = Number(/inChecksum: '(\d+)%'/.exec(result)?.[1] ?? 0);
    expect(share).toBeGreaterThanOrEqual(50);
  });
});

describe.skipIf(unavailable !== null || skipWithoutBpf())(`the training notebook${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("ebpf-by-hand: %bytecode and %verifier of a cell; a hand-written program refused for its missing NULL check, in plain words; with the check it counts exactly 7", async () => {
    const nb = await execute(lesson("ebpf-by-hand.ipynb"));
    const stream = (marker: string) => outputsOf(nb.cells, marker).filter((o) => o.output_type === "stream").map((o) => text(o.text)).join("");
    expect(stream("%bytecode")).toMatch(/call 1 ; bpf_map_lookup_elem/);
    expect(stream("%verifier")).toMatch(/processed \d+ insns \(limit 1000000\)/);
    // the one error is the tagged cell's, and it is the lesson
    const errors = nb.cells.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "error").map((o) => ({ o, tags: (c as { metadata?: { tags?: string[] } }).metadata?.tags ?? [] })));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.tags).toContain("raises-exception");
    expect(errors[0]!.o.ename).toBe("VerifierError");
    const traceback = ((errors[0]!.o as { traceback?: string[] }).traceback ?? []).join("\n");
    expect(traceback).toContain("invalid mem access 'map_value_or_null'");
    expect(traceback).toContain("in plain words: a map value was used without checking the lookup for NULL");
    const counted = outputsOf(nb.cells, "spawnSync").find((o) => o.output_type === "execute_result");
    expect(text(counted?.data?.["text/plain"])).toBe("7");
    expect(text(outputsOf(nb.cells, "%print @by_hand").map((o) => text(o.data?.["text/plain"])).join(""))).toMatch(/^@by_hand\[\d+\]: 7$/m);
  });
});
