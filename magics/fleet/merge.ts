// One map from many hosts (%%fleet): each host's final snapshot (the lossless JSON its map
// output carries in metadata.tracebook.snapshot) is folded in as it arrives. Keys match by
// value (their JSON form); counts and sums add, min/max keep the extreme, avg and stats add
// their count and total (so the merged average is exact, not an average of averages), hist
// and lhist add bucket by bucket. Plain values (`@x = 5`) have no sum: they are shown by
// host only. The same data keyed by host first is the by-host view.
//
// Work stays on the JSON form until a view is asked for: a key is decoded once however many
// hosts have it, and a host's entries are kept as they came (bench/fleet-merge.ts).
import type { Aggregate, MapEntry, MapSnapshot, Value } from "../../bpf/types/snapshot.ts";
import { decAggregate, decValue, snapshotFromJson, type SnapshotJson } from "../../bpf/maps/snapshot-json.ts";

type RawEntry = readonly [readonly unknown[], unknown];

interface Fold {
  /** The key's identity: its JSON text, decoded when a view needs the key. */
  readonly id: string;
  key?: readonly Value[];
  /** The merged value (plain values: the first host's, never shown as merged). */
  value: Aggregate;
}

interface Merged {
  /** The map's header (no entries), from the first host that sent it. */
  readonly first: MapSnapshot;
  /** Each host's entries, as the folds of their keys and their own values, in arrival order. */
  readonly hosts: Map<string, HostEntries>;
  /** The fold so far, by key identity (its JSON); rebuilt from `hosts` when a host sent the map again. */
  folds: Map<string, Fold>;
  stale: boolean;
}

/**
 * One host's entries. Integer values (count, sum, min, max) are kept in a BigInt64Array
 * when they fit: hundreds of thousands of small objects kept alive cost the collector more
 * than the merge itself.
 */
interface HostEntries {
  readonly folds: readonly Fold[];
  readonly values: readonly Aggregate[] | { readonly kind: "count" | "sum" | "min" | "max"; readonly ints: BigInt64Array };
}

type IntKind = "count" | "sum" | "min" | "max";
const isIntKind = (k: Aggregate["kind"]): k is IntKind => k === "count" || k === "sum" || k === "min" || k === "max";

function checkedEntry(e: unknown): RawEntry {
  if (!Array.isArray(e) || !Array.isArray(e[0])) throw new Error(`snapshot json: bad entry: ${JSON.stringify(e)?.slice(0, 80)}`);
  return e as unknown as RawEntry;
}

/** A host's values, decoded; integers straight into a BigInt64Array where they fit. */
function hostValues(entries: readonly RawEntry[], kind: Aggregate["kind"]): HostEntries["values"] {
  if (isIntKind(kind)) {
    const ints = new BigInt64Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const x = checkedEntry(entries[i])[1];
      // the common case without the general decoder: [kind, "decimal"]
      const v = Array.isArray(x) && x[0] === kind && typeof x[1] === "string" && x[1] !== "" ? BigInt(x[1]) : intOf(decAggregate(x), kind);
      if (BigInt.asIntN(64, v) !== v) return entries.map((e) => decAggregate(e[1]));
      ints[i] = v;
    }
    return { kind, ints };
  }
  return entries.map((e) => decAggregate(checkedEntry(e)[1]));
}

function intOf(a: Aggregate, kind: IntKind): bigint {
  if (a.kind !== kind) throw new Error(`snapshot json: ${a.kind} in a ${kind} map`);
  return (a as { value: bigint }).value;
}

/** A key's identity: a one-string key is itself (marked), anything else its JSON text. */
function keyId(raw: readonly unknown[]): string {
  return raw.length === 1 && typeof raw[0] === "string" ? `\u0001${raw[0]}` : JSON.stringify(raw);
}

function valueAt(h: HostEntries, i: number): Aggregate {
  const v = h.values;
  return "ints" in v ? { kind: v.kind, value: v.ints[i]! } : v[i]!;
}

function addBuckets(a: readonly bigint[], b: readonly bigint[]): bigint[] {
  const out = a.length >= b.length ? [...a] : [...b];
  const other = a.length >= b.length ? b : a;
  for (let i = 0; i < other.length; i++) out[i]! += other[i]!;
  return out;
}

