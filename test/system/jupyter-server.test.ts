// One cell through a real Jupyter Server and @jupyterlab/services, the way JupyterLab
// runs it: kernelspec installed by `tracebook install --prefix`, kernel started by the
// server, messages over the server's WebSocket.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelManager, ServerConnection, type KernelMessage } from "@jupyterlab/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, KERNEL_TEST_ENV, ROOT } from "../helpers/jupyter-kernel-process.ts";
import { startJupyterServer, type JupyterServer } from "../helpers/jupyter-server.ts";

describe("Tracebook under Jupyter Server", () => {
  let server: JupyterServer | undefined;
  let prefix = "";

  beforeAll(async () => {
    ensureBuilt();
    prefix = mkdtempSync(join(tmpdir(), "tb-prefix-"));
    execFileSync(process.execPath, [join(ROOT, "bin/tracebook.js"), "install", "--prefix", prefix], { stdio: "ignore" });
    // The kernel inherits the server's environment: KERNEL_TEST_ENV picks its interpreter.
    server = await startJupyterServer(join(prefix, "share/jupyter"), KERNEL_TEST_ENV);
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

  it("runs hello world: busy, execute_input, stream, idle", async () => {
    const s = server as JupyterServer;
    const serverSettings = ServerConnection.makeSettings({ baseUrl: s.baseUrl, wsUrl: s.baseUrl.replace(/^http/, "ws"), token: s.token });
    const manager = new KernelManager({ serverSettings });
    try {
      const kernel = await manager.startNew({ name: "tracebook" });
      const info = await kernel.info;
      expect(info.language_info.name).toBe("bpftrace");
      expect(info.implementation).toBe("tracebook");

      const code = 'BEGIN { printf("hello, world\\n"); exit(); }';
      const future = kernel.requestExecute({ code });
      const iopub: KernelMessage.IIOPubMessage[] = [];
      future.onIOPub = (msg) => void iopub.push(msg);
      const reply = await future.done;
      expect(reply.content.status).toBe("ok");
      const summary = iopub.map((m) =>
        m.header.msg_type === "status" ? `status:${(m.content as { execution_state: string }).execution_state}` : m.header.msg_type);
      expect(summary).toEqual(["status:busy", "execute_input", "stream", "status:idle"]);
      expect(iopub[1]?.content).toMatchObject({ code, execution_count: reply.content.execution_count });
      expect(iopub[2]?.content).toEqual({ name: "stdout", text: "hello, world\n" });

      await kernel.shutdown();
    } finally {
      manager.dispose();
    }
  });
});
