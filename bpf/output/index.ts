// bpf/output owns bpftrace's text formats, as pure functions: map snapshots as bpftrace
// prints them at exit and on print(@m, top, div), its `-f json` lines, printf (the format
// applied to decoded values), strftime(3) with bpftrace's extensions, and the text of
// ntop()/macaddr() values. It depends only on bpf/types (snapshot.ts, abi.ts); it must not
// import native/, the session, any other pass, or anything Jupyter (magics/display/ builds
// rich output on top of it).

export { formatMap, type PrintOptions } from "./text.ts";
export { formatHelperErrorJson, formatMapJson, formatOutputJson, formatPrintfJson, jsonEscape, jsonMapType } from "./json.ts";
export { barWidth, bucketRows, histBucketOf, histLines, histRows, lhistRows, type BucketRow } from "./hist.ts";
export { aggregateNumber, average, bucketTotal, compareKeys, orderEntries, takeTop } from "./order.ts";
export { entryName, hexFormatBuffer, keyText, stackText, valueText } from "./value-text.ts";
export { applyFormat, formatOne } from "./printf.ts";
export { type FormatSpec, parseFormat } from "./printf-format.ts";
export { formatBootTimestamp, strftime } from "./strftime.ts";
export { inetText, ipv4Text, ipv6Text, macText } from "./value-format.ts";
