// tracefs: where it is mounted, which tracepoints it has, and what their records look
// like. `parseFormat` is pure (a recorded `format` file in, fields out); the readers take
// the mount point so tests can point them at test/fixtures/tracefs.
//
// A format file:
//   name: sys_enter_openat
//   ID: 782
//   format:
//   	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
//   	...                                    <- common fields, then an empty line
//   	field:const char * filename;	offset:24;	size:8;	signed:0;
//   	field:__data_loc char[] name;	offset:8;	size:4;	signed:0;
//   print fmt: "..."
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TracepointField, TracepointFormat } from "./probe-env.ts";

/** Mount points, in the order they are tried. debugfs's copy is the pre-4.1 location. */
export const TRACEFS_MOUNTS = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"] as const;

export interface FormatField extends TracepointField {
  /** The type as written, without the name: "const char *", "char[16]", "__data_loc char[]". */
  readonly cType: string;
  readonly isArray: boolean;
  /** Elements of a fixed array; 0 for a flexible one (`args[]`); undefined if not an array. */
  readonly arrayLen?: number;
  /**
   * `__data_loc T[]`: the field is a u32 holding (length << 16 | offset of the data from
   * the record's start). `__rel_loc` is the same, with the offset counted from the end of
   * the field itself (isRelLoc).
   */
  readonly isDataLoc: boolean;
  readonly isRelLoc?: boolean;
  /** common_type, common_flags, ...: before the empty line in the format file. */
  readonly common: boolean;
  /** The declaration as written between "field:" and ";": "char prev_comm[16]". */
  readonly decl: string;
}

export interface FormatFile extends TracepointFormat {
  readonly name: string;
  readonly id: number;
  readonly fields: readonly FormatField[];
  readonly printFmt: string;
}

export class TracefsError extends Error {
  override readonly name = "TracefsError";
}

const FIELD_RE = /^\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);(?:\s*signed:(\d+);)?/;

/** Parse one `field:` declaration ("const char * filename", "char comm[16]"). */
export function parseFieldDecl(decl: string): Pick<FormatField, "name" | "cType" | "isArray" | "arrayLen" | "isDataLoc" | "isRelLoc"> {
  let text = decl.trim();
  let isDataLoc = false;
  let isRelLoc = false;
  const loc = /^__(data|rel)_loc\s+/.exec(text);
  if (loc) {
    isDataLoc = true;
    isRelLoc = loc[1] === "rel";
  }
  // The name is the last identifier, optionally followed by [LEN].
  const m = /([A-Za-z_]\w*)\s*(\[\s*(\w*)\s*\])?\s*$/.exec(text);
  if (!m) throw new TracefsError(`tracefs: cannot parse field declaration '${decl}'`);
  const name = m[1]!;
  text = text.slice(0, m.index).trim();
  let isArray = false;
  let arrayLen: number | undefined;
  if (m[2] !== undefined) {
    isArray = true;
    const len = m[3] ?? "";
    arrayLen = len === "" ? 0 : Number(len);
    if (!Number.isFinite(arrayLen)) arrayLen = undefined;
    text = `${text}[${len}]`;
  }
  // A data-loc field is a u32 locator, not an array in the record.
  if (isDataLoc) isArray = false;
  return { name, cType: text, isArray, ...(isArray ? { arrayLen } : {}), isDataLoc, ...(isRelLoc ? { isRelLoc } : {}) };
}

/** Parse the text of an events/CATEGORY/EVENT/format file. */
export function parseFormat(text: string): FormatFile {
  const lines = text.split("\n");
  let name = "";
  let id = -1;
  let printFmt = "";
  let common = true;
  let inFormat = false;
  const fields: FormatField[] = [];
  for (const line of lines) {
    if (line.startsWith("name:")) name = line.slice(5).trim();
    else if (line.startsWith("ID:")) id = Number(line.slice(3).trim());
    else if (line.startsWith("format:")) inFormat = true;
    else if (line.startsWith("print fmt:")) {
      printFmt = line.slice("print fmt:".length).trim();
      inFormat = false;
    } else if (inFormat && line.trim() === "") {
      if (fields.length > 0) common = false;
    } else if (inFormat) {
      const m = FIELD_RE.exec(line);
      if (!m) continue;
      const decl = m[1]!.trim();
      const parsed = parseFieldDecl(decl);
      const size = Number(m[3]);
      fields.push({
        ...parsed,
        decl,
        offset: Number(m[2]),
        size,
        // Kernels before 2.6.31 had no signed: column.
        signed: m[4] !== undefined ? m[4] === "1" : /^(int|long|short|char|s\d+|__s\d+|pid_t)\b/.test(parsed.cType),
        common,
      });
    }
  }
  if (!Number.isInteger(id) || id < 0) throw new TracefsError(`tracefs: format of '${name || "?"}' has no ID`);
  return { name, id, fields, printFmt };
}

/** The tracefs mount point, or undefined when tracefs is not mounted. */
export function findTracefs(exists: (path: string) => boolean = existsSync): string | undefined {
  return TRACEFS_MOUNTS.find((m) => exists(join(m, "events")));
}

/** Why no tracefs can be read here: what, and what to do. */
export interface TracefsProblem {
  readonly message: string;
  readonly hints: readonly string[];
}

/**
 * undefined when a tracefs is readable; else whether one is mounted but closed to this
 * user (tracefs is mode 0700 by default: only root reads it) or none is mounted.
 */
export function tracefsProblem(exists: (path: string) => boolean = existsSync): TracefsProblem | undefined {
  if (findTracefs(exists)) return undefined;
  for (const m of TRACEFS_MOUNTS) {
    try {
      readdirSync(m);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EACCES" || code === "EPERM") {
        return {
          message: `tracefs (${m}) is not readable by this user (uid ${process.getuid?.() ?? "?"})`,
          hints: [
            "tracepoints are found and described through tracefs, which only root reads by default: run as root, or with CAP_BPF, CAP_PERFMON and read access to tracefs",
            `or let others read it: mount -o remount,mode=755 ${m}`,
          ],
        };
      }
    }
  }
  return { message: "tracefs is not mounted", hints: ["mount -t tracefs nodev /sys/kernel/tracing (as root)"] };
}

/**
 * "category:event" for every tracepoint, sorted: from `available_events` (as bpftrace
 * reads it), or by walking events/ where that file is absent (as in recorded fixtures).
 */
export function listTracepoints(root: string): string[] {
  let names: string[];
  try {
    names = readFileSync(join(root, "available_events"), "utf8").split("\n").filter((l) => l.includes(":"));
  } catch {
    names = [];
    const events = join(root, "events");
    for (const cat of readdirSync(events, { withFileTypes: true })) {
      if (!cat.isDirectory()) continue;
      for (const ev of readdirSync(join(events, cat.name), { withFileTypes: true })) {
        if (ev.isDirectory() && existsSync(join(events, cat.name, ev.name, "format"))) names.push(`${cat.name}:${ev.name}`);
      }
    }
  }
  return [...new Set(names)].sort();
}

/** Path of a tracepoint's format file under a tracefs root. */
export function formatPath(root: string, category: string, event: string): string {
  return join(root, "events", category, event, "format");
}

/** Read and parse a tracepoint's format, or undefined when it does not exist. */
export function readFormat(root: string, category: string, event: string): FormatFile | undefined {
  if (!/^[\w.-]+$/.test(category) || !/^[\w.-]+$/.test(event)) return undefined;
  let text: string;
  try {
    text = readFileSync(formatPath(root, category, event), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  return parseFormat(text);
}
