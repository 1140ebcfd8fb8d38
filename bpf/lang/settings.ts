// bpftrace's config variables: `config = { max_strlen = 128; stack_mode = perf }` at the top
// of a program, and the same names as BPFTRACE_* environment variables (BPFTRACE_MAX_STRLEN,
// BPFTRACE_STACK_MODE, ...). Names are accepted as `max_strlen`, `MAX_STRLEN` or
// `BPFTRACE_MAX_STRLEN`; environment variables win over the config block (bpftrace's
// ConfigAnalyser reloads the environment after the block). Pure: the caller hands in the
// environment.
//
// max_strlen is the size of str()'s value in bytes. As in bpftrace HEAD, below 1024 str()
// reads one byte more and keeps max_strlen characters without their NUL when the string is
// longer (printed with str_trunc_trailer after them); from 1024 on the NUL is one of the
// max_strlen bytes.

import type { ConfigItem } from "./ast.ts";
import { type Diagnostic, diagnostic } from "../types/diagnostic.ts";

import { DEFAULT_STRLEN, type StackMode } from "../types/types.ts";

export type { StackMode };
export type MissingProbes = "error" | "warn" | "ignore";

export interface Settings {
  /** Bytes of a string made by str() (NUL included). */
  readonly maxStrlen: number;
  /** max_entries of a map that has no declaration (`let @m = hash(N)`). */
  readonly maxMapKeys: number;
  /** How kstack/ustack print: "do_mmap+1", "\tffffffff81234567 do_mmap+1" or the bare address. */
  readonly stackMode: StackMode;
  /** show_debug_info: ustack frames carry the source file and line (and inlined calls) when the file has DWARF. */
  readonly showDebugInfo: boolean;
  /** What an attach point that does not exist here does: fail the program, warn, or nothing. */
  readonly missingProbes: MissingProbes;
  /** Bytes of verifier log kept when a program is refused; undefined: native/'s 16 MiB. */
  readonly logSize: number | undefined;
  /** Pages of the event ring buffer (a power of two); undefined: the built-in 4 MiB. */
  readonly perfRbPages: number | undefined;
  /** Printed after a string that filled its value without a NUL (it was cut at max_strlen). */
  readonly strTruncTrailer: string;
  /** Bytes of a file cat() prints at most. */
  readonly maxCatBytes: number;
  /** Print the maps the program wrote when it ends. */
  readonly printMapsOnExit: boolean;
  /**
   * BPFTRACE_DUMMY_TS_MAP (environment only): the scalar map tseries() reads its time from
   * instead of the clock, bpftrace's hook for tests that step time themselves.
   */
  readonly dummyTsMap: string | undefined;
}

export const DEFAULT_SETTINGS: Settings = {
  maxStrlen: DEFAULT_STRLEN,
  maxMapKeys: 4096,
  stackMode: "bpftrace",
  showDebugInfo: true,
  missingProbes: "error",
  logSize: undefined,
  perfRbPages: undefined,
  strTruncTrailer: "..",
  maxCatBytes: 10240,
  printMapsOnExit: true,
  dummyTsMap: undefined,
};

type Draft = { -readonly [K in keyof Settings]: Settings[K] };
type Value = bigint | string;
/**
 * Sets the field from a value; returns an error detail when the value is not valid (shown
 * after the key), or a whole message (`{ alone }`, bpftrace's for the license).
 */
type Setter = (d: Draft, v: Value) => string | { readonly alone: string } | undefined;

function uint(v: Value): bigint | undefined {
  if (typeof v === "bigint") return v >= 0n ? v : undefined;
  const t = v.trim();
  return /^(0x[0-9a-f]+|\d+)$/i.test(t) ? BigInt(t) : undefined;
}

function number(apply: (d: Draft, n: number) => string | undefined): Setter {
  return (d, v) => {
    const n = uint(v);
    if (n === undefined) return `expecting a number, got ${v}`;
    return apply(d, Number(n));
  };
}

function boolean(apply: (d: Draft, b: boolean) => void): Setter {
  return (d, v) => {
    const s = String(v).toLowerCase();
    if (["1", "true", "yes", "on"].includes(s)) apply(d, true);
    else if (["0", "false", "no", "off"].includes(s)) apply(d, false);
    else return "Invalid bool value: valid values are true, false, 1 or 0.";
    return undefined;
  };
}

const ignored: Setter = () => undefined;