/** Two hosts' values for one key, combined; a string says why they cannot be. */
export function combine(a: Aggregate, b: Aggregate): Aggregate | string {
  if (a.kind !== b.kind) return `${a.kind} here, ${b.kind} there`;
  switch (a.kind) {
    case "count": case "sum":
      return { kind: a.kind, value: a.value + (b as typeof a).value };
    case "min": case "max": {
      const y = (b as typeof a).value;
      return { kind: a.kind, value: (a.kind === "min" ? y < a.value : y > a.value) ? y : a.value };
    }
    case "avg": case "stats": {
      const y = b as typeof a;
      return { kind: a.kind, count: a.count + y.count, total: a.total + y.total };
    }
    case "hist": {
      const y = b as typeof a;
      if ((a.bits ?? 0) !== (y.bits ?? 0)) return `hist(x, ${a.bits ?? 0}) here, hist(x, ${y.bits ?? 0}) there`;
      return { kind: "hist", buckets: addBuckets(a.buckets, y.buckets), ...(a.bits !== undefined && { bits: a.bits }) };
    }
    case "lhist": {
      const y = b as typeof a;
      if (a.min !== y.min || a.max !== y.max || a.step !== y.step) return `lhist(${a.min}, ${a.max}, ${a.step}) here, lhist(${y.min}, ${y.max}, ${y.step}) there`;
      return { ...a, buckets: addBuckets(a.buckets, y.buckets) };
    }
    case "value":
      return "plain values have no sum";
    case "tseries":
      // each host's intervals are of its own clock: side by side, not added up
      return "time series have no sum";
  }
}

/** A value that means "nothing happened here": for hosts that ran and saw no event. */
function zero(kind: Aggregate["kind"]): Aggregate | undefined {
  return kind === "count" || kind === "sum" ? { kind, value: 0n } : undefined;
}

const parts = (key: readonly Value[]): readonly Value[] => (key.length === 1 && key[0]!.kind === "tuple" ? key[0]!.elements : key);

function rawKey(id: string): unknown[] {
  return id.startsWith("\u0001") ? [id.slice(1)] : (JSON.parse(id) as unknown[]);
}

function decodeKey(f: Fold): readonly Value[] {
  return (f.key ??= rawKey(f.id).map(decValue));
}

/** Rows in the by-host view before it keeps only the merged map's largest keys. */
export const BY_HOST_MAX = 20_000;

/** What the by-host view holds, and what it left out. */
export interface ByHost {
  readonly snap: MapSnapshot;
  /** Keys shown of the merged map's, when the view keeps only the largest. */
  readonly keysShown?: { readonly shown: number; readonly of: number };
}

export class FleetMerge {
  readonly #maps = new Map<string, Merged>();
  /** Maps that could not be merged, and why ("@x: count here, sum there (host b)"). */
  readonly conflicts: string[] = [];

  /** Fold in one host's map (its snapshot JSON); throws on data that is no snapshot. */
  add(host: string, json: unknown): void {
    const o = json as SnapshotJson;
    const first = snapshotFromJson({ ...o, entries: [] }); // the header, checked
    if (!Array.isArray(o.entries)) throw new Error("snapshot json: bad entries");
    const entries = o.entries as readonly RawEntry[];
    const values = hostValues(entries, first.valueKind);
    let m = this.#maps.get(first.name);
    if (!m) {
      m = { first, hosts: new Map(), folds: new Map(), stale: false };
      this.#maps.set(first.name, m);
    }
    if (m.first.valueKind !== first.valueKind || m.first.keyed !== first.keyed) {
      this.conflicts.push(`${first.name}: ${m.first.valueKind} elsewhere, ${first.valueKind} on ${host}; ${host}'s is left out`);
      return;
    }
    const stale = m.hosts.has(host);
    const combineIt = !stale && !m.stale;
    const h: HostEntries = { folds: [], values };
    const folds = h.folds as Fold[];
    if ("ints" in values) this.#foldInts(m, entries, values, folds, combineIt);
    else for (let i = 0; i < entries.length; i++) folds.push(this.#fold(m, host, keyId(entries[i]![0]), values[i]!, combineIt));
    m.hosts.set(host, h);
    if (stale) m.stale = true;
  }

  /**
   * The common case, counts and sums: accumulated in place in the fold's own value object,
   * without an object per entry (views copy the values they show).
   */
  #foldInts(m: Merged, entries: readonly RawEntry[], values: { readonly kind: IntKind; readonly ints: BigInt64Array }, folds: Fold[], combineIt: boolean): void {
    const { kind, ints } = values;
    for (let i = 0; i < entries.length; i++) {
      const id = keyId(entries[i]![0]);
      const v = ints[i]!;
      let f = m.folds.get(id);
      if (!f) {
        f = { id, value: { kind, value: v } };
        m.folds.set(id, f);
      } else if (combineIt) {
        const acc = f.value as { value: bigint };
        acc.value = kind === "min" ? (v < acc.value ? v : acc.value) : kind === "max" ? (v > acc.value ? v : acc.value) : acc.value + v;
      }
      folds.push(f);
    }
  }

