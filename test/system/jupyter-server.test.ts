// Cells through a real Jupyter Server and @jupyterlab/services, the way JupyterLab runs
// them: kernelspec installed by `tracebook install --prefix`, kernel (with the real
// interpreter, loading real BPF programs) started by the server, messages over the
// server's WebSocket.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelManager, ServerConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, ROOT } from "../helpers/jupyter-kernel-process.ts";
import { startJupyterServer, type JupyterServer } from "../helpers/jupyter-server.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

describe.skipIf(skipWithoutBpf())("Tracebook under Jupyter Server", () => {
  let server: JupyterServer | undefined;
  let prefix = "";

  beforeAll(async () => {
    ensureBuilt();
    prefix = mkdtempSync(join(tmpdir(), "tb-prefix-"));
    execFileSync(process.execPath, [join(ROOT, "bin/tracebook.js"), "install", "--prefix", prefix], { stdio: "ignore" });
    server = await startJupyterServer(join(prefix, "share/jupyter"));
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("lists the installed kernelspec", async () => {
    const s = server as JupyterServer;
    const res = await fetch(`${s.baseUrl}api/kernelspecs`, { headers: { Authorization: `token ${s.token}` } });
    const specs = (await res.json()) as { kernelspecs: Record<string, { spec: unknown; resources: Record<string, string> }> };
    const spec = JSON.parse(readFileSync(join(prefix, "share/jupyter/kernels/tracebook/kernel.json"), "utf8")) as unknown;
    expect(specs.kernelspecs.tracebook?.spec).toMatchObject(spec as object);
    expect(Object.keys(specs.kernelspecs.tracebook?.resources ?? {})).toContain("logo-svg");
  });

  async function withKernel(body: (kernel: Kernel.IKernelConnection) => Promise<void>): Promise<void> {
    const s = server as JupyterServer;
    const serverSettings = ServerConnection.makeSettings({ baseUrl: s.baseUrl, wsUrl: s.baseUrl.replace(/^http/, "ws"), token: s.token });
    const manager = new KernelManager({ serverSettings });
    try {
      const kernel = await manager.startNew({ name: "tracebook" });
      try {
        await body(kernel);
      } finally {
        await kernel.shutdown();
      }
    } finally {
      manager.dispose();
    }
  }

  async function execute(kernel: Kernel.IKernelConnection, code: string) {
    const future = kernel.requestExecute({ code });
    const iopub: KernelMessage.IIOPubMessage[] = [];
    future.onIOPub = (msg) => void iopub.push(msg);
    const reply = await future.done;
    return { reply, iopub };
  }

  it("runs hello world: busy, execute_input, stream, idle", async () => {
    await withKernel(async (kernel) => {
      const info = await kernel.info;
      expect(info.language_info.name).toBe("bpftrace");
      expect(info.language_info).toMatchObject({ pygments_lexer: "c", codemirror_mode: "clike", file_extension: ".bt" });
      expect(info.implementation).toBe("tracebook");

      const code = 'BEGIN { printf("hello, world\\n"); exit(); }';
      const { reply, iopub } = await execute(kernel, code);
      expect(reply.content.status).toBe("ok");
      const summary = iopub.map((m) =>
        m.header.msg_type === "status" ? `status:${(m.content as { execution_state: string }).execution_state}` : m.header.msg_type);
      expect(summary).toEqual(["status:busy", "execute_input", "stream", "status:idle"]);
      expect(iopub[1]?.content).toMatchObject({ code, execution_count: reply.content.execution_count });
      expect(iopub[2]?.content).toEqual({ name: "stdout", text: "hello, world\n" });
    });
  });

  it("displays a map as Vega-Lite, SVG and bpftrace's text", async () => {
    await withKernel(async (kernel) => {
      const code = "BEGIN { @bytes = hist(1); @bytes = hist(3); @bytes = hist(3); @bytes = hist(1000); exit(); }";
      const { reply, iopub } = await execute(kernel, code);
      expect(reply.content.status).toBe("ok");
      const displays = iopub.filter((m) => m.header.msg_type === "display_data")
        .map((m) => (m.content as { data: Record<string, unknown> }).data);
      expect(displays).toHaveLength(1);
      const data = displays[0] as Record<string, unknown>;
      const vl = data["application/vnd.vegalite.v5+json"] as { $schema?: string };
      expect(vl.$schema).toMatch(/vega-lite\/v5/);
      expect(String(data["image/svg+xml"])).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
      expect(String(data["text/plain"])).toMatch(/^@bytes:\s*\n/);
      expect(String(data["text/plain"])).toMatch(/\[2, 4\)\s+2 \|@+\|/);
    });
  });
});