const SETTERS: Readonly<Record<string, Setter>> = {
  max_strlen: number((d, n) => {
    if (n < 2) return "must be at least 2";
    // what does not fit the BPF stack lives in a per-CPU scratch value of at most 32 KiB
    if (n > 32_000) return "must be at most 32000";
    d.maxStrlen = n;
    return undefined;
  }),
  max_map_keys: number((d, n) => {
    if (n < 1) return "must be at least 1";
    d.maxMapKeys = n;
    return undefined;
  }),
  stack_mode: (d, v) => {
    const s = String(v);
    if (s !== "bpftrace" && s !== "perf" && s !== "raw" && s !== "build_id") return "Invalid value for stack_mode: valid values are bpftrace, raw, perf, and build_id.";
    d.stackMode = s;
    return undefined;
  },
  missing_probes: (d, v) => {
    const s = typeof v === "string" ? v.toLowerCase() : "";
    if (s !== "error" && s !== "warn" && s !== "ignore") return "Invalid value for missing_probes: valid values are ignore, warn, and error.";
    d.missingProbes = s;
    return undefined;
  },
  log_size: number((d, n) => {
    d.logSize = n;
    return undefined;
  }),
  perf_rb_pages: number((d, n) => {
    if (n < 1 || (n & (n - 1)) !== 0) return `must be a power of two, got ${n}`;
    d.perfRbPages = n;
    return undefined;
  }),
  print_maps_on_exit: boolean((d, b) => (d.printMapsOnExit = b)),
  // Accepted so that portable scripts run; they change nothing here.
  cache_user_symbols: ignored,
  cpp_demangle: boolean(() => {}),
  lazy_symbolication: boolean(() => {}),
  // Every license bpftrace accepts is GPL-compatible, as the helpers we call need: checked only.
  license: (_d, v) => (LICENSES.includes(String(v)) ? undefined : { alone: `Invalid value for license. Found: ${v}. Valid values: ${LICENSES.join(", ")}` }),
  max_bpf_progs: number(() => undefined),
  max_cat_bytes: number((d, n) => {
    d.maxCatBytes = n;
    return undefined;
  }),
  max_probes: number(() => undefined),
  on_stack_limit: number(() => undefined),
  str_trunc_trailer: (d, v) => {
    d.strTruncTrailer = String(v);
    return undefined;
  },
  show_debug_info: boolean((d, b) => (d.showDebugInfo = b)),
  use_blazesym: boolean(() => {}),
};

/** In the order bpftrace lists them. */
const LICENSES = ["Dual MIT/GPL", "Dual BSD/GPL", "Dual MPL/GPL", "GPL and additional rights", "GPL v2", "GPL"];

/** Old names bpftrace still understands, with a warning. */
const RENAMED: Readonly<Record<string, string>> = {
  strlen: "max_strlen",
  map_keys_max: "max_map_keys",
  cat_bytes_max: "max_cat_bytes",
  no_cpp_demangle: "cpp_demangle",
};

const ENV_ONLY = new Set(["btf", "kernel_build", "kernel_source", "vmlinux"]);

function normalize(key: string): string {
  const k = key.toLowerCase();
  return k.startsWith("bpftrace_") ? k.slice("bpftrace_".length) : k;
}

export type SetResult = { readonly error?: string; readonly renamedTo?: string };

/** Set one config variable by any of its names; errors read like bpftrace's. */
export function setSetting(d: Draft, key: string, value: Value): SetResult {
  let k = normalize(key);
  const renamedTo = RENAMED[k];
  if (renamedTo) k = renamedTo;
  const setter = SETTERS[k];
  if (!setter) {
    if (ENV_ONLY.has(k)) return { error: `${key}: can only be set as an environment variable` };
    return { error: `${key}: not a known configuration option` };
  }
  const err = setter(d, value);
  if (typeof err === "object") return { error: err.alone };
  if (err) return { error: `${key}: ${err}` };
  return renamedTo ? { renamedTo } : {};
}

/** The settings the environment sets, in bpftrace's names (old names count, the new ones win). */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): { settings: Partial<Settings>; errors: string[] } {
  const d = {} as Draft;
  const errors: string[] = [];
  const names = [...Object.keys(RENAMED), ...Object.keys(SETTERS)];
  for (const name of names) {
    const envName = `BPFTRACE_${name.toUpperCase()}`;
    const v = env[envName];
    if (v === undefined) continue;
    const r = setSetting(d, envName, v);
    if (r.error) errors.push(r.error);
  }
  if (env.BPFTRACE_DUMMY_TS_MAP) d.dummyTsMap = env.BPFTRACE_DUMMY_TS_MAP;
  return { settings: d, errors };
}

/** Defaults, then the program's config block (`items`), then the environment's `overrides`. */
export function applySettings(items: readonly { key: string; value: Value }[], overrides: Partial<Settings> = {}, onItem?: (index: number, r: SetResult) => void): Settings {
  const d: Draft = { ...DEFAULT_SETTINGS };
  items.forEach((it, i) => {
    const r = setSetting(d, it.key, it.value);
    onItem?.(i, r);
  });
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (d as Record<string, unknown>)[k] = v;
  return d;
}

/**
 * The settings of one program: its `config = { ... }` block over the defaults, the
 * environment's `overrides` over both; a bad item is an error on its span, an old name a
 * warning (bpftrace: "map_keys_max has been renamed, please use max_map_keys").
 */
export function programSettings(config: readonly ConfigItem[], overrides: Partial<Settings> = {}): { settings: Settings; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const settings = applySettings(config, overrides, (i, r) => {
    const item = config[i]!;
    if (r.error) diagnostics.push(diagnostic("SemanticError", item.span, r.error));
    else if (r.renamedTo) diagnostics.push(diagnostic("SemanticError", item.span, `${item.key} has been renamed, please use ${r.renamedTo}`, [], "warning"));
  });
  return { settings, diagnostics };
}