  /** The fold of key `id`, with `value` combined into it when `combineIt`. */
  #fold(m: Merged, host: string, id: string, value: Aggregate, combineIt: boolean): Fold {
    const had = m.folds.get(id);
    if (!had) {
      const f: Fold = { id, value };
      m.folds.set(id, f);
      return f;
    }
    if (!combineIt || m.first.valueKind === "value") return had;
    const c = combine(had.value, value);
    if (typeof c === "string") this.conflicts.push(`${m.first.name}: ${c} (host ${host})`);
    else had.value = c;
    return had;
  }

  #current(m: Merged): Map<string, Fold> {
    if (m.stale) {
      // a host sent the map again: fold every host's latest afresh
      const hosts = [...m.hosts];
      m.folds = new Map();
      m.stale = false;
      for (const [host, h] of hosts) m.hosts.set(host, { folds: h.folds.map((f, i) => this.#fold(m, host, f.id, valueAt(h, i), true)), values: h.values });
    }
    return m.folds;
  }

  /** Map names in the order they first arrived. */
  names(): string[] {
    return [...this.#maps.keys()];
  }

  /** The hosts that sent `name`. */
  hostsOf(name: string): string[] {
    return [...(this.#maps.get(name)?.hosts.keys() ?? [])];
  }

  /** The merged map; undefined for plain values (no sum) and unknown names. */
  merged(name: string): MapSnapshot | undefined {
    const m = this.#maps.get(name);
    if (!m || m.first.valueKind === "value") return undefined;
    const entries: MapEntry[] = [];
    for (const f of this.#current(m).values()) entries.push({ key: decodeKey(f), value: { ...f.value } });
    return { ...m.first, entries };
  }

  /**
   * The map keyed by host first (`@m[host, key...]`), hosts in the given order. Hosts in
   * `ran` (they ran to the end) that have no entry for a key of a count or sum map get a
   * zero there: they ran and saw nothing, which is an answer too. Past BY_HOST_MAX rows it
   * keeps the merged map's largest keys (by the value a chart plots) for every host.
   */
  byHost(name: string, order: readonly string[], ran: readonly string[] = []): ByHost | undefined {
    const m = this.#maps.get(name);
    if (!m) return undefined;
    const folds = this.#current(m);
    const hosts = [...order.filter((h) => m.hosts.has(h) || ran.includes(h)), ...[...m.hosts.keys()].filter((h) => !order.includes(h))];
    const z = zero(m.first.valueKind);
    const filled = z ? hosts.filter((h) => ran.includes(h)).length * folds.size : 0;
    const rows = filled || [...m.hosts.values()].reduce((n, h) => n + h.folds.length, 0);
    // too many rows: the largest keys only (plain values, which have no size: the first ones)
    const keep = rows > BY_HOST_MAX ? largest(folds, Math.max(1, Math.floor(BY_HOST_MAX / Math.max(1, hosts.length)))) : undefined;
    // every key of a map has the same shape: the first says how many columns
    const first = folds.values().next().value;
    const sample = first ? rawKey(first.id) : [];
    const width = sample.length === 1 && Array.isArray(sample[0]) && sample[0][0] === "t" && Array.isArray(sample[0][1]) ? sample[0][1].length : sample.length;
    const entries: MapEntry[] = [];
    for (const h of hosts) {
      const host: Value = { kind: "str", value: h };
      const got = m.hosts.get(h);
      const seen = new Set<Fold>();
      got?.folds.forEach((f, i) => {
        if (keep && !keep.has(f)) return;
        seen.add(f);
        entries.push({ key: [host, ...parts(decodeKey(f))], value: valueAt(got, i) });
      });
      if (!z || !ran.includes(h)) continue;
      for (const f of folds.values()) if (!seen.has(f) && (!keep || keep.has(f))) entries.push({ key: [host, ...parts(decodeKey(f))], value: z });
    }
    const known = m.first.keyNames;
    const names = known && known.length === width ? known : width === 1 ? ["key"] : Array.from({ length: width }, (_, i) => `key ${i + 1}`);
    const snap: MapSnapshot = { name: m.first.name, valueKind: m.first.valueKind, keyed: true, entries, keyNames: ["host", ...names], ...(m.first.unit !== undefined && { unit: m.first.unit }) };
    return { snap, ...(keep && { keysShown: { shown: keep.size, of: folds.size } }) };
  }
}

/** The n keys with the largest merged values (counts, sums, averages, histogram totals). */
function largest(folds: Map<string, Fold>, n: number): Set<Fold> {
  const size = (a: Aggregate): bigint => {
    switch (a.kind) {
      case "count": case "sum": case "min": case "max": return a.value;
      case "avg": case "stats": return a.count === 0n ? 0n : a.total / a.count;
      case "hist": case "lhist": return a.buckets.reduce((s, b) => s + b, 0n);
      case "value": return 0n;
      case "tseries": return a.points.reduce((last, p) => (p.epoch >= last.epoch ? p : last), { epoch: 0n, value: 0n }).value;
    }
  };
  const all = [...folds.values()].map((f) => [f, size(f.value)] as const);
  all.sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
  return new Set(all.slice(0, n).map(([f]) => f));
}
