// What cat() and system() do in user space when their ring-buffer record arrives, as
// bpftrace's async handlers do them (their rows' event hooks call these through the
// run's EventContext): cat() prints a file, system() runs a shell command (only compiled
// with --unsafe).
import { closeSync, openSync, readSync } from "node:fs";
import { spawnSync } from "node:child_process";
import type { ActionOutput } from "../functions/decode.ts";

/** bpftrace's max_cat_bytes: cat() prints at most this much of a file. */
export const MAX_CAT_BYTES = 10240;

/** cat(): the first `limit` bytes of the file (max_cat_bytes), as is; errors in bpftrace's SystemError words ("... (reason)"). */
export function catFile(path: string, limit = MAX_CAT_BYTES): ActionOutput {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    return { out: "", err: `ERROR: failed to open file '${path}' (${describe(e)})\n` };
  }
  try {
    const buf = Buffer.alloc(limit);
    let n = 0;
    // /proc and /sys files report size 0: read until EOF or the limit.
    for (;;) {
      if (n >= limit) break;
      const r = readSync(fd, buf, n, limit - n, null);
      if (r <= 0) break;
      n += r;
    }
    return { out: buf.subarray(0, n).toString("utf8") };
  } catch (e) {
    return { out: "", err: `ERROR: failed to read file '${path}' (${describe(e)})\n` };
  } finally {
    closeSync(fd);
  }
}

/** system(): `sh -c cmd`, its stdout printed and its stderr passed on (bpftrace 0.17). */
export function runSystem(cmd: string): ActionOutput {
  const r = spawnSync("/bin/sh", ["-c", cmd], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) return { out: "", err: `ERROR: system("${cmd}"): ${r.error.message}\n` };
  return { out: r.stdout ?? "", ...(r.stderr ? { err: r.stderr } : {}) };
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const texts: Record<string, string> = { ENOENT: "No such file or directory", EACCES: "Permission denied", EISDIR: "Is a directory" };
  return (code && texts[code]) ?? (e as Error).message;
}
