// The real kernel process over real ZeroMQ sockets (the fake interpreter unless
// KERNEL_TEST_ENV says otherwise).
import { afterEach, describe, expect, it } from "vitest";
import { Signer } from "../../kernel/wire.ts";
import { startKernel, type KernelProcess } from "../helpers/jupyter-kernel-process.ts";

const HELLO = 'BEGIN { printf("hello, world\\n"); exit(); }';

describe("the kernel process", () => {
  let k: KernelProcess | undefined;
  afterEach(async () => {
    await k?.stop();
    k = undefined;
  });

  it("echoes heartbeats", async () => {
    k = await startKernel();
    const echoed = await k.client.ping(Buffer.from("ping-123"));
    expect(echoed.map(String)).toEqual(["ping-123"]);
  });

  it("runs a cell: busy, execute_input, stream, reply, idle", async () => {
    k = await startKernel();
    const id = await k.client.execute(HELLO);
    const { reply, iopub } = await k.client.complete(id);
    expect(reply.content).toMatchObject({ status: "ok", execution_count: 1 });
    expect(iopub.map((m) => m.header.msg_type)).toEqual(["status", "execute_input", "stream", "status"]);
    expect(iopub[2]?.content).toEqual({ name: "stdout", text: "hello, world\n" });
  });

  it("ignores a message with a forged signature, logs it once without its content, and keeps serving", async () => {
    k = await startKernel();
    const forged = k.client.frames("execute_request", { code: 'BEGIN { printf("SECRET-PAYLOAD\\n"); exit(); }', silent: false }, new Signer("not-the-key"));
    await k.client.shell.send(forged.frames);
    const id = await k.client.execute(HELLO);
    const { reply } = await k.client.complete(id);
    expect(reply.content.status).toBe("ok");
    expect(k.client.children(forged.msgId)).toEqual([]);
    expect(k.stderr().match(/invalid signature/g)).toHaveLength(1);
    expect(k.stderr()).not.toContain("SECRET-PAYLOAD");
    expect(JSON.stringify(k.client.received)).not.toContain("SECRET-PAYLOAD");
  });

  it("interrupt_request on control stops a long cell within 200 ms and the kernel goes on", async () => {
    k = await startKernel();
    const id = await k.client.execute('interval:ms:100 { printf("tick %d\\n", 1); }');
    await new Promise((r) => setTimeout(r, 500));
    expect(k.client.reply(id)).toBeUndefined();
    const t0 = Date.now();
    const interrupt = await k.client.send("control", "interrupt_request");
    const { reply, iopub } = await k.client.complete(id);
    expect(Date.now() - t0).toBeLessThan(200);
    expect(reply.content.status).toBe("ok");
    expect(k.client.reply(interrupt)?.content).toEqual({ status: "ok" });
    expect(iopub.filter((m) => m.header.msg_type === "stream").map((m) => m.content.text).join("")).toContain("tick 1");
    const next = await k.client.execute(HELLO);
    expect((await k.client.complete(next)).reply.content.status).toBe("ok");
  });

  it("SIGINT interrupts the running cell, not the kernel", async () => {
    k = await startKernel();
    const id = await k.client.execute('interval:ms:50 { printf("x\\n"); }');
    await new Promise((r) => setTimeout(r, 200));
    k.proc.kill("SIGINT");
    expect((await k.client.complete(id)).reply.content.status).toBe("ok");
    expect(k.proc.exitCode).toBeNull();
  });

  it("shutdown_request on control replies and the process exits", async () => {
    k = await startKernel();
    const id = await k.client.send("control", "shutdown_request", { restart: false });
    await k.client.until(() => k?.client.reply(id) !== undefined);
    expect(k.client.reply(id)?.content).toEqual({ status: "ok", restart: false });
    const code = await Promise.race([k.exited, new Promise((r) => setTimeout(() => r("timeout"), 5000))]);
    expect(code).toBe(0);
  });
});
