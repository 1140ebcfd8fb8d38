// A %%fleet cell end to end against N fake hosts on loopback: each a small HTTP + WebSocket
// server speaking what @jupyterlab/services uses of Jupyter Server (kernelspecs, start,
// interrupt, shutdown, a kernel's channels in the JSON protocol) and answering the fleet's
// cell as a Tracebook kernel does: progress lines, then one map output of K keys carrying its
// snapshot and a real bundle (Vega-Lite, SVG, PNG, HTML table, text: about 670 KB at 10k keys).
// Times the cell from execute to its last output, in the coordinating interpreter: the
// WebSocket traffic, the merge, the merged and by-host displays.
//   npx esbuild bench/fleet-hosts.ts --bundle --platform=node --format=esm --packages=external --outfile=dist/bench-fleet-hosts.mjs && node dist/bench-fleet-hosts.mjs
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import { snapshotToJson } from "../bpf/maps/snapshot-json.ts";
import type { MapSnapshot } from "../bpf/types/snapshot.ts";
import { mapDisplay } from "../magics/display/index.ts";
import { provenance } from "../magics/provenance.ts";
import { hostBundle, hostFacts } from "../magics/host-magic.ts";
import { createInterpreter } from "../magics/interpreter.ts";
import { runCell } from "../test/helpers/interpreter-cell.ts";

// the `ws` package @jupyterlab/services itself uses under Node
const { WebSocketServer } = createRequire(createRequire(import.meta.url).resolve("@jupyterlab/services"))("ws") as {
  WebSocketServer: new (o: { server: Server; handleProtocols: () => false }) => { on(e: "connection", f: (ws: { send(s: string): void; on(e: "message", f: (d: Buffer) => void): void }) => void): void; close(): void };
};

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function snapshot(host: number, keys: number): MapSnapshot {
  return {
    name: "@calls", valueKind: "count", keyed: true, keyNames: ["comm"],
    entries: Array.from({ length: keys }, (_, i) => ({ key: [{ kind: "str" as const, value: `proc-${i}` }], value: { kind: "count" as const, value: BigInt(1 + ((host + i) % 97)) } })),
  };
}

type Json = Record<string, unknown>;

