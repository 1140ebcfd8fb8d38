// bpftrace's `-f json` lines (v0.23 JsonOutput): one NDJSON object per map or message.
//
//   {"type": "map", "data": {"@c": 3}}
//   {"type": "map", "data": {"@calls": {"open": 1, "read": 2}}}
//   {"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}, ...]}}
//   {"type": "stats", "data": {"@s": {"count": 2, "average": 5, "total": 10}}}
//   {"type": "printf", "data": "hello\n"}
//
// Keys are strings: parts joined by "," (no space), escaped twice as bpftrace does (once
// as a string part, once as the key). Where bpftrace writes invalid JSON we do not:
// non-ASCII bytes pass through as UTF-8 instead of "\uffffffXX", and pre-rendered text
// values (ksym, mac addresses, enums, ...) are always quoted.

import type { MapEntry, MapSnapshot, Value } from "../types/snapshot.ts";
import { bucketRows, type BucketRow } from "./hist.ts";
import { average, orderEntries, takeTop } from "./order.ts";
import type { PrintOptions } from "./text.ts";
import { divide, hexFormatBuffer, stackText } from "./value-text.ts";
import { timeSeries, tseriesJson } from "./tseries.ts";

/** bpftrace's json_escape: \" \\ \n \r \t, other control characters as \u00XX. */
export function jsonEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c <= 0x1f) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out;
}

/** A value inside a key: quoted kinds are escaped but not quoted; tuples join with ",". */
function keyPartJson(v: Value): string {
  switch (v.kind) {
    case "int":
      return String(v.value);
    case "bool":
      return String(v.value);
    case "tuple":
      return `[${v.elements.map((e) => valueJson(e)).join(",")}]`;
    default:
      return jsonEscape(plainText(v));
  }
}

/** The text of a quoted kind, before escaping. */
function plainText(v: Value): string {
  switch (v.kind) {
    case "str":
      return v.value;
    case "stack":
      return stackText(v.frames, v.mode);
    case "buf":
      return hexFormatBuffer(v.bytes);
    case "text":
      return v.text;
    case "int":
    case "bool":
      return String(v.value);
    case "tuple":
      return v.elements.map(plainText).join(", ");
    case "record":
    case "array":
      return valueJson(v);
  }
}

/** A value: integers bare, tuples as arrays without spaces, everything else a string. */
function valueJson(v: Value, div = 1n): string {
  // enum variants are numbers in JSON (bpftrace's JsonEmitter<Symbolic>)
  if (v.kind === "int") return String(divide(v.value, div));
  if (v.kind === "bool") return String(v.value);
  // bpftrace prints pointers in JSON as numbers (`@ = (int16 *)0x32` is {"@": 50})
  // (quoted when a double cannot hold them, as bpftrace's JsonEmitter does for any integer)
  if (v.kind === "text" && v.origin === "pointer") {
    const n = BigInt(v.text);
    return BigInt(Number(n)) === n ? String(n) : `"${n}"`;
  }
  if (v.kind === "text" && v.origin === "none") return "null";
  if (v.kind === "tuple" || v.kind === "array") return `[${v.elements.map((e) => valueJson(e, div)).join(",")}]`;
  // bpftrace's JsonEmitter<Primitive::Record>: an object, spaced
  if (v.kind === "record") return `{${v.fields.map((f) => `"${jsonEscape(f.name)}": ${valueJson(f.value, div)}`).join(", ")}}`;
  return `"${jsonEscape(plainText(v))}"`;
}

function keyJson(key: readonly Value[]): string {
  const only = key.length === 1 ? key[0] : undefined;
  const parts = only?.kind === "tuple" ? only.elements : key;
  return `"${jsonEscape(parts.map(keyPartJson).join(","))}"`;
}

function bucketsJson(rows: readonly BucketRow[]): string {
  const items = rows.map((r) => {
    const min = r.low !== undefined ? `"min": ${r.low}, ` : "";
    const max = r.high !== undefined ? `"max": ${r.high}, ` : "";
    return `{${min}${max}"count": ${r.count}}`;
  });
  return `[${items.join(", ")}]`;
}

