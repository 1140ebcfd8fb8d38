// bpf/output owns bpftrace-compatible renderings of map snapshots and printf lines: the
// text bpftrace prints at exit and on print(@m, top, div), and its `-f json` lines. It
// depends only on bpf/maps/snapshot.ts; it must not import native/, the session, or
// anything Jupyter (magics/display/ builds rich output on top of it).

export { formatMap, type PrintOptions } from "./text.ts";
export { formatMapJson, formatOutputJson, formatPrintfJson, jsonEscape, jsonMapType } from "./json.ts";
export { barWidth, bucketRows, histBucketOf, histLines, histRows, lhistRows, type BucketRow } from "./hist.ts";
export { average, bucketTotal, compareKeys, orderEntries, takeTop } from "./order.ts";
export { entryName, hexFormatBuffer, keyText, stackText, valueText } from "./value-text.ts";
