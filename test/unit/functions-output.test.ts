// The output rows' user-space hooks (bpf/functions/output.ts, maps.ts, time.ts): what each
// ring-buffer record does when it arrives, seen through an EventContext that records the
// calls (the run's own one is bpf/runtime/run.ts, exercised by the system tests).
import { describe, expect, it } from "vitest";
import { compile } from "../../bpf/codegen/compile.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { eventHook } from "../../bpf/functions/index.ts";
import type { Action } from "../../bpf/functions/actions.ts";
import type { EventContext } from "../../bpf/functions/decode.ts";
import { decodeValue } from "../../bpf/maps/codec.ts";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const env = recordedEnv(join(dirname(fileURLToPath(import.meta.url)), "../fixtures/tracefs"));

/** An EventContext that writes down what the hooks do. */
function recorder() {
  const log: string[] = [];
  let exit: number | undefined;
  const rt: EventContext = {
    output: (text, meta) => void log.push(`out ${meta?.kind ?? "-"}: ${text}`),
    errorOutput: (text) => void log.push(`err: ${text}`),
    warn: (text) => void log.push(`warn: ${text}`),
    exit: (code) => void (exit ??= code),
    printMap: (name, top, div) => `<${name} top ${top} div ${div}>\n`,
    clearMap: (name) => void log.push(`clear ${name}`),
    zeroMap: (name) => void log.push(`zero ${name}`),
    decode: (t, b, off) => decodeValue(t, b, off),
    catFile: (path) => ({ out: `<contents of ${path}>` }),
    runSystem: (cmd) => ({ out: `<ran ${cmd}>`, err: "oops\n" }),
  };
  return { rt, log, exit: () => exit };
}

/** The actions a program sends. */
function actions(source: string, unsafe = false): readonly Action[] {
  const r = compile(source, { env, origin: "stdin", unsafe });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.spec!.actions;
}

/** A record for action `id` with these u64 fields after its id. */
function record(id: number, ...words: bigint[]): Uint8Array {
  const b = new Uint8Array(8 * (1 + words.length) + 16);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, BigInt(id), true);
  words.forEach((w, i) => dv.setBigUint64(8 * (i + 1), BigInt.asUintN(64, w), true));
  return b;
}

function run(a: Action, rec: Uint8Array, rt: EventContext): void {
  (eventHook(a.kind) as (a: Action, r: Uint8Array, rt: EventContext) => void)(a, rec, rt);
}

describe("records in user space", () => {
  it("printf applies its format to the arguments it carries", () => {
    const [a] = actions('BEGIN { printf("%d-%x|%5d|\\n", 12, 255, -3); }');
    const { rt, log } = recorder();
    run(a!, record(0, 12n, 255n, -3n), rt);
    expect(log).toEqual(["out printf: 12-ff|   -3|\n"]);
  });

  it("errorf and warnf print bpftrace's located lines on stderr", () => {
    const acts = actions('BEGIN { errorf("bad %d", 7); warnf("odd"); }');
    const { rt, log } = recorder();
    run(acts[0]!, record(0, 7n), rt);
    run(acts[1]!, record(1), rt);
    expect(log).toEqual(["err: stdin:1:9-28: ERROR: bad 7\n", "warn: stdin:1:30-42: WARNING: odd\n"]);
  });

  it("exit() ends the run with its code; the first one wins", () => {
    const [a] = actions("BEGIN { exit(3); }");
    const { rt, exit } = recorder();
    run(a!, record(0, 3n), rt);
    run(a!, record(0, 9n), rt);
    expect(exit()).toBe(3);
  });

  it("print, clear and zero act on the map when their record arrives", () => {
    const acts = actions("BEGIN { @m[1] = 2; print(@m, 5, 10); clear(@m); zero(@m); }");
    const { rt, log } = recorder();
    acts.forEach((a, i) => run(a, record(i), rt));
    expect(log).toEqual(["out map: <@m top 5 div 10>\n", "clear @m", "zero @m"]);
  });

  it("cat() and system() format their argument, then print what the file or command gave", () => {
    const acts = actions('BEGIN { cat("/proc/%d/comm", 42); system("echo %d", 5); }', true);
    const { rt, log } = recorder();
    run(acts[0]!, record(0, 42n), rt);
    run(acts[1]!, record(1, 5n), rt);
    expect(log).toEqual(["out cat: <contents of /proc/42/comm>", "out syscall: <ran echo 5>", "err: oops\n"]);
  });
});
