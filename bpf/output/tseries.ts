// tseries() maps as bpftrace prints them (types_format.cpp build_time_series, output/
// text.cpp TextEmitter<Value::TimeSeries>, output/json.cpp): the last num_intervals
// intervals up to the newest one any key has, each key from its own first interval on.
//
//   @a:
//                8                                                  10
//   hh:mm:ss.ms  |___________________________________________________|
//   10:41:46.500 |                         *                         | 9
//   10:41:46.600 |                                                   | -
//                v___________________________________________________v
//                8                                                  10
//
// An interval with no value prints "-" (text) or is left out (JSON); a key with no interval
// in range prints "<no data>" (text) or [] (JSON). Keys go from least to most recently updated.

import type { MapEntry, MapSnapshot, TSeriesValue } from "../types/snapshot.ts";
import { compareKeys } from "./order.ts";

/** One interval of a key: where it starts (ns since the epoch of the clock) and its value, if it has one. */
export interface Interval {
  readonly startNs: bigint;
  readonly value: bigint | undefined;
}

export interface Series {
  readonly entry: MapEntry;
  readonly intervals: readonly Interval[];
  readonly signed: boolean;
}

const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

function points(e: MapEntry): TSeriesValue["points"] {
  return e.value.kind === "tseries" ? e.value.points : [];
}

function newest(e: MapEntry): bigint {
  let n = 0n;
  for (const p of points(e)) if (p.epoch > n) n = p.epoch;
  return n;
}

/** The keys' intervals, keys ordered from least to most recently updated. */
export function timeSeries(snap: MapSnapshot): Series[] {
  const ordered = snap.entries
    .map((entry, i) => ({ entry, i, last: newest(entry) }))
    .sort((a, b) => (a.last < b.last ? -1 : a.last > b.last ? 1 : compareKeys(a.entry.key, b.entry.key) || a.i - b.i));
  const last = ordered.length ? ordered[ordered.length - 1]!.last : 2n ** 64n - 1n;
  const v = snap.entries[0]?.value;
  const count = v?.kind === "tseries" ? v.numIntervals : 1n;
  const interval = v?.kind === "tseries" ? v.intervalNs : 1n;
  // uint64 as in bpftrace: fewer epochs than intervals wrap around and leave the range empty
  const first = U64(last - count + 1n);
  return ordered.map(({ entry }) => {
    const byEpoch = new Map(points(entry).map((p) => [p.epoch, p.value]));
    let own = last;
    for (const epoch of byEpoch.keys()) if (epoch >= first && epoch < own) own = epoch;
    const intervals: Interval[] = [];
    for (let epoch = first; epoch <= last; epoch++) {
      if (epoch >= own) intervals.push({ startNs: epoch * interval, value: byEpoch.get(epoch) });
    }
    return { entry, intervals, signed: entry.value.kind === "tseries" && entry.value.signed };
  });
}

const GRAPH_WIDTH = 53;
const PADDING = 21;
const f32 = Math.fround;

/** Width of the fraction of a second for the interval (bpftrace's DisplayUnit: s 0, ms 3, us 6, ns 9). */
function unitOf(intervalNs: bigint): { digits: 0 | 3 | 6 | 9; name: string } {
  if (intervalNs >= 1_000_000_000n) return { digits: 0, name: "s" };
  if (intervalNs >= 1_000_000n) return { digits: 3, name: "ms" };
  if (intervalNs >= 1_000n) return { digits: 6, name: "μs" };
  return { digits: 9, name: "ns" };
}

/** std::setw on bytes, as an ostream pads ("μs" is two bytes). */
function padEnd(s: string, width: number): string {
  return s + " ".repeat(Math.max(0, width - Buffer.byteLength(s)));
}
function padStart(s: string, width: number): string {
  return " ".repeat(Math.max(0, width - Buffer.byteLength(s))) + s;
}

/** The local wall-clock time of an interval: "%H:%M:%S" and the fraction of the unit. */
function clock(startNs: bigint, digits: number): string {
  const secs = startNs / 1_000_000_000n;
  const d = new Date(Number(secs) * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  const hms = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  if (digits === 0) return hms;
  const ns = startNs - secs * 1_000_000_000n;
  return `${hms}.${String(ns / 10n ** BigInt(9 - digits)).padStart(digits, "0")}`;
}

/** One key's graph, as TextEmitter<Value::TimeSeries> draws it (ends in "\n" unless empty). */
export function tseriesText(intervals: readonly Interval[], signed = true): string {
  const set = intervals.filter((i) => i.value !== undefined).map((i) => i.value!);
  if (intervals.length === 0) return "<no data>";
  let min = set[0] ?? 0n;
  let max = min;
  for (const v of set) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) {
    // room on both sides of a flat line, within the type's range (a uint64 line at 0 starts at 0)
    const [lo, hi] = signed ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
    if (min > lo) min -= 1n;
    if (max < hi) max += 1n;
  }
  const span = intervals.length > 1 ? (intervals[intervals.length - 1]!.startNs - intervals[0]!.startNs) / BigInt(intervals.length - 1) : 0n;
  const unit = unitOf(span);
  const fmt = unit.digits ? `hh:mm:ss.${unit.name}` : "hh:mm:ss";
  const timeSize = 8 + (unit.digits ? 1 + unit.digits : 0);
  const bounds = `${padEnd(String(min), PADDING)}${padStart(String(max), GRAPH_WIDTH - PADDING)}\n`;
  let out = `${" ".repeat(timeSize + 1)}${bounds}`;
  out += `${padEnd(fmt, timeSize + 1)}|${"_".repeat(GRAPH_WIDTH - 2)}|\n`;
  const range = f32(Number(max - min));
  const zero = min < 0n && max > 0n ? Math.trunc(f32(f32(GRAPH_WIDTH * f32(Number(min))) / f32(Number(min - max)))) : 0;
  for (const i of intervals) {
    const line = Array.from({ length: GRAPH_WIDTH }, () => " ");
    line[0] = "|";
    line[GRAPH_WIDTH - 1] = "|";
    if (zero > 0) line[zero] = ".";
    out += `${clock(i.startNs, unit.digits)} `;
    if (i.value === undefined) {
      out += `${line.join("")} -\n`;
      continue;
    }
    const at = Math.trunc(f32(f32((GRAPH_WIDTH - 1) * f32(Number(i.value - min))) / range));
    line[Math.max(0, Math.min(GRAPH_WIDTH - 1, at))] = "*";
    out += `${line.join("")} ${i.value}\n`;
  }
  const bottom = `v${"_".repeat(GRAPH_WIDTH - 2)}v`;
  out += `${" ".repeat(timeSize)} ${bottom}\n`;
  out += `${" ".repeat(timeSize)} ${bounds}`;
  return out;
}

/** "1970-01-01 00:00:00.500000000": a C++20 sys_time in UTC, as bpftrace's JSON has it. */
function utcStamp(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const iso = new Date(Number(secs) * 1000).toISOString(); // 1970-01-01T00:00:00.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(ns - secs * 1_000_000_000n).padStart(9, "0")}`;
}

/** One key's intervals as bpftrace's JSON array (intervals without a value left out). */
export function tseriesJson(intervals: readonly Interval[]): string {
  const items = intervals.filter((i) => i.value !== undefined).map((i) => `{"interval_start":"${utcStamp(i.startNs)}","value":${i.value}}`);
  return `[${items.join(",")}]`;
}
