// bpftrace's config variables (bpf/lang/settings.ts) and what they change in compile: the
// `config = { ... }` block, BPFTRACE_* environment variables winning over it, bpftrace's
// error texts for bad names and values, max_strlen / max_map_keys / stack_mode /
// missing_probes / perf_rb_pages in the checked types and map specs, the --unsafe gate,
// and -p PID scoping (pid in the attach spec, or a pid test at the program's entry).
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { disassemble } from "../../bpf/asm/index.ts";
import { compile, type CompileOptions } from "../../bpf/codegen/compile.ts";
import { type ProgramSpec } from "../../bpf/codegen/spec.ts";
import { EVENTS_MAP } from "../../bpf/types/internal-maps.ts";
import { renderDiagnostics } from "../../bpf/types/diagnostic.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { DEFAULT_SETTINGS, programSettings, settingsFromEnv } from "../../bpf/lang/settings.ts";
import { parse } from "../../bpf/lang/index.ts";

const here = dirname(fileURLToPath(import.meta.url));
const env = recordedEnv(join(here, "../fixtures/tracefs"));

function build(source: string, extra: Partial<CompileOptions> = {}): { spec: ProgramSpec | undefined; text: string } {
  const r = compile(source, { env, origin: "stdin", ...extra });
  return { spec: r.spec, text: renderDiagnostics(r.diagnostics, source, "stdin") };
}

function clean(source: string, extra: Partial<CompileOptions> = {}): ProgramSpec {
  const { spec, text } = build(source, extra);
  expect(text).toBe("");
  if (!spec) throw new Error("no spec");
  return spec;
}

function config(source: string) {
  const p = parse(source).program;
  if (!p) throw new Error("no program");
  return p.config;
}

describe("settings from the environment", () => {
  it("reads bpftrace's names and the old ones; the new name wins", () => {
    const r = settingsFromEnv({ BPFTRACE_MAX_STRLEN: "32", BPFTRACE_MAP_KEYS_MAX: "10", BPFTRACE_STACK_MODE: "perf", BPFTRACE_MISSING_PROBES: "warn" });
    expect(r.errors).toEqual([]);
    expect(r.settings).toEqual({ maxStrlen: 32, maxMapKeys: 10, stackMode: "perf", missingProbes: "warn" });
    expect(settingsFromEnv({ BPFTRACE_STRLEN: "16", BPFTRACE_MAX_STRLEN: "24" }).settings.maxStrlen).toBe(24);
    expect(settingsFromEnv({ BPFTRACE_MAX_MAP_KEYS: "100", BPFTRACE_MAP_KEYS_MAX: "5" }).settings.maxMapKeys).toBe(100);
    expect(settingsFromEnv({ HOME: "/root" }).settings).toEqual({});
    expect(settingsFromEnv({ BPFTRACE_STR_TRUNC_TRAILER: "_xxx", BPFTRACE_MAX_CAT_BYTES: "1" }).settings).toEqual({ strTruncTrailer: "_xxx", maxCatBytes: 1 });
    expect(settingsFromEnv({ BPFTRACE_CAT_BYTES_MAX: "7" }).settings).toEqual({ maxCatBytes: 7 });
  });

  it("refuses bad values with bpftrace's words", () => {
    expect(settingsFromEnv({ BPFTRACE_MAX_STRLEN: "lots" }).errors).toEqual(["BPFTRACE_MAX_STRLEN: expecting a number, got lots"]);
    expect(settingsFromEnv({ BPFTRACE_STACK_MODE: "fancy" }).errors).toEqual([
      "BPFTRACE_STACK_MODE: Invalid value for stack_mode: valid values are bpftrace, raw, perf, and build_id.",
    ]);
    expect(settingsFromEnv({ BPFTRACE_MISSING_PROBES: "maybe" }).errors).toEqual([
      "BPFTRACE_MISSING_PROBES: Invalid value for missing_probes: valid values are ignore, warn, and error.",
    ]);
    expect(settingsFromEnv({ BPFTRACE_PERF_RB_PAGES: "3" }).errors).toEqual(["BPFTRACE_PERF_RB_PAGES: must be a power of two, got 3"]);
  });
});

