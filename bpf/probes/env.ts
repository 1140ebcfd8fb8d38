// The kernel facts compile needs, behind one small interface (STYLE.md §1): tracepoint
// formats, the tracepoint list, BTF, ELF symbols and USDT notes, the kernel release and
// CPU counts. `liveEnv()` reads them from this machine (lazily, cached); `recordedEnv(dir)`
// reads a recorded copy, so unit tests compile against files instead of the live tracefs.
//
// A recorded directory looks like tracefs, plus an optional env.json:
//   events/<category>/<event>/format     copies of tracefs format files
//   env.json  { "kernelRelease": "6.18.0", "onlineCpus": 2, "possibleCpus": 2,
//               "features": { "kprobes": false, "trampolines": false, "hardwarePmu": false },
//               "btf": "vmlinux.btf",                                  (relative to dir; optional)
//               "files": { "/usr/bin/python3.11": "bin/python3.11" },  (ELF files by their path)
//               "kernelFunctions": ["vfs_read"], "rawTracepoints": ["sys_enter"],  (without btf)
//               "headers": "headers" }     (the include directory for #include; default headers/)
//   headers/<name>   C headers for `#include <name>` (and "name" at top level)
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { Btf } from "../btf/btf.ts";
import { ElfFile, type ElfSymbol } from "../elf/elf-file.ts";
import { functionSymbols } from "../elf/symbols.ts";
import { Kallsyms } from "../symbols/kallsyms.ts";
import { usdtProbes as readUsdtProbes, type UsdtProbe } from "../elf/usdt.ts";
import type { BinaryTarget, KernelFeatures, ProbeEnv, UserSymbol } from "./probe-env.ts";
import { globPaths, processBinariesOnHost, resolveBinariesOnHost, runningBinariesOnHost } from "./host-binaries.ts";
import { hasWildcard } from "./provider.ts";
import { findTracefs, listTracepoints as readTracepointList, readFormat, tracefsProblem, type FormatFile, type TracefsProblem } from "./tracefs.ts";

/** What compile knows about the machine it compiles for. Everything is read lazily. */
export interface CompileEnv extends ProbeEnv {
  /** Parsed events/<category>/<name>/format, or undefined when there is no such tracepoint. */
  tracepointFormat(category: string, name: string): FormatFile | undefined;
  /** "category:name" of every tracepoint, sorted. */
  listTracepoints(): readonly string[];
  /** vmlinux BTF, parsed on first use; undefined when the kernel has none. */
  btf(): Btf | undefined;
  /** Every defined symbol of an ELF file ([] when it is missing or not ELF). */
  elfSymbols(path: string): readonly ElfSymbol[];
  /** USDT probes of an ELF file, with the file offsets of pc and semaphore. */
  usdtProbes(path: string): readonly UsdtProbe[];
  /** The files a uprobe/usdt target names (ProbeEnv.resolveBinaries). */
  resolveBinaries(target: string): readonly BinaryTarget[];
  /** A C header for `#include` (see ProbeEnv); cached per env. */
  readHeader(name: string, quoted: boolean, from?: string): { readonly path: string; readonly text: string } | undefined;
  /** `uname -r`. */
  readonly kernelRelease: string;
  readonly onlineCpus: number;
}

