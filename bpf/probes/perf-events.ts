// What software:EVENT:PERIOD and hardware:EVENT:PERIOD share: a perf counter, named from
// a table of events (bpf/types/abi.ts), that runs a BPF_PROG_TYPE_PERF_EVENT program every
// PERIOD events on every CPU; and their `-l` lines, each event by its name and by its alias.
import { ProgType } from "../types/abi.ts";
import type { Expansion, ProbeAddress } from "./provider.ts";
import { fail } from "./provider.ts";

export type EventTable = Readonly<Record<string, { readonly config: number; readonly alias: string; readonly defaultPeriod: number }>>;

/** `-l` candidates: "name:" and "alias:" for each event, sorted by name (SW_PROBE_LIST, HW_PROBE_LIST). */
export function eventCandidates(table: EventTable): string[] {
  return Object.entries(table)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([n, e]) => (e.alias ? [`${n}:`, `${e.alias}:`] : [`${n}:`]));
}

/** The one probe of `name:EVENT[:PERIOD]`; `check` may refuse a known event on this machine. */
export function expandCounter(
  ap: ProbeAddress,
  name: "software" | "hardware",
  table: EventTable,
  type: number,
  check?: (event: string) => Expansion | undefined,
): Expansion {
  const [event, count] = ap.parts;
  if (event === undefined || ap.parts.length > 2) return fail(`${name} probes look like ${name}:EVENT[:PERIOD]`);
  const entry = Object.entries(table).find(([k, v]) => k === event || (v.alias !== "" && v.alias === event));
  if (!entry) {
    return fail(`unknown ${name} event '${event}'`, [`known events: ${Object.keys(table).join(", ")}`]);
  }
  const info = entry[1];
  const refused = check?.(event);
  if (refused) return refused;
  const period = count === undefined ? info.defaultPeriod : Number(count.replace(/_/g, ""));
  if (!Number.isFinite(period) || period <= 0) return fail(`${name}:${event}: invalid period '${count}'`);
  return {
    ok: true,
    probes: [
      {
        provider: name,
        // the event as written, an alias included, and the period if one was written
        // (bpftrace's AttachPoint::name): `probe` prints software:cpu:100000
        name: `${name}:${event}${count !== undefined ? `:${period}` : ""}`,
        progType: ProgType.PERF_EVENT,
        context: "pt_regs",
        attach: { kind: "perf", type, config: info.config, period, cpus: "all" },
      },
    ],
  };
}