describe("the config block", () => {
  it("applies over the defaults; the environment wins over it", () => {
    const items = config("config = { max_strlen = 128; stack_mode = perf; max_map_keys = 100; missing_probes = warn } BEGIN { exit(); }");
    expect(programSettings(items).settings).toEqual({ ...DEFAULT_SETTINGS, maxStrlen: 128, stackMode: "perf", maxMapKeys: 100, missingProbes: "warn" });
    expect(programSettings(items, { stackMode: "raw" }).settings.stackMode).toBe("raw");
    expect(programSettings([]).settings).toEqual(DEFAULT_SETTINGS);
  });

  it("accepts the BPFTRACE_ and upper-case spellings of a name", () => {
    const items = config("config = { BPFTRACE_STACK_MODE = raw; MAX_MAP_KEYS = 7 } BEGIN { exit(); }");
    expect(programSettings(items).settings).toMatchObject({ stackMode: "raw", maxMapKeys: 7 });
  });

  it("an unknown name or a bad value is an error on the item; an old name is a warning", () => {
    expect(build("config = { max_strlenn = 3 } BEGIN { exit(); }").text).toBe(
      ["stdin:1:12-26: error: max_strlenn: not a known configuration option", "config = { max_strlenn = 3 } BEGIN { exit(); }", "           ~~~~~~~~~~~~~~~"].join("\n"),
    );
    expect(build("config = { missing_probes = 1 } BEGIN { exit(); }").text).toContain("error: missing_probes: Invalid value for missing_probes: valid values are ignore, warn, and error.");
    expect(build("config = { btf = 1 } BEGIN { exit(); }").text).toContain("error: btf: can only be set as an environment variable");
    expect(build('config = { license = "Proprietary" } BEGIN { exit(); }').text).toContain(
      "error: Invalid value for license. Found: Proprietary. Valid values: Dual MIT/GPL, Dual BSD/GPL, Dual MPL/GPL, GPL and additional rights, GPL v2, GPL",
    );
    expect(build('config = { license = "GPL v2" } BEGIN { exit(); }').text).toBe("");
    const renamed = build("config = { map_keys_max = 8 } BEGIN { @m[1] = 1; exit(); }");
    expect(renamed.text).toContain("warning: map_keys_max has been renamed, please use max_map_keys");
    expect(renamed.spec?.maps.find((m) => m.name === "@m")?.maxEntries).toBe(8);
  });
});

describe("what the settings change", () => {
  it("max_strlen is the size of str()'s string (default 1024, bpftrace's)", () => {
    const src = 'tracepoint:syscalls:sys_enter_openat { @s[str(args.filename)] = count(); }';
    expect(clean(src).maps.find((m) => m.name === "@s")?.info?.keyTypes).toEqual([{ k: "string", size: 1024 }]);
    expect(clean(`config = { max_strlen = 16 } ${src}`).maps.find((m) => m.name === "@s")?.info?.keyTypes).toEqual([{ k: "string", size: 16 }]);
    expect(clean(src, { settings: { maxStrlen: 24 } }).maps.find((m) => m.name === "@s")?.info?.keyTypes).toEqual([{ k: "string", size: 24 }]);
  });

  it("str_trunc_trailer and max_cat_bytes are kept for the runtime (defaults '..' and 10240, bpftrace's)", () => {
    expect(clean("BEGIN { exit(); }").settings).toMatchObject({ strTruncTrailer: "..", maxCatBytes: 10240 });
    expect(clean('config = { str_trunc_trailer = "~"; max_cat_bytes = 3 } BEGIN { exit(); }').settings).toMatchObject({ strTruncTrailer: "~", maxCatBytes: 3 });
  });

  it("max_map_keys sizes maps without a declaration; a declaration keeps its own size", () => {
    const spec = clean("config = { max_map_keys = 100 } let @d = hash(4); BEGIN { @a[1] = count(); @d[2] = 1; exit(); }");
    expect(spec.maps.find((m) => m.name === "@a")?.maxEntries).toBe(100);
    expect(spec.maps.find((m) => m.name === "@d")?.maxEntries).toBe(4);
  });

  it("stack_mode goes into kstack's type; kstack(raw) overrides it at the call", () => {
    const keyOf = (src: string, extra: Partial<CompileOptions> = {}) => clean(src, extra).maps.find((m) => m.name === "@k")?.info?.keyTypes[0];
    expect(keyOf("tracepoint:syscalls:sys_enter_openat { @k[kstack] = count(); }")).toEqual({ k: "stack", user: false });
    expect(keyOf("config = { stack_mode = perf } tracepoint:syscalls:sys_enter_openat { @k[kstack] = count(); }")).toEqual({ k: "stack", user: false, mode: "perf" });
    expect(keyOf("tracepoint:syscalls:sys_enter_openat { @k[kstack(raw, 5)] = count(); }", { settings: { stackMode: "perf" } })).toEqual({ k: "stack", user: false, mode: "raw", limit: 5 });
    // a kernel stack has no build ids: bpftrace falls back to raw for kstack under build_id
    expect(keyOf("config = { stack_mode = build_id } tracepoint:syscalls:sys_enter_openat { @k[kstack] = count(); }")).toEqual({ k: "stack", user: false, mode: "raw" });
    expect(keyOf("config = { stack_mode = build_id } tracepoint:syscalls:sys_enter_openat { @k[ustack] = count(); }", {})).toEqual({ k: "stack", user: true, mode: "build_id" });
  });

  it("show_debug_info = 0 goes into ustack's type (no source lines); on, the default, leaves it out", () => {
    const keyOf = (src: string) => clean(src).maps.find((m) => m.name === "@k")?.info?.keyTypes[0];
    expect(keyOf("tracepoint:syscalls:sys_enter_openat { @k[ustack(3)] = count(); }")).toEqual({ k: "stack", user: true, limit: 3 });
    expect(keyOf("config = { show_debug_info = 0; stack_mode = perf } tracepoint:syscalls:sys_enter_openat { @k[ustack(3)] = count(); }")).toEqual({ k: "stack", user: true, limit: 3, mode: "perf", debugInfo: false });
    expect(keyOf("config = { show_debug_info = 1 } tracepoint:syscalls:sys_enter_openat { @k[ustack] = count(); }")).toEqual({ k: "stack", user: true });
  });

  it("missing_probes = warn skips an attach point that does not exist, with a warning; ignore says nothing", () => {
    const src = "tracepoint:syscalls:sys_enter_open, tracepoint:syscalls:sys_enter_openat { @n = count(); }";
    expect(build(src).text).toContain("error: No matches for tracepoint syscalls:sys_enter_open.\n");
    const warn = build(`config = { missing_probes = warn } ${src}`);
    expect(warn.text).toContain("warning: No matches for tracepoint syscalls:sys_enter_open. Skipping.\n");
    expect(warn.spec?.programs.map((p) => p.probe.name)).toEqual(["tracepoint:syscalls:sys_enter_openat"]);
    const ignore = build(src, { settings: { missingProbes: "ignore" } });
    expect(ignore.text).toBe("");
    expect(ignore.spec?.programs).toHaveLength(1);
    // a probe all of whose attach points are skipped is dropped, in bpftrace's words
    const gone = build("config = { missing_probes = warn } tracepoint:syscalls:sys_enter_open { @o = count(); } tracepoint:syscalls:sys_enter_openat { @n = count(); }");
    expect(gone.text).toContain("warning: Probe has no valid attach points. It is being removed which may cause issues with program behavior.\n");
    expect(gone.spec?.programs.map((p) => p.probe.name)).toEqual(["tracepoint:syscalls:sys_enter_openat"]);
    expect(build(`config = { missing_probes = ignore } ${"tracepoint:syscalls:sys_enter_open { }"} BEGIN { }`).text).toBe("");
    expect(build("config = { missing_probes = ignore } tracepointt:syscalls:sys_enter_open { }").text).toContain("error: unknown probe type 'tracepointt'");
  });

  it("perf_rb_pages sizes the event ring buffer", () => {
    expect(clean("BEGIN { exit(); }", { settings: { perfRbPages: 64 } }).maps.find((m) => m.name === EVENTS_MAP)?.maxEntries).toBe(64 * 4096);
  });

  it("print_maps_on_exit = false is kept for the runtime", () => {
    expect(clean("config = { print_maps_on_exit = false } BEGIN { exit(); }").settings?.printMapsOnExit).toBe(false);
  });
});

