import { describe, expect, it } from "vitest";
import { kinds, MemoryClient } from "../helpers/jupyter-memory-client.ts";
import { createJupyterTestInterpreter } from "../helpers/jupyter-test-interpreter.ts";

function setup() {
  const interpreter = createJupyterTestInterpreter();
  return { interpreter, client: new MemoryClient(interpreter) };
}

describe("kernel dispatch", () => {
  it("answers kernel_info inside busy/idle, with protocol 5.3 and the interpreter's language", async () => {
    const { client } = setup();
    const id = client.send("shell", "kernel_info_request");
    expect(kinds(await client.untilIdle(id))).toEqual(["status:busy", "status:idle"]);
    const reply = client.reply(id);
    expect(reply?.header).toMatchObject({ msg_type: "kernel_info_reply", version: "5.3" });
    expect(reply?.identities.map(String)).toEqual(["client-0"]);
    expect(reply?.content).toMatchObject({
      status: "ok",
      protocol_version: "5.3",
      implementation: "tracebook",
      language_info: { name: "bpftrace", file_extension: ".bt" },
      banner: "test interpreter",
    });
    expect(reply?.content.help_links).toEqual(expect.arrayContaining([expect.objectContaining({ url: expect.any(String) })]));
  });

  it("drops a forged message and still answers the next good one", async () => {
    const { client } = setup();
    const forged = client.frames("execute_request", { code: "print forged" });
    forged.frames[3] = Buffer.from("0".repeat(64));
    client.kernel.receive("shell", forged.frames);
    await client.kernel.settled();
    expect(client.sent).toEqual([]);
    expect(client.logs).toEqual(["dropped a message on shell: invalid signature"]);
    const id = client.execute("print good");
    await client.untilIdle(id);
    expect(client.reply(id)?.content.status).toBe("ok");
    expect(client.sent.some((s) => JSON.stringify(s.message.content).includes("forged"))).toBe(false);
  });

  it("publishes busy, execute_input, outputs, then replies and goes idle", async () => {
    const { client } = setup();
    const id = client.execute("print hello, world\nresult 42");
    const iopub = await client.untilIdle(id);
    expect(kinds(iopub)).toEqual(["status:busy", "execute_input", "stream", "execute_result", "status:idle"]);
    expect(iopub[1]?.content).toEqual({ code: "print hello, world\nresult 42", execution_count: 1 });
    expect(iopub[2]?.content).toEqual({ name: "stdout", text: "hello, world\n" });
    expect(iopub[3]?.content).toEqual({ execution_count: 1, data: { "text/plain": "42" }, metadata: {} });
    expect(client.reply(id)?.content).toMatchObject({ status: "ok", execution_count: 1 });
    // The reply is sent before the idle status (as ipykernel does).
    const order = client.sent.filter((s) => s.message.parent_header.msg_id === id).map((s) => s.message.header.msg_type);
    expect(order.indexOf("execute_reply")).toBeLessThan(order.lastIndexOf("status"));
  });

  it("counts every stored execution, failed ones too, and not silent ones", async () => {
    const { client } = setup();
    const counts: number[] = [];
    for (const [code, extra] of [["print a", {}], ["fail ParseError x", {}], ["print b", { store_history: false }], ["print c", { silent: true }], ["print d", {}]] as const) {
      const id = client.execute(code, extra);
      await client.untilIdle(id);
      counts.push(client.reply(id)?.content.execution_count as number);
    }
    expect(counts).toEqual([1, 2, 2, 2, 3]);
  });

  it("a silent execute publishes no execute_input and no result", async () => {
    const { client } = setup();
    const id = client.execute("result 1", { silent: true });
    expect(kinds(await client.untilIdle(id))).toEqual(["status:busy", "status:idle"]);
  });

  it("a failing cell publishes exactly one error, and no stderr stream", async () => {
    const { client } = setup();
    const id = client.execute("fail ParseError unexpected '}'");
    const iopub = await client.untilIdle(id);
    expect(kinds(iopub)).toEqual(["status:busy", "execute_input", "error", "status:idle"]);
    expect(iopub[2]?.content).toEqual({ ename: "ParseError", evalue: "unexpected '}'", traceback: ["fail ParseError unexpected '}'"] });
    expect(client.reply(id)?.content).toEqual({
      status: "error", execution_count: 1, ename: "ParseError", evalue: "unexpected '}'", traceback: ["fail ParseError unexpected '}'"],
    });
  });

  it("an interpreter that throws gives an error reply and the kernel keeps serving", async () => {
    const { client } = setup();
    const id = client.execute("throw kaboom");
    const iopub = await client.untilIdle(id);
    expect(kinds(iopub).filter((k) => k === "error")).toHaveLength(1);
    expect(client.reply(id)?.content).toMatchObject({ status: "error", ename: "Error", evalue: "kaboom" });
    const inspect = client.send("shell", "inspect_request", { code: "boom", cursor_pos: 4, detail_level: 0 });
    await client.untilIdle(inspect);
    expect(client.reply(inspect)?.content).toMatchObject({ status: "error", ename: "Error", evalue: "inspect exploded" });
    const next = client.execute("print still here");
    await client.untilIdle(next);
    expect(client.reply(next)?.content.status).toBe("ok");
  });

  it("interrupt_request on control aborts the running cell's signal and both replies arrive", async () => {
    const { client, interpreter } = setup();
    const exec = client.execute("wait");
    await new Promise((r) => setTimeout(r, 20));
    expect(client.reply(exec)).toBeUndefined();
    // The control channel is served while the cell runs.
    const info = client.send("control", "kernel_info_request");
    await client.untilIdle(info);
    expect(client.reply(info)?.header.msg_type).toBe("kernel_info_reply");
    const interrupt = client.send("control", "interrupt_request");
    const iopub = await client.untilIdle(exec);
    expect(interpreter.signals[0]?.aborted).toBe(true);
    expect(client.sent.find((s) => s.message.header.msg_type === "interrupt_reply")?.channel).toBe("control");
    expect(client.reply(interrupt)?.content).toEqual({ status: "ok" });
    expect(client.reply(exec)?.content.status).toBe("ok");
    expect(iopub.find((m) => m.header.msg_type === "stream")?.content.text).toBe("interrupted\n");
  });

  it("Kernel.interrupt (SIGINT) aborts the running cell too", async () => {
    const { client, interpreter } = setup();
    const exec = client.execute("wait");
    await new Promise((r) => setTimeout(r, 10));
    client.kernel.interrupt();
    await client.untilIdle(exec);
    expect(interpreter.signals[0]?.aborted).toBe(true);
  });

  it("queues executes and runs them one at a time, in order, answering other requests meanwhile", async () => {
    const { client, interpreter } = setup();
    const a = client.execute("sleep 30\nprint a");
    const b = client.execute("print b");
    const c = client.execute("print c");
    const complete = client.send("shell", "complete_request", { code: "pri", cursor_pos: 3 });
    await client.untilIdle(complete);
    expect(client.reply(complete)?.content).toEqual({ status: "ok", matches: ["print"], cursor_start: 0, cursor_end: 3, metadata: {} });
    expect(client.reply(a)).toBeUndefined();
    expect(interpreter.started).toEqual(["sleep 30\nprint a"]);
    await client.untilIdle(c);
    expect(interpreter.started).toEqual(["sleep 30\nprint a", "print b", "print c"]);
    const replies = client.sent.filter((s) => s.message.header.msg_type === "execute_reply").map((s) => s.message.parent_header.msg_id);
    expect(replies).toEqual([a, b, c]);
    expect([a, b, c].map((id) => client.reply(id)?.content.execution_count)).toEqual([1, 2, 3]);
  });

  it("stop_on_error aborts the executes queued behind a failing one", async () => {
    const { client, interpreter } = setup();
    const a = client.execute("sleep 10\nfail Oops x");
    const b = client.execute("print b");
    await client.untilIdle(b);
    expect(client.reply(a)?.content.status).toBe("error");
    expect(client.reply(b)?.content.status).toBe("aborted");
    expect(interpreter.started).toEqual(["sleep 10\nfail Oops x"]);
  });

  it("coalesces stream writes and keeps them in order with displays", async () => {
    const { client } = setup();
    const id = client.execute("print 1\nprint 2\neprint e\nprint 3\ndisplay d1 v0\nupdate d1 v1\nprint 4");
    const iopub = (await client.untilIdle(id)).filter((m) => !["status", "execute_input"].includes(m.header.msg_type));
    expect(iopub.map((m) => [m.header.msg_type, m.content.text ?? m.content.data])).toEqual([
      ["stream", "1\n2\n"],
      ["stream", "e\n"],
      ["stream", "3\n"],
      ["display_data", { "text/plain": "v0" }],
      ["update_display_data", { "text/plain": "v1" }],
      ["stream", "4\n"],
    ]);
    expect(iopub[3]?.content.transient).toEqual({ display_id: "d1" });
    expect(iopub[4]?.content).toMatchObject({ metadata: {}, transient: { display_id: "d1" } });
  });

  it("answers is_complete, inspect, history, comm_info; ignores comm messages", async () => {
    const { client } = setup();
    const ask = async (type: string, content: Record<string, unknown> = {}) => {
      const id = client.send("shell", type, content);
      expect(kinds(await client.untilIdle(id))).toEqual(["status:busy", "status:idle"]);
      return client.reply(id);
    };
    expect((await ask("is_complete_request", { code: "a\\" }))?.content).toEqual({ status: "incomplete", indent: "  " });
    expect((await ask("is_complete_request", { code: "a" }))?.content).toEqual({ status: "complete" });
    expect((await ask("inspect_request", { code: "print", cursor_pos: 5, detail_level: 0 }))?.content)
      .toEqual({ status: "ok", found: true, data: { "text/plain": "print TEXT" }, metadata: {} });
    expect((await ask("history_request", { hist_access_type: "tail", n: 3, output: false, raw: true }))?.content)
      .toEqual({ status: "ok", history: [] });
    expect((await ask("comm_info_request"))?.content).toEqual({ status: "ok", comms: {} });
    expect(await ask("comm_open", { comm_id: "c", target_name: "x", data: {} })).toBeUndefined();
  });

  it("converts cursor positions between code points and UTF-16", async () => {
    const { client } = setup();
    const code = "😀 pri";
    const id = client.send("shell", "complete_request", { code, cursor_pos: 5 });
    await client.untilIdle(id);
    expect(client.reply(id)?.content).toMatchObject({ matches: ["print"], cursor_start: 2, cursor_end: 5 });
  });

  it("shutdown_request calls interpreter.shutdown, replies on its channel, then exits", async () => {
    for (const channel of ["control", "shell"] as const) {
      const { client, interpreter } = setup();
      const id = client.send(channel, "shutdown_request", { restart: false });
      await client.untilIdle(id);
      await client.kernel.settled();
      expect(interpreter.shutdownCalls).toBe(1);
      const reply = client.sent.find((s) => s.message.parent_header.msg_id === id && s.channel !== "iopub");
      expect(reply?.channel).toBe(channel);
      expect(reply?.message.content).toEqual({ status: "ok", restart: false });
      expect(client.shutdowns).toEqual([false]);
      // Nothing is served after a shutdown.
      client.execute("print late");
      await client.kernel.settled();
      expect(interpreter.started).toEqual([]);
    }
  });
});