/** "0-3,6,8-9" (/sys/devices/system/cpu/online) → [0,1,2,3,6,8,9]. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-");
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    for (let i = lo; i <= hi; i++) out.push(i);
  }
  return out;
}

/** Where the facts come from: the live machine or a recorded directory. */
interface Source {
  readonly kernelRelease: string;
  readonly onlineCpus: number;
  readonly possibleCpus: number;
  readonly tracefsRoot: string | undefined;
  /** Why tracefsRoot is undefined (live machines only). */
  tracefsProblem?(): TracefsProblem | undefined;
  /** Whether tracefsRoot is still there (live machines: it can be unmounted mid-session). */
  tracefsThere?(): boolean;
  features(): KernelFeatures;
  readBtf(): Uint8Array | undefined;
  /** Bytes of an ELF file by its path on the traced machine, and a key that changes when the file does. */
  readElf(path: string): { bytes: Uint8Array; key: string } | undefined;
  /** The key readElf would return, cheaply (stat), to notice a rebuilt binary; absent: files never change. */
  readElfKey?(path: string): string | undefined;
  resolveBinary(path: string): string | undefined;
  /** The files a uprobe/usdt target names (ProbeEnv.resolveBinaries). */
  resolveBinaries(target: string): readonly BinaryTarget[];
  /** The ELF files a process maps (ProbeEnv.processBinaries). */
  processBinaries?(pid: number): readonly BinaryTarget[] | undefined;
  /** The ELF files every running process maps. */
  runningBinaries?(): readonly BinaryTarget[];
  /** Traceable kernel functions (available_filter_functions), when readable. */
  traceableFunctions(): ReadonlySet<string> | undefined;
  /** Text of /proc/kallsyms (kaddr). */
  readKallsyms?(): string | undefined;
  /** Inode of a path (cgroupid), as a bigint. */
  inodeOf?(path: string): bigint | undefined;
  /** Raw tracepoint names to offer when there is no BTF. */
  fallbackRawTracepoints(): readonly string[] | undefined;
  /** Where `#include <name>` looks, in order. */
  readonly includeDirs: readonly string[];
  /** Where a top-level `#include "name"` looks first when the program has no file. */
  readonly workingDir: string;
}

/** How many ELF files' facts (their bytes included) an env keeps. */
const ELF_CACHE_FILES = 64;

interface ElfFacts {
  readonly elf: ElfFile;
  funcs?: Map<string, ElfSymbol>;
  usdt?: UsdtProbe[];
}

class FactsEnv implements CompileEnv {
  readonly kernelRelease: string;
  readonly onlineCpus: number;
  private btfValue: Btf | null | undefined;
  private tracepoints: string[] | undefined;
  private readonly formats = new Map<string, FormatFile | null>();
  private readonly elves = new Map<string, { key: string | undefined; facts: ElfFacts | undefined }>();
  private kernelFunctions: string[] | undefined;
  private rawTracepoints: string[] | undefined;
  private featureValue: KernelFeatures | undefined;
  private kallsyms: Kallsyms | null | undefined;
  private readonly headerTexts = new Map<string, string | null>();
  private readonly headers = new Map<string, { path: string; text: string } | null>();

  constructor(private readonly src: Source) {
    this.kernelRelease = src.kernelRelease;
    this.onlineCpus = src.onlineCpus;
  }

  tracepointFormat(category: string, name: string): FormatFile | undefined {
    const key = `${category}:${name}`;
    let f = this.formats.get(key);
    if (f === undefined) {
      f = this.src.tracefsRoot ? readFormat(this.src.tracefsRoot, category, name) ?? null : null;
      // a miss while tracefs is gone is not remembered: it may be mounted again
      if (f !== null || this.tracefsProblem() === undefined) this.formats.set(key, f);
    }
    return f ?? undefined;
  }

  tracefsProblem(): TracefsProblem | undefined {
    return this.src.tracefsRoot && (this.src.tracefsThere?.() ?? true) ? undefined : this.src.tracefsProblem?.();
  }

  listTracepoints(): readonly string[] {
    this.tracepoints ??= this.src.tracefsRoot ? readTracepointList(this.src.tracefsRoot) : [];
    return this.tracepoints;
  }

  btf(): Btf | undefined {
    if (this.btfValue === undefined) {
      const bytes = this.src.readBtf();
      this.btfValue = bytes ? Btf.load(bytes) : null;
    }
    return this.btfValue ?? undefined;
  }

  listRawTracepoints(): readonly string[] {
    if (!this.rawTracepoints) {
      const btf = this.btf();
      const fromTracefs = () => [...new Set(this.listTracepoints().map((t) => t.slice(t.indexOf(":") + 1)))];
      this.rawTracepoints = btf ? btf.rawTracepointNames() : [...(this.src.fallbackRawTracepoints() ?? fromTracefs())].sort();
    }
    return this.rawTracepoints;
  }

