// A map as bpftrace prints it at exit and on print(@m, top, div), byte for byte
// (bpftrace v0.23, the last release with this text output; v0.24 rewrote it).
//
//   count/sum/min/max/values   entries joined by "\n", then "\n"      @c: 3\n
//   avg/stats                  entries joined by "\n", then "\n\n"    @s: { .count = 2, .average = 5, .total = 10 }\n\n
//                              (stats as a record: bpftrace HEAD's text, not v0.23's "count 2, average 5, total 10")
//   hist/lhist                 "@h:\n" + bucket lines per entry, joined by "\n", then "\n"
//   an empty map               just its terminator ("\n", or "\n\n" for avg/stats)
//
// Values of type ksym, usym, inet and stacks get no "\n" between entries (stacks end in
// one; the others run together, as bpftrace prints them).

import type { MapEntry, MapSnapshot, Value } from "../types/snapshot.ts";
import { bucketRows, histLines } from "./hist.ts";
import { average, orderEntries, takeTop } from "./order.ts";
import { divide, entryName, valueText } from "./value-text.ts";
import { timeSeries, tseriesText } from "./tseries.ts";

export interface PrintOptions {
  /** print(@m, top): only the `top` largest entries (0 or absent: all). */
  readonly top?: number;
  /** print(@m, top, div): divide the values (0 or absent: 1). */
  readonly div?: bigint;
}

/** True when bpftrace prints no delimiter after values of this kind (map_elem_delim). */
function runsTogether(v: Value): boolean {
  if (v.kind === "stack") return true;
  return v.kind === "text" && (v.origin === "ksym" || v.origin === "usym" || v.origin === "inet");
}

/** One entry, without the delimiter that follows it. */
function entryText(snap: MapSnapshot, e: MapEntry, div: bigint): string {
  const name = entryName(snap.name, snap.keyed, e.key);
  const v = e.value;
  switch (v.kind) {
    case "hist":
    case "lhist":
      return `${name}:\n${histLines(bucketRows(v, div))}`;
    case "value":
      return `${name}: ${valueText(v.value, div)}`;
    case "count":
    case "sum":
    case "min":
    case "max":
      return `${name}: ${divide(v.value, div)}`;
    case "avg":
      return `${name}: ${divide(average(v.count, v.total), div)}`;
    case "stats":
      return `${name}: { .count = ${v.count}, .average = ${divide(average(v.count, v.total), div)}, .total = ${v.total} }`;
    case "tseries":
      return `${name}:\n${tseriesText([])}`;
  }
}

/** The map printed as bpftrace prints it, with its trailing newline(s). */
export function formatMap(snap: MapSnapshot, opts: PrintOptions = {}): string {
  const div = opts.div && opts.div > 0n ? opts.div : 1n;
  // a time series is laid out against the newest interval of all keys; top and div do not apply
  if (snap.valueKind === "tseries") {
    return timeSeries(snap).map((s) => `${entryName(snap.name, snap.keyed, s.entry.key)}:\n${tseriesText(s.intervals, s.signed)}\n`).join("") || "\n";
  }
  const entries = takeTop(orderEntries(snap), snap.valueKind, opts.top);
  let out = "";
  entries.forEach((e, i) => {
    if (i > 0) {
      const prev = entries[i - 1]?.value;
      if (!(prev?.kind === "value" && runsTogether(prev.value))) out += "\n";
    }
    out += entryText(snap, e, div);
  });
  return out + (snap.valueKind === "avg" || snap.valueKind === "stats" ? "\n\n" : "\n");
}
