// %hosts NAME=URL ... | --file hosts.json: names the fleet and checks every host at once —
// does it answer, take the token, offer the tracebook kernelspec; then a kernel started
// there says what it is (%host: machine, kernel release, can it trace) and is shut down.
// %hosts alone lists the fleet with what its last check found. Each problem is one line in
// the table (no traceback), and no token is ever shown.
import type { ExecuteOutcome } from "../../kernel/interpreter.ts";
import type { MagicContext } from "../interpreter.ts";
import { splitWords } from "../header-words.ts";
import { cannotTraceReason, readHostFacts, type HostFacts } from "../host-magic.ts";
import { htmlTable } from "../display/html.ts";
import { duplicateNames, hostsFromFile, hostsFromWords, redact, type FleetHost } from "./hosts.ts";
import { fleetOf, type HostCheck } from "./state.ts";
import { HostError, missingKernelspec, RemoteKernel, TIMEOUTS, within } from "./remote.ts";

function usage(msg: string): ExecuteOutcome {
  const text = `%hosts: ${msg}`;
  return { status: "error", ename: "UsageError", evalue: text, traceback: [text] };
}

/** Check one host: answers, token, kernelspec, then what its kernel says about itself. */
export async function checkHost(host: FleetHost): Promise<HostCheck> {
  const t0 = Date.now();
  const done = (ok: boolean, problem?: string, facts?: HostFacts): HostCheck => ({
    host: host.name, url: host.baseUrl, ok, ms: Date.now() - t0, ...(problem && { problem: redact(problem, [host]) }), ...(facts && { facts }),
  });
  try {
    const missing = await missingKernelspec(host);
    if (missing) return done(false, missing);
    const k = await RemoteKernel.start(host);
    try {
      let facts: HostFacts | undefined;
      const r = await within(k.execute("%host", (msg) => {
        if (msg.header.msg_type === "display_data") facts = readHostFacts((msg.content as { data: Record<string, unknown> }).data) ?? facts;
      }), TIMEOUTS.startMs, `its kernel did not answer %host within ${TIMEOUTS.startMs / 1000} s`);
      if (!facts) return done(false, r.status === "ok" ? `its ${host.kernel} kernel did not say what it is: is it a Tracebook kernel?` : `%host failed there: ${r.ename}: ${r.evalue}`);
      return done(facts.canTrace, cannotTraceReason(facts), facts);
    } finally {
      await k.shutdown();
    }
  } catch (e) {
    return done(false, e instanceof HostError ? e.message : (e as Error)?.message ?? String(e));
  }
}

function describe(c: HostCheck | undefined): string {
  if (!c) return "not checked yet";
  const f = c.facts;
  const what = f ? `Linux ${f.kernel} on ${f.hostname}, tracebook ${f.tracebook}${f.cgroup ? `, cgroup ${f.cgroup}` : ""}` : "";
  if (c.ok) return `ok: ${what}`;
  return f ? `${c.problem} (${what})` : c.problem ?? "not usable";
}

function table(hosts: readonly FleetHost[], checks: ReadonlyMap<string, HostCheck>, headline: string) {
  const rows = hosts.map((h) => [h.name, h.baseUrl, describe(checks.get(h.name))]);
  const w = [4, 3].map((min, i) => Math.max(min, ...rows.map((r) => r[i]!.length)));
  const text = [headline, ...rows.map(([n, u, s]) => `  ${n!.padEnd(w[0]!)}  ${u!.padEnd(w[1]!)}  ${s}`)].join("\n");
  return {
    "text/plain": `${text}\n`,
    "text/html": `<div>${headline.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</div>${htmlTable({ columns: ["host", "url", "status"], numeric: [false, false, false], rows })}`,
    "application/json": { hosts: hosts.map((h) => ({ name: h.name, url: h.baseUrl, kernel: h.kernel, ...checks.get(h.name) })) },
  };
}

export async function runHostsMagic(m: MagicContext, arg: string): Promise<ExecuteOutcome> {
  const fleet = fleetOf(m.session);
  const words = splitWords(arg);
  if (typeof words === "string") return usage(words);
  if (words.length === 0) {
    if (fleet.hosts.length === 0) {
      m.ctx.stream("stdout", "no hosts (%hosts NAME=URL ... or %hosts --file hosts.json names them)\n");
      return { status: "ok" };
    }
    m.ctx.display(table(fleet.hosts, fleet.checks, `${fleet.hosts.length} hosts, as last checked:`));
    return { status: "ok" };
  }
  const hosts: FleetHost[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const got = w === "--file" || w.startsWith("--file=")
      ? (() => {
          const path = w.startsWith("--file=") ? w.slice(7) : words[++i];
          return path ? hostsFromFile(path) : "--file needs a path";
        })()
      : hostsFromWords([w]);
    if (typeof got === "string") return usage(got);
    hosts.push(...got);
  }
  const dup = duplicateNames(hosts);
  if (dup.length) return usage(`host ${dup.join(", ")} named twice`);
  fleet.hosts = hosts;
  fleet.checks.clear();
  const displayId = `tracebook-${m.origin}-${Date.now().toString(36)}-hosts`;
  m.ctx.display(table(hosts, fleet.checks, `checking ${hosts.length} hosts…`), { displayId });
  await Promise.all(hosts.map(async (h) => {
    fleet.checks.set(h.name, await checkHost(h));
    m.ctx.display(table(hosts, fleet.checks, `checking ${hosts.length} hosts…`), { displayId, update: true });
  }));
  const ok = [...fleet.checks.values()].filter((c) => c.ok).length;
  m.ctx.display(table(hosts, fleet.checks, `${ok} of ${hosts.length} hosts can run %%fleet cells`), { displayId, update: true });
  return { status: "ok" };
}