  btfId(name: string, kind: "typedef" | "func"): number | undefined {
    return this.btf()?.findByName(name, kind);
  }

  /** BTF FUNCs, narrowed to available_filter_functions where that file is readable. */
  listKernelFunctions(): readonly string[] {
    if (!this.kernelFunctions) {
      const btf = this.btf();
      const traceable = this.src.traceableFunctions();
      const all = btf ? btf.namesOfKind("func") : [...(traceable ?? [])];
      this.kernelFunctions = [...new Set(btf && traceable ? all.filter((f) => traceable.has(f)) : all)].sort();
    }
    return this.kernelFunctions;
  }

  private elf(path: string): ElfFacts | undefined {
    const cached = this.elves.get(path);
    if (cached && (!this.src.readElfKey || this.src.readElfKey(path) === cached.key)) {
      // most recently used last: the oldest is what a full cache lets go
      this.elves.delete(path);
      this.elves.set(path, cached);
      return cached.facts;
    }
    let key: string | undefined;
    let facts: ElfFacts | undefined;
    try {
      const r = this.src.readElf(path);
      if (r) {
        key = r.key;
        facts = { elf: ElfFile.parse(r.bytes) };
      }
    } catch {
      facts = undefined; // not ELF (a script, a directory): no symbols, no probes
    }
    this.elves.set(path, { key, facts });
    // Each entry holds its whole file: `-l 'uprobe:*'` reads every binary in $PATH (about a
    // GB here), so only the most recent ones stay
    if (this.elves.size > ELF_CACHE_FILES) this.elves.delete(this.elves.keys().next().value!);
    return facts;
  }

  elfSymbols(path: string): readonly ElfSymbol[] {
    return this.elf(path)?.elf.symbols() ?? [];
  }

  private funcs(path: string): Map<string, ElfSymbol> {
    const f = this.elf(path);
    if (!f) return new Map();
    f.funcs ??= functionSymbols(f.elf);
    return f.funcs;
  }

  elfFunctions(path: string): readonly string[] {
    return [...this.funcs(path).keys()].sort();
  }

  elfSymbolOffset(path: string, symbol: string): number | undefined {
    const s = this.funcs(path).get(symbol);
    return s ? this.elf(path)?.elf.fileOffset(s.value) : undefined;
  }

  usdtProbes(path: string): readonly UsdtProbe[] {
    const f = this.elf(path);
    if (!f) return [];
    f.usdt ??= readUsdtProbes(f.elf);
    return f.usdt;
  }

  resolveBinary(path: string): string | undefined {
    return this.src.resolveBinary(path);
  }

  resolveBinaries(target: string): readonly BinaryTarget[] {
    return this.src.resolveBinaries(target);
  }

  processBinaries(pid: number): readonly BinaryTarget[] | undefined {
    return this.src.processBinaries?.(pid);
  }

  runningBinaries(): readonly BinaryTarget[] {
    return this.src.runningBinaries?.() ?? [];
  }

  userSymbol(path: string, at: string | bigint): UserSymbol | undefined {
    const f = this.elf(path);
    if (!f) return undefined;
    let s: ElfSymbol | undefined;
    if (typeof at === "string") s = this.funcs(path).get(at) ?? f.elf.symbols().find((x) => x.name === at && x.type === "object");
    else {
      // bpftrace's resolve_symbol: the function or object whose [value, value + size) holds the address
      s = f.elf.symbols().find((x) => (x.type === "func" || x.type === "ifunc" || x.type === "object") && x.size > 0 && BigInt(x.value) <= at && at < BigInt(x.value) + BigInt(x.size));
    }
    const offset = s ? f.elf.fileOffset(s.value) : undefined;
    return s && offset !== undefined ? { name: s.name, address: BigInt(s.value), size: Number(s.size), offset } : undefined;
  }

