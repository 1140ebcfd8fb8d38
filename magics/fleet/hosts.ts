// The fleet's hosts (%hosts): a name, the Jupyter Server (or Kernel/Enterprise Gateway)
// base URL, its token and the kernelspec to start there. Tokens are secrets: they are kept
// here only, sent only in Authorization headers (never in a URL: magics/fleet/remote.ts),
// and every text a host's failure produces goes through redact() before anyone sees it.
import { readFileSync } from "node:fs";

export interface FleetHost {
  readonly name: string;
  /** The server's base URL with no query: "http://10.0.0.5:8888/". */
  readonly baseUrl: string;
  readonly token: string;
  /** The kernelspec to start there ("tracebook"; an Enterprise Gateway may name its own). */
  readonly kernel: string;
}

export const DEFAULT_KERNEL = "tracebook";
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** A token written as $NAME or ${NAME} is read from the kernel's environment (it stays out of the notebook). */
function expandToken(raw: string, env: NodeJS.ProcessEnv): string | { error: string } {
  const m = /^\$(?:\{(\w+)\}|(\w+))$/.exec(raw);
  if (!m) return raw;
  const name = (m[1] ?? m[2])!;
  const v = env[name];
  return v === undefined ? { error: `the environment has no ${name} for its token` } : v;
}

/** One host from a name and a URL with its token in the `token` query (as Jupyter prints it). */
export function hostFromUrl(name: string, url: string, extra: { token?: string; kernel?: string } = {}, env: NodeJS.ProcessEnv = process.env): FleetHost | string {
  if (!NAME.test(name)) return `'${name}' is not a host name (letters, digits, _ . -)`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // never echo the URL: it may hold the token
    return `${name}: not a URL (expected http://HOST:PORT/?token=...)`;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return `${name}: not an http or https URL`;
  const raw = extra.token ?? u.searchParams.get("token") ?? "";
  const token = expandToken(raw, env);
  if (typeof token !== "string") return `${name}: ${token.error}`;
  const kernel = extra.kernel ?? u.searchParams.get("kernel") ?? DEFAULT_KERNEL;
  const path = u.pathname.endsWith("/") ? u.pathname : `${u.pathname}/`;
  return { name, baseUrl: `${u.protocol}//${u.host}${path}`, token, kernel };
}

/** `NAME=URL` words. */
export function hostsFromWords(words: readonly string[], env: NodeJS.ProcessEnv = process.env): FleetHost[] | string {
  const hosts: FleetHost[] = [];
  for (const w of words) {
    const eq = w.indexOf("=");
    if (eq <= 0 || /[:/]/.test(w.slice(0, eq))) return `expected NAME=URL, got '${redact(w, [])}'`;
    const h = hostFromUrl(w.slice(0, eq), w.slice(eq + 1), {}, env);
    if (typeof h === "string") return h;
    hosts.push(h);
  }
  return hosts;
}

type FileEntry = string | { url?: unknown; token?: unknown; kernel?: unknown; name?: unknown };

/**
 * A hosts file: `{"a": "http://...?token=...", "b": {"url": "...", "token": "$B_TOKEN",
 * "kernel": "tracebook"}}`, the same under a "hosts" key, or a list of {name, url, token, kernel}.
 */
export function hostsFromFile(path: string, env: NodeJS.ProcessEnv = process.env): FleetHost[] | string {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? "not JSON";
    return `cannot read hosts file ${path}: ${why}`;
  }
  const top = data && typeof data === "object" && !Array.isArray(data) && "hosts" in data ? (data as { hosts: unknown }).hosts : data;
  const entries: [string, FileEntry][] = Array.isArray(top)
    ? top.map((e: FileEntry) => [typeof e === "object" && e && typeof e.name === "string" ? e.name : "", e])
    : top && typeof top === "object" ? Object.entries(top as Record<string, FileEntry>) : [];
  if (entries.length === 0) return `hosts file ${path}: no hosts (expected {"NAME": "URL", ...} or [{"name", "url", "token"}])`;
  const hosts: FleetHost[] = [];
  for (const [name, e] of entries) {
    const url = typeof e === "string" ? e : e && typeof e.url === "string" ? e.url : undefined;
    if (url === undefined) return `hosts file ${path}: ${name || "an entry"} has no url`;
    const extra = typeof e === "object" && e ? { ...(typeof e.token === "string" && { token: e.token }), ...(typeof e.kernel === "string" && { kernel: e.kernel }) } : {};
    const h = hostFromUrl(name, url, extra, env);
    if (typeof h === "string") return `hosts file ${path}: ${h}`;
    hosts.push(h);
  }
  return hosts;
}

/** Duplicate names, if any. */
export function duplicateNames(hosts: readonly FleetHost[]): string[] {
  const seen = new Set<string>();
  return hosts.flatMap((h) => (seen.has(h.name) ? [h.name] : (seen.add(h.name), [])));
}

/**
 * `text` with every token of `hosts` (and its URL-encoded form) and any `token=` query
 * value replaced by "…": what may be shown of an error from a host.
 */
export function redact(text: string, hosts: readonly Pick<FleetHost, "token">[]): string {
  let out = text.replace(/([?&]token=)[^&\s"'#]+/gi, "$1…").replace(/(Authorization:?\s*"?token\s+)[^\s"',]+/gi, "$1…");
  for (const { token } of hosts) {
    if (token === "") continue;
    for (const form of new Set([token, encodeURIComponent(token)])) out = out.split(form).join("…");
  }
  return out;
}
