// %diff over the real kernel process: two cells write @c, then %diff @c shows each key's
// exact before, after and change in text/plain and HTML, with a PNG.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelProcess } from "../helpers/jupyter-kernel-process.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

const A = 'BEGIN { @c["a"] = count(); @c["b"] = count(); exit(); }';
const B = 'BEGIN { @c["a"] = count(); @c["c"] = count(); @c["c"] = count(); exit(); }';

describe.skipIf(skipWithoutBpf())("%diff in the kernel process", () => {
  let k: KernelProcess;
  beforeAll(async () => {
    k = await startKernel();
  });
  afterAll(async () => {
    await k?.stop();
  });
  const run = async (code: string) => k.client.complete(await k.client.execute(code), 20_000);

  it("shows before, after and change for keys kept, unchanged and added", async () => {
    expect((await run(A)).reply.content.status).toBe("ok");
    expect((await run(B)).reply.content.status).toBe("ok");
    const { reply, iopub } = await run("%diff @c");
    expect(reply.content.status).toBe("ok");
    const shown = iopub.filter((m) => m.header.msg_type === "display_data");
    expect(shown).toHaveLength(1);
    const data = shown[0]!.content.data as Record<string, string>;
    expect(data["text/plain"]).toBe("@c: cell[1] -> now\nc  0 -> 2  (+2, new)\na  1 -> 2  (+1, +100%)\nb  1 -> 1  (0, 0%)\n");
    const td = (s: string) => `<td style="text-align:right">${s}</td>`;
    const row = (key: string, ...cells: string[]) => `<td style="text-align:left">${key}</td>${cells.map(td).join("")}`;
    expect(data["text/html"]).toContain(row("a", "1", "2", "+1", "+100%"));
    expect(data["text/html"]).toContain(row("b", "1", "1", "0", "0%"));
    expect(data["text/html"]).toContain(row("c", "0", "2", "+2", "new"));
    expect(data["text/html"]).toMatch(/<img class="tracebook-chart" src="data:image\/png;base64,/);
    expect(Buffer.from(data["image/png"]!, "base64").subarray(1, 4).toString()).toBe("PNG");
  });

  it("says what to do for an unknown map and a cell that never had it", async () => {
    const unknown = await run("%diff @nope");
    expect(unknown.reply.content).toMatchObject({ status: "error", ename: "UsageError", evalue: "%diff: no map @nope (see %maps)" });
    const never = await run("%diff @c 4");
    expect(never.reply.content).toMatchObject({ status: "error", ename: "UsageError", evalue: "%diff: cell[4] did not display @c; cells that did: cell[1], cell[2]" });
  });
});