  kernelSymbolAddress(name: string): bigint | undefined {
    if (this.kallsyms === undefined) {
      const text = this.src.readKallsyms?.();
      this.kallsyms = text === undefined ? null : Kallsyms.parse(text);
    }
    return this.kallsyms?.address(name);
  }

  cgroupId(path: string): bigint | undefined {
    return this.src.inodeOf?.(path);
  }

  elfSymbol(path: string, name: string): { address: bigint; size: number } | undefined {
    const s = this.elfSymbols(path).find((x) => x.name === name);
    return s ? { address: BigInt(s.value), size: Number(s.size) } : undefined;
  }

  elfVaddr(path: string, fileOffset: number): { vaddr: bigint; dyn: boolean } | undefined {
    const f = this.elf(path);
    const v = f?.elf.vaddrOf(fileOffset);
    return f && v !== undefined ? { vaddr: BigInt(v), dyn: f.elf.isDyn } : undefined;
  }

  readHeader(name: string, quoted: boolean, from?: string): { path: string; text: string } | undefined {
    const here = quoted ? (from === undefined ? this.src.workingDir : dirname(from)) : "";
    const key = `${here}\0${name}`;
    let hit = this.headers.get(key);
    if (hit === undefined) {
      // Plain concatenation: path.join's normalising is most of the cost of a cold lookup.
      const candidates = isAbsolute(name) ? [name] : [...(quoted ? [`${here}/${name}`] : []), ...this.src.includeDirs.map((d) => `${d}/${name}`)];
      hit = null;
      for (const path of candidates) {
        let text = this.headerTexts.get(path);
        if (text === undefined) this.headerTexts.set(path, (text = readHeaderText(path) ?? null));
        if (text !== null) {
          hit = { path, text };
          break;
        }
      }
      this.headers.set(key, hit);
    }
    return hit ?? undefined;
  }

  features(): KernelFeatures {
    this.featureValue ??= this.src.features();
    return this.featureValue;
  }

  possibleCpus(): number {
    return this.src.possibleCpus;
  }
}

// --- the live machine ------------------------------------------------------------------

