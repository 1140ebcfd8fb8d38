// The registry of probe kinds (bpf/probes/index.ts): one line per kind, and everything that
// asks about kinds reads it — the lexer's aliases, `-l`'s walk, user or kernel space,
// completion. Each kind's own behaviour is tested in test/unit/probes-<kind>.test.ts.
import { describe, expect, it } from "vitest";
import { canonicalProvider, providerAliases, scanAttachPoint, splitAttachPoint } from "../../bpf/lang/attach-point.ts";
import { expandAttachPoint, findProvider, kindOf, providers } from "../../bpf/probes/index.ts";
import { kindEnv, probe } from "../helpers/probe-kinds.ts";

const env = kindEnv();
const names = (pred: (k: (typeof providers)[number]) => boolean) => providers.filter(pred).map((k) => k.name).sort();

describe("the registry of probe kinds", () => {
  it("lists each kind once, with names and aliases that no other kind uses", () => {
    expect(providers.map((k) => k.name)).toEqual([
      "BEGIN", "END", "interval", "profile", "software", "hardware", "tracepoint", "rawtracepoint",
      "kprobe", "kretprobe", "fentry", "fexit", "uprobe", "uretprobe", "usdt", "self", "iter", "watchpoint",
    ]);
    const all = providers.flatMap((k) => [k.name, ...k.aliases]);
    expect(new Set(all).size).toBe(all.length);
  });

  it("is where the lexer takes its aliases from", () => {
    expect(Object.fromEntries(providerAliases)).toEqual({
      begin: "BEGIN", end: "END", i: "interval", p: "profile", s: "software", h: "hardware", t: "tracepoint", rt: "rawtracepoint",
      k: "kprobe", kr: "kretprobe", f: "fentry", kfunc: "fentry", fr: "fexit", kretfunc: "fexit", u: "uprobe", ur: "uretprobe",
      U: "usdt", it: "iter", w: "watchpoint",
    });
    for (const k of providers) {
      for (const a of [k.name, ...k.aliases]) {
        expect(canonicalProvider(a)).toBe(k.name);
        expect(findProvider(a)).toBe(k);
        if (!k.bare) expect(splitAttachPoint(`${a}:x`).provider).toBe(k.name);
      }
    }
  });

  it("says which kinds are written bare, and which take a path with '/' in it", () => {
    expect(names((k) => k.bare === true)).toEqual(["BEGIN", "END"]);
    expect(splitAttachPoint("self").problems).toEqual(["'self' is not a probe: expected 'provider:...' (like 'kprobe:vfs_read'), 'BEGIN' or 'END'"]);
    expect(names((k) => k.paths === true)).toEqual(["iter", "uprobe", "uretprobe", "usdt"]);
    const end = (text: string) => text.slice(0, scanAttachPoint(text, 0));
    expect(end("ur:/bin/bash:readline /arg0/ {")).toBe("ur:/bin/bash:readline");
    expect(end("kprobe:f/arg0 > 1/ {")).toBe("kprobe:f");
  });

  it("says which kinds run on user-space code", () => {
    expect(names((k) => k.space === "user")).toEqual(["uprobe", "uretprobe", "usdt"]);
    expect(kindOf(probe(env, "U:/opt/demo/bin/demo:demo:tick")).space).toBe("user");
    expect(kindOf(probe(env, "t:sched:sched_switch")).space).toBe("kernel");
  });

  it("says which kinds `-l *` walks: bpftrace's PROBE_LIST", () => {
    expect(names((k) => k.listing?.walk === "kernel")).toEqual(["fentry", "hardware", "iter", "kprobe", "rawtracepoint", "software", "tracepoint"]);
    expect(names((k) => k.listing?.walk === "user")).toEqual(["uprobe", "usdt"]);
    expect(names((k) => k.listing === undefined)).toEqual(["BEGIN", "END", "self", "watchpoint"]);
  });

  it("names the nearest kind for a misspelt one", () => {
    expect(expandAttachPoint({ provider: "tracepont", parts: ["a", "b"], raw: "tracepont:a:b" }, env)).toEqual({
      ok: false, message: "unknown probe type 'tracepont'", hints: ["did you mean tracepoint?"],
    });
  });
});