/** One fake host: the REST calls and a kernel's channels; `cellOutputs` answers the fleet's cell. */
async function fakeHost(token: string, cellOutputs: () => { msg_type: string; content: Json }[]): Promise<{ url: string; close(): void }> {
  const kernels = new Set<string>();
  const spec = { name: "tracebook", resources: {}, spec: { argv: ["tracebook"], display_name: "Tracebook", language: "bpftrace", interrupt_mode: "message" } };
  const server = createServer((req, res) => {
    if (req.headers.authorization !== `token ${token}`) return void res.writeHead(403).end("{}");
    const json = (code: number, body?: unknown) => void res.writeHead(code, { "Content-Type": "application/json" }).end(body === undefined ? "" : JSON.stringify(body));
    const path = req.url!.split("?")[0]!;
    if (req.method === "GET" && path === "/api/kernelspecs") return json(200, { default: "tracebook", kernelspecs: { tracebook: spec } });
    if (req.method === "POST" && path === "/api/kernels") {
      const id = randomUUID();
      kernels.add(id);
      return json(201, { id, name: "tracebook", execution_state: "idle", connections: 0 });
    }
    const m = /^\/api\/kernels\/([\w-]+)(\/interrupt)?$/.exec(path);
    if (m && req.method === "DELETE") return kernels.delete(m[1]!), json(204);
    if (m && req.method === "POST") return json(204);
    if (m) return json(200, { id: m[1], name: "tracebook", execution_state: "idle", connections: 1 });
    json(404, {});
  });
  const wss = new WebSocketServer({ server, handleProtocols: () => false });
  wss.on("connection", (ws) => {
    const session = randomUUID();
    ws.on("message", (d) => {
      const req = JSON.parse(d.toString()) as { header: Json; content: { code?: string }; channel: string };
      const send = (channel: string, msg_type: string, content: Json) => ws.send(JSON.stringify({
        channel, header: { msg_id: randomUUID(), msg_type, session, username: "bench", date: new Date().toISOString(), version: "5.3" },
        parent_header: req.header, metadata: (content.__metadata as Json | undefined) ?? {}, content, buffers: [],
      }));
      const type = req.header.msg_type;
      if (type === "kernel_info_request") {
        send("iopub", "status", { execution_state: "busy" });
        send("shell", "kernel_info_reply", { status: "ok", protocol_version: "5.3", implementation: "tracebook", implementation_version: "0.1.0", language_info: { name: "bpftrace", version: "0.1.0", mimetype: "text/x-bpftrace", file_extension: ".bt" }, banner: "", help_links: [] });
        send("iopub", "status", { execution_state: "idle" });
      } else if (type === "execute_request") {
        send("iopub", "status", { execution_state: "busy" });
        const outputs = !req.content.code?.startsWith("%%bt") ? [{ msg_type: "display_data", content: { data: hostBundle(hostFacts(undefined, 1n << 21n)), metadata: {}, transient: {} } }] : cellOutputs();
        for (const o of outputs) {
          const { metadata, ...content } = o.content as Json & { metadata?: Json };
          send("iopub", o.msg_type, { ...content, metadata: metadata ?? {}, __metadata: undefined });
        }
        send("shell", "execute_reply", { status: "ok", execution_count: 1, user_expressions: {}, payload: [] });
        send("iopub", "status", { execution_state: "idle" });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/?token=${token}`, close: () => (wss.close(), server.close()) };
}

async function once(hosts: number, keys: number): Promise<number> {
  // one real bundle per size (drawing it is the hosts' work, not the coordinator's)
  const shown = await mapDisplay(snapshot(0, keys), provenance({ started: new Date(), reason: "timeout", probes: ["tracepoint:syscalls:sys_enter_openat"] }));
  const prov = shown.metadata.tracebook as Json;
  const fakes = await Promise.all(Array.from({ length: hosts }, (_, h) => fakeHost(`t${h}`, () => [
    { msg_type: "display_data", content: { data: { "text/plain": "1 probes attached; running 0s of 1s; 0 events read, 0 lost" }, transient: { display_id: "x-progress" } } },
    { msg_type: "update_display_data", content: { data: { "text/plain": "1 probes ran 1.0s (timeout); 0 events read, 0 lost" }, transient: { display_id: "x-progress" } } },
    { msg_type: "display_data", content: { data: shown.data, metadata: { ...shown.metadata, tracebook: { ...prov, snapshot: snapshotToJson(snapshot(h, keys)) } }, transient: {} } },
  ])));
  const interp = createInterpreter();
  try {
    const r = await runCell(interp, `%hosts ${fakes.map((f, h) => `h${h}=${f.url}`).join(" ")}`);
    if (!r.texts.at(-1)?.startsWith(`${hosts} of ${hosts} hosts`)) throw new Error(r.texts.at(-1));
    const t0 = performance.now();
    const cell = await runCell(interp, "%%fleet\ntracepoint:syscalls:sys_enter_openat { @calls[comm] = count(); }");
    const ms = performance.now() - t0;
    if (cell.outcome.status !== "ok" || cell.stderr !== "") throw new Error(`${JSON.stringify(cell.outcome)} ${cell.stderr}`);
    return ms;
  } finally {
    await interp.shutdown();
    for (const f of fakes) f.close();
  }
}

console.log("hosts  keys/host  cell ms (median)");
for (const [hosts, keys] of [[1, 1_000], [10, 1_000], [50, 1_000], [1, 10_000], [10, 10_000], [50, 10_000]] as const) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await once(hosts, keys));
  times.sort((a, b) => a - b);
  console.log(`${String(hosts).padStart(5)}  ${String(keys).padStart(9)}  ${times[Math.floor(times.length / 2)]!.toFixed(0).padStart(16)}`);
}
process.exit(0);