export interface LiveEnvOptions {
  /**
   * Whether BPF trampolines (fentry/fexit) load here. Only loading a program can tell, and
   * that is the runtime's job (native/): pass its answer. Without it the guess is "yes when
   * ftrace is usable" (available_filter_functions readable): machines that refuse ftrace to
   * root (PLATFORM.md) refused trampolines too.
   */
  readonly trampolines?: boolean | (() => boolean);
  /** The BTF file (default /sys/kernel/btf/vmlinux). */
  readonly btfPath?: string;
  /** Make a new instance instead of returning the cached one. */
  readonly fresh?: boolean;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** A file's text; a missing one costs no exception (most include directories miss). */
function readHeaderText(path: string): string | undefined {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ? readText(path) : undefined;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function fileKey(path: string): string | undefined {
  try {
    const s = statSync(path);
    return s.isFile() ? `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

const LIB_DIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

/**
 * Where a uprobe/usdt target lives, as bpftrace resolves it: a path with a slash is used as
 * written (made absolute); a bare name is looked up in $PATH, then in the library directories.
 */
export function resolveBinaryOnHost(path: string, exists: (p: string) => boolean = isFile, envPath = process.env.PATH ?? ""): string | undefined {
  if (path.includes("/")) {
    const abs = resolvePath(path);
    return exists(abs) ? abs : undefined;
  }
  for (const dir of [...envPath.split(delimiter).filter(Boolean), ...LIB_DIRS]) {
    const p = join(dir, path);
    if (exists(p)) return p;
  }
  return undefined;
}

function isElfFile(p: string): boolean {
  try {
    return isFile(p) && readFileSync(p).subarray(0, 4).toString("latin1") === "\x7fELF";
  } catch {
    return false;
  }
}

/**
 * A library named like bpftrace's tools name them — `libc`, `libreadline`, `libssl.so` —
 * as the shortest `NAME.so*` in the library directories that is an ELF file (`libc.so` itself
 * is a linker script; `libc.so.6` is the library).
 */
export function resolveLibrary(name: string): string | undefined {
  if (!/^lib[\w+-]+(\.so(\.\d+)*)?$/.test(name)) return undefined;
  const stem = name.replace(/\.so(\.\d+)*$/, "");
  for (const dir of LIB_DIRS) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const hit = names
      .filter((n) => n === name || n.startsWith(`${stem}.so`))
      .sort((a, b) => a.length - b.length)
      .find((n) => isElfFile(join(dir, n)));
    if (hit) return join(dir, hit);
  }
  return undefined;
}

function liveSource(opts: LiveEnvOptions): Source {
  const online = parseCpuList(readText("/sys/devices/system/cpu/online") ?? "0");
  const possible = parseCpuList(readText("/sys/devices/system/cpu/possible") ?? "0");
  const root = findTracefs();
  let traceable: Set<string> | null | undefined;
  const readTraceable = (): Set<string> | undefined => {
    if (traceable === undefined) {
      // "name [module]" lines; EPERM on machines that refuse ftrace (PLATFORM.md).
      const text = root ? readText(join(root, "available_filter_functions")) : undefined;
      traceable = text === undefined ? null : new Set(text.split("\n").map((l) => l.split(" ")[0]!).filter(Boolean));
    }
    return traceable ?? undefined;
  };
  return {
    kernelRelease: (readText("/proc/sys/kernel/osrelease") ?? "").trim(),
    onlineCpus: online.length || 1,
    possibleCpus: possible.length || 1,
    tracefsRoot: root,
    tracefsProblem: () => tracefsProblem(),
    tracefsThere: () => root !== undefined && existsSync(join(root, "events")),
    features: () => ({
      kprobes: existsSync("/sys/bus/event_source/devices/kprobe"),
      trampolines: typeof opts.trampolines === "function" ? opts.trampolines() : (opts.trampolines ?? readTraceable() !== undefined),
      // x86's core PMU is "cpu" (hybrid parts: cpu_core); arm64 names its PMUs armv8_*.
      hardwarePmu: ["cpu", "cpu_core", "armv8_pmuv3_0"].some((p) => existsSync(`/sys/bus/event_source/devices/${p}`)),
    }),
    readBtf: () => {
      try {
        return readFileSync(opts.btfPath ?? "/sys/kernel/btf/vmlinux");
      } catch {
        return undefined;
      }
    },
    readElfKey: fileKey,
    readElf: (path) => {
      const key = fileKey(path);
      if (key === undefined) return undefined;
      try {
        return { bytes: readFileSync(path), key };
      } catch {
        return undefined;
      }
    },
    resolveBinary: (path) => resolveBinaryOnHost(path) ?? resolveLibrary(path),
    resolveBinaries: (target) => {
      const found = resolveBinariesOnHost(target);
      if (found.length > 0 || target.includes("/") || hasWildcard(target)) return found;
      // our addition to bpftrace's lookup: the library directories, and `libc` for libc.so.6
      const lib = resolveBinaryOnHost(target) ?? resolveLibrary(target);
      return lib ? [{ name: lib, path: lib }] : [];
    },
    processBinaries: processBinariesOnHost,
    runningBinaries: runningBinariesOnHost,
    traceableFunctions: readTraceable,
    fallbackRawTracepoints: () => undefined,
    readKallsyms: () => readText("/proc/kallsyms"),
    // clang's default order (bpftrace hands its #includes to clang).
    includeDirs: ["/usr/local/include", `/usr/include/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`, "/usr/include"],
    workingDir: process.cwd(),
    inodeOf: (path) => {
      try {
        return statSync(path, { bigint: true }).ino;
      } catch {
        return undefined;
      }
    },
  };
}

let live: CompileEnv | undefined;

/** This machine's facts: one cached instance (options count on the first call, or with `fresh`). */
export function liveEnv(opts: LiveEnvOptions = {}): CompileEnv {
  if (!live || opts.fresh) live = new FactsEnv(liveSource(opts));
  return live;
}

// --- a recorded machine ----------------------------------------------------------------

export interface RecordedManifest {
  readonly kernelRelease?: string;
  readonly onlineCpus?: number;
  readonly possibleCpus?: number;
  readonly features?: Partial<KernelFeatures>;
  readonly btf?: string;
  readonly files?: Readonly<Record<string, string>>;
  readonly kernelFunctions?: readonly string[];
  readonly rawTracepoints?: readonly string[];
  /** Kernel symbols for kaddr(): name → address ("0xffffffff81000000"). */
  readonly kallsyms?: Readonly<Record<string, string>>;
  /** cgroup paths for cgroupid(): path → id. */
  readonly cgroups?: Readonly<Record<string, string>>;
  /** The include directory for `#include` (default "headers"). */
  readonly headers?: string;
  /** The working directory relative uprobe/usdt paths start from (default "/"). */
  readonly cwd?: string;
  /** Processes for -p: pid → the files it maps (keys of `files`), its executable first. */
  readonly processes?: Readonly<Record<string, readonly string[]>>;
}

/** Facts recorded in a directory (see the top of this file), for tests; `overrides` replace env.json's. */
export function recordedEnv(dir: string, overrides: RecordedManifest = {}): CompileEnv {
  const text = readText(join(dir, "env.json"));
  const m: RecordedManifest = { ...(text ? (JSON.parse(text) as RecordedManifest) : {}), ...overrides };
  const files = m.files ?? {};
  const local = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  return new FactsEnv({
    kernelRelease: m.kernelRelease ?? "0.0.0-recorded",
    onlineCpus: m.onlineCpus ?? 1,
    possibleCpus: m.possibleCpus ?? m.onlineCpus ?? 1,
    tracefsRoot: existsSync(join(dir, "events")) ? dir : undefined,
    features: () => ({ kprobes: false, trampolines: false, hardwarePmu: false, ...m.features }),
    readBtf: () => (m.btf ? readFileSync(local(m.btf)) : undefined),
    readElf: (path) => {
      const f = files[path];
      return f ? { bytes: readFileSync(local(f)), key: f } : undefined;
    },
    resolveBinary: (path) => {
      if (path in files) return path;
      if (path.includes("/")) return undefined;
      return Object.keys(files).find((p) => p.endsWith(`/${path}`));
    },
    resolveBinaries: (target) => recordedBinaries(Object.keys(files), m.cwd ?? "/", target),
    processBinaries: (pid) => m.processes?.[String(pid)]?.map((name) => ({ name, path: name })),
    runningBinaries: () => [...new Set(Object.values(m.processes ?? {}).flat())].sort().map((name) => ({ name, path: name })),
    traceableFunctions: () => (m.kernelFunctions ? new Set(m.kernelFunctions) : undefined),
    fallbackRawTracepoints: () => m.rawTracepoints,
    readKallsyms: () =>
      m.kallsyms ? Object.entries(m.kallsyms).map(([n, a]) => `${BigInt(a).toString(16).padStart(16, "0")} T ${n}`).join("\n") : undefined,
    inodeOf: (path) => (m.cgroups?.[path] !== undefined ? BigInt(m.cgroups[path]!) : undefined),
    includeDirs: [local(m.headers ?? "headers")],
    workingDir: local(m.headers ?? "headers"),
  });
}

/** resolveBinariesOnHost on a recorded machine: its files, a bare name found by its last component. */
function recordedBinaries(files: readonly string[], cwd: string, target: string): BinaryTarget[] {
  if (target === "") return [];
  if (!target.includes("/") && !hasWildcard(target)) {
    const hit = files.find((p) => p.endsWith(`/${target}`));
    return hit ? [{ name: hit, path: hit }] : [];
  }
  const readdir = (dir: string) => {
    const prefix = dir.endsWith("/") ? dir : `${dir}/`;
    const names = files.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split("/")[0]!);
    return names.length > 0 ? [...new Set(names)] : undefined;
  };
  return globPaths(target, cwd, readdir)
    .map((name) => ({ name, path: resolvePath(cwd, name) }))
    .filter((t) => files.includes(t.path));
}