function entryValueJson(e: MapEntry, div: bigint): string {
  const v = e.value;
  switch (v.kind) {
    case "hist":
    case "lhist":
      return bucketsJson(bucketRows(v, div));
    case "value":
      return valueJson(v.value, div);
    case "count":
    case "sum":
    case "min":
    case "max":
      return String(divide(v.value, div));
    case "avg":
      return String(divide(average(v.count, v.total), div));
    case "stats":
      return `{"count": ${v.count}, "average": ${divide(average(v.count, v.total), div)}, "total": ${v.total}}`;
    case "tseries":
      return tseriesJson([]);
  }
}

/** The message type bpftrace gives a map of this kind. */
export function jsonMapType(kind: MapSnapshot["valueKind"]): "map" | "hist" | "stats" | "tseries" {
  if (kind === "hist" || kind === "lhist") return "hist";
  if (kind === "tseries") return "tseries";
  if (kind === "avg" || kind === "stats") return "stats";
  return "map";
}

/**
 * The map as one `-f json` line (with its "\n"), or "" for an empty map, which bpftrace
 * does not print in JSON mode.
 */
export function formatMapJson(snap: MapSnapshot, opts: PrintOptions = {}): string {
  const div = opts.div && opts.div > 0n ? opts.div : 1n;
  const series = snap.valueKind === "tseries" ? timeSeries(snap) : undefined;
  const entries = series ? series.map((s) => s.entry) : takeTop(orderEntries(snap), snap.valueKind, opts.top);
  if (entries.length === 0) return "";
  const keyed = snap.keyed || entries.some((e) => e.key.length > 0);
  const items = entries.map((e, i) => (keyed ? `${keyJson(e.key)}: ` : "") + (series ? tseriesJson(series[i]!.intervals) : entryValueJson(e, div)));
  const body = keyed ? `{${items.join(", ")}}` : items.join(", ");
  return `{"type": "${jsonMapType(snap.valueKind)}", "data": {"${jsonEscape(snap.name)}": ${body}}}\n`;
}

/**
 * A line of program output in `-f json` mode, as bpftrace's JsonOutput writes it:
 * {"type": "printf" | "time" | "cat" | "join" | "syscall", "data": TEXT}, and print(value)
 * as {"type": "value", "data": VALUE}.
 */
export function formatOutputJson(text: string, kind: "printf" | "time" | "cat" | "join" | "syscall" | "value", value?: Value): string {
  if (kind === "value" && value) return `{"type": "value", "data": ${valueJson(value)}}\n`;
  // join()'s text form ends with the newline bpftrace's TextOutput adds; its JsonOutput
  // has no such newline (system()'s "syscall" keeps the command's own output as it is)
  if (kind === "join" && text.endsWith("\n")) text = text.slice(0, -1);
  return `{"type": "${kind}", "data": "${jsonEscape(text)}"}\n`;
}

/** A -k helper error's fields, for bpftrace's JSON record (JsonOutput::runtime_error). */
export interface HelperErrorInfo {
  readonly msg: string;
  readonly helper: string;
  readonly retcode: number;
  readonly filename: string;
  readonly line: number;
  readonly col: number;
}

/** A -k helper error in `-f json` mode (bpftrace's JsonOutput::runtime_error: only the top location). */
export function formatHelperErrorJson(h: HelperErrorInfo): string {
  return `{"type": "helper_error", "msg": "${jsonEscape(h.msg)}", "helper": "${jsonEscape(h.helper)}", "retcode": ${h.retcode}, "filename": "${jsonEscape(h.filename)}", "line": ${h.line}, "col": ${h.col}}\n`;
}

/** A printf() line in `-f json` mode. */
export function formatPrintfJson(text: string): string {
  return `{"type": "printf", "data": "${jsonEscape(text)}"}\n`;
}
