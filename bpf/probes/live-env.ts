// The ProbeEnv of this machine: tracefs, /sys/kernel/btf/vmlinux, ELF files, PMUs.
// Everything is read lazily and cached; nothing here needs privileges except reading
// tracefs formats (root on most systems).
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, isAbsolute, resolve } from "node:path";
import { Btf } from "../btf/index.ts";
import { ElfFile, functionSymbols, symbolFileOffset, usdtProbes } from "../elf/index.ts";
import { findTracefs, listTracepoints, readFormat } from "./tracefs.ts";
import type { KernelFeatures, ProbeEnv, TracepointFormat, UsdtProbeInfo } from "./probe-env.ts";

function cpuCount(file: string): number {
  try {
    const text = readFileSync(file, "utf8").trim();
    let max = 0;
    for (const part of text.split(",")) {
      const [a, b] = part.split("-").map(Number);
      max = Math.max(max, b ?? a ?? 0);
    }
    return max + 1;
  } catch {
    return 1;
  }
}

export interface LiveEnvOptions {
  /** Override the feature probe (tests of the kprobe error path). */
  readonly features?: KernelFeatures;
}

export class LiveEnv implements ProbeEnv {
  #tracefs: string | undefined | null = null;
  #tracepoints: string[] | undefined;
  #formats = new Map<string, TracepointFormat | undefined>();
  #btf: Btf | undefined | null = null;
  #elf = new Map<string, ElfFile | undefined>();
  #features: KernelFeatures | undefined;
  #cpus: number | undefined;

  constructor(readonly opts: LiveEnvOptions = {}) {}

  tracefsRoot(): string | undefined {
    if (this.#tracefs === null) this.#tracefs = findTracefs();
    return this.#tracefs;
  }

  listTracepoints(): readonly string[] {
    if (!this.#tracepoints) {
      const root = this.tracefsRoot();
      this.#tracepoints = root ? listTracepoints(root) : [];
    }
    return this.#tracepoints;
  }

  tracepointFormat(category: string, event: string): TracepointFormat | undefined {
    const k = `${category}:${event}`;
    if (!this.#formats.has(k)) {
      const root = this.tracefsRoot();
      let f: TracepointFormat | undefined;
      try {
        f = root ? readFormat(root, category, event) : undefined;
      } catch {
        f = undefined;
      }
      this.#formats.set(k, f);
    }
    return this.#formats.get(k);
  }

  btf(): Btf | undefined {
    if (this.#btf === null) {
      try {
        this.#btf = Btf.load(readFileSync("/sys/kernel/btf/vmlinux"));
      } catch {
        this.#btf = undefined;
      }
    }
    return this.#btf;
  }

  listRawTracepoints(): readonly string[] {
    return this.btf()?.rawTracepointNames() ?? [];
  }

  btfId(name: string, kind: "typedef" | "func"): number | undefined {
    const b = this.btf();
    if (!b) return undefined;
    return kind === "func" ? b.funcId(name) : b.findByName(name, "typedef");
  }

  listKernelFunctions(): readonly string[] {
    return this.btf()?.namesOfKind("func") ?? [];
  }

  resolveBinary(path: string): string | undefined {
    const ok = (p: string) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    };
    if (path.includes("/")) {
      const p = isAbsolute(path) ? path : resolve(path);
      return ok(p) ? p : undefined;
    }
    // bpftrace resolves library names like `libc` or `libreadline` through the linker paths
    if (/^lib[\w+-]+$/.test(path) || /\.so(\.\d+)*$/.test(path)) {
      for (const dir of ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"]) {
        let names: string[] = [];
        try {
          names = readdirSync(dir);
        } catch {
          continue;
        }
        const isElf = (p: string) => {
          try {
            return readFileSync(p).subarray(0, 4).toString("latin1") === "\x7fELF";
          } catch {
            return false;
          }
        };
        const hits = names.filter((n) => n === path || n.startsWith(`${path}.so`)).sort((a, b) => a.length - b.length);
        const hit = hits.find((h) => ok(`${dir}/${h}`) && isElf(`${dir}/${h}`));
        if (hit) return `${dir}/${hit}`;
      }
    }
    for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(delimiter)) {
      const p = resolve(dir, path);
      try {
        accessSync(p, constants.X_OK);
        if (ok(p)) return p;
      } catch {
        /* next */
      }
    }
    return undefined;
  }

  elf(path: string): ElfFile | undefined {
    if (!this.#elf.has(path)) {
      try {
        this.#elf.set(path, ElfFile.parse(readFileSync(path)));
      } catch {
        this.#elf.set(path, undefined);
      }
    }
    return this.#elf.get(path);
  }

  elfSymbolOffset(path: string, symbol: string): number | undefined {
    const e = this.elf(path);
    return e ? symbolFileOffset(e, symbol) : undefined;
  }

  elfFunctions(path: string): readonly string[] {
    const e = this.elf(path);
    return e ? [...functionSymbols(e).keys()] : [];
  }

  usdtProbes(path: string): readonly UsdtProbeInfo[] {
    const e = this.elf(path);
    if (!e) return [];
    return usdtProbes(e).map((p) => ({
      provider: p.provider,
      name: p.name,
      offset: p.offset,
      ...(p.semaphoreOffset !== undefined && p.semaphore !== 0 && { semaphoreOffset: p.semaphoreOffset }),
      args: p.args.map((a) => ({
        size: a.size,
        signed: a.signed,
        loc:
          a.loc.kind === "reg"
            ? { kind: "reg" as const, reg: a.loc.reg }
            : a.loc.kind === "mem"
              ? { kind: "mem" as const, reg: a.loc.reg, offset: a.loc.offset }
              : { kind: "const" as const, value: BigInt((a.loc as { value: number | bigint }).value) },
      })),
    }));
  }

  features(): KernelFeatures {
    if (this.opts.features) return this.opts.features;
    if (!this.#features) {
      this.#features = {
        kprobes: existsSync("/sys/bus/event_source/devices/kprobe/type"),
        trampolines: probeTrampolines(),
        hardwarePmu: existsSync("/sys/bus/event_source/devices/cpu/type") || existsSync("/sys/bus/event_source/devices/cpu_core/type"),
      };
    }
    return this.#features;
  }

  possibleCpus(): number {
    this.#cpus ??= cpuCount("/sys/devices/system/cpu/possible");
    return this.#cpus;
  }
}

/**
 * Whether fentry programs load here: set by the runtime's feature probe
 * (bpf/runtime/features.ts), which loads a tiny fentry program once per process.
 */
let trampolineProbe: (() => boolean) | undefined;
export function setTrampolineProbe(f: () => boolean): void {
  trampolineProbe = f;
}
function probeTrampolines(): boolean {
  return trampolineProbe ? trampolineProbe() : false;
}
