// `username`: the program records the uid; the name comes from /etc/passwd when the value
// is printed (bpftrace resolves it in user space the same way). Re-read when the file changes.
import { readFileSync, statSync } from "node:fs";

let cached: { mtimeMs: number; names: Map<number, string> } | undefined;

/** The login name of `uid` from /etc/passwd, or undefined when no entry has that uid. */
export function userName(uid: number, passwd = "/etc/passwd"): string | undefined {
  let mtimeMs = -1;
  try {
    mtimeMs = statSync(passwd).mtimeMs;
  } catch {
    return undefined;
  }
  if (!cached || cached.mtimeMs !== mtimeMs) {
    const names = new Map<number, string>();
    for (const line of readFileSync(passwd, "utf8").split("\n")) {
      const [name, , id] = line.split(":");
      if (name && id !== undefined && /^\d+$/.test(id) && !names.has(Number(id))) names.set(Number(id), name);
    }
    cached = { mtimeMs, names };
  }
  return cached.names.get(uid);
}