describe("--unsafe", () => {
  it("system() and signal() need it, with bpftrace's message", () => {
    expect(build('BEGIN { system("echo hi"); exit(); }').text).toContain("error: system() is an unsafe function being used in safe mode");
    expect(build('tracepoint:syscalls:sys_enter_openat { signal("KILL"); }').text).toContain("error: signal() is an unsafe function being used in safe mode");
    clean('BEGIN { system("echo hi"); exit(); }', { unsafe: true });
    clean('tracepoint:syscalls:sys_enter_openat { signal("KILL"); }', { unsafe: true });
  });
});

describe("-p PID", () => {
  const pidTest = (spec: ProgramSpec, name: string) => {
    const p = spec.programs.find((x) => x.probe.name === name);
    if (!p) throw new Error(`no program ${name}`);
    return disassemble(p.insns).includes("-p 4242: other processes return here");
  };

  it("kernel probes test the pid at entry; BEGIN, END and interval do not", () => {
    const spec = clean("BEGIN { } tracepoint:syscalls:sys_enter_openat { @n = count(); } rawtracepoint:sys_enter { @r = count(); } interval:s:1 { exit(); } END { }", { pid: 4242 });
    expect(pidTest(spec, "tracepoint:syscalls:sys_enter_openat")).toBe(true);
    expect(pidTest(spec, "rawtracepoint:sys_enter")).toBe(true);
    expect(pidTest(spec, "interval:s:1")).toBe(false);
    expect(pidTest(spec, "begin")).toBe(false);
    expect(pidTest(spec, "end")).toBe(false);
    expect(spec.pid).toBe(4242);
    expect(pidTest(clean("tracepoint:syscalls:sys_enter_openat { @n = count(); }"), "tracepoint:syscalls:sys_enter_openat")).toBe(false);
  });

  it("profile probes are scoped when attached (perf_event_open's pid), without a test", () => {
    const spec = clean("profile:hz:99 { @p = count(); } interval:s:1 { exit(); }", { pid: 4242 });
    const profile = spec.programs.find((p) => p.probe.name.startsWith("profile"))!;
    expect(profile.probe.attach).toMatchObject({ kind: "perf", pid: 4242 });
    expect(pidTest(spec, profile.probe.name)).toBe(false);
    const interval = spec.programs.find((p) => p.probe.name.startsWith("interval"))!;
    expect(interval.probe.attach).not.toHaveProperty("pid");
  });
});
