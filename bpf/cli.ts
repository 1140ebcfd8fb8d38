// A bpftrace-compatible command line over the engine, so scripts, tools and test harnesses
// written for bpftrace drive `tracebook` unchanged:
//   tracebook -e 'PROG' [args]   tracebook FILE.bt [args]   tracebook - < FILE
//   -l / -lv PATTERN, -p PID, -c CMD, -f text|json, -q, -o FILE, --dry-run, --info, --unsafe
import { readFileSync, writeSync, openSync, closeSync } from "node:fs";
import { Session, CompileFailure, type CompileExtras } from "./session.ts";
import { settingsFromEnv, type Settings } from "./lang/settings.ts";
import { parsePid } from "./runtime/process-exit.ts";
import { startCommand } from "./runtime/child-command.ts";
import { compile } from "./codegen/compile.ts";
import { renderDiagnostics, hasErrors } from "./types/diagnostic.ts";
import { formatMap, formatMapJson, formatOutputJson } from "./output/index.ts";
import { describeError } from "./errors.ts";
import { listProbes } from "./probes/listing.ts";
import { machineEnv } from "./runtime/features.ts";
import type { CompileEnv } from "./probes/env.ts";
import { makeSymbolizer } from "./runtime/symbolize.ts";
import { expand, parse, splitProgramArgs } from "./lang/index.ts";

const USAGE = `USAGE:
    tracebook [options] filename [args...]
    tracebook [options] - [args...]
    tracebook [options] -e 'program' [args...]

    args: positional parameters ($1, $2, ...) and, after '--', the program's
    named options (getopt): -- --name=value --flag; '-- --help' lists them

OPTIONS:
    -e 'program'   execute this program
    -l [pattern]   list probes (-lv with their arguments)
    -p PID         trace process PID only (uprobes/USDT attach to it, other probes
                   filter on it); end when it exits
    -c 'CMD'       run CMD and trace it; end when it exits
    -f FORMAT      output format: text (default) or json
    -o FILE        write output to FILE
    -q             quiet: no "Attaching N probes..." line
    --dry-run      parse, check and compile only; print diagnostics (exit 1 on error).
                   Probe types this kernel refuses (kprobes, fentry) are compiled
                   anyway, with a warning that a real run here fails
    --info         print what this kernel supports
    --unsafe       allow unsafe functions (system, signal, override)

ENVIRONMENT:
    BPFTRACE_MAX_STRLEN [64]          string size in bytes, NUL included (old name BPFTRACE_STRLEN)
    BPFTRACE_MAX_MAP_KEYS [4096]      max entries of a map without a declaration (old: BPFTRACE_MAP_KEYS_MAX)
    BPFTRACE_STACK_MODE [bpftrace]    kstack/ustack output: bpftrace, perf or raw
    BPFTRACE_MISSING_PROBES [error]   a probe that does not exist here: error, warn or ignore
    BPFTRACE_LOG_SIZE                 verifier log size in bytes
    BPFTRACE_PERF_RB_PAGES            event ring buffer size in 4 KiB pages (a power of two)
    BPFTRACE_PRINT_MAPS_ON_EXIT [1]   print the maps when the program ends
    The same names, lower case without BPFTRACE_, in a config = { ... } block; the
    environment wins
    -h, --help     this text
    -V, --version  version`;

interface Args {
  prog?: string;
  file?: string;
  positional: string[];
  /** Named program options after `--`, without the dashes: "depth=5", "errname". */
  options: string[];
  help: boolean;
  list?: string;
  verbose: boolean;
  pid?: number;
  cmd?: string;
  format: "text" | "json";
  out?: string;
  quiet: boolean;
  dryRun: boolean;
  info: boolean;
  unsafe: boolean;
  settings?: Partial<Settings>;
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { positional: [], options: [], help: false, verbose: false, format: "text", quiet: false, dryRun: false, info: false, unsafe: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${x} needs a value`);
      return v;
    };
    // Options may follow the program, as getopt lets them in bpftrace (`-e PROG -c CMD`);
    // after `--` everything is the program's (positional parameters and getopt options).
    if (x === "--") {
      a.positional.push(...argv.slice(i));
      break;
    }
    if ((a.prog !== undefined || a.file !== undefined) && !/^-[a-zA-Z-]/.test(x)) {
      a.positional.push(x);
      continue;
    }
    switch (x) {
      case "-e": a.prog = next(); break;
      case "-l": a.list = argv[i + 1] && !argv[i + 1]!.startsWith("-") ? next() : "*"; break;
      case "-lv": case "-vl": a.verbose = true; a.list = argv[i + 1] && !argv[i + 1]!.startsWith("-") ? next() : "*"; break;
      case "-v": a.verbose = true; break;
      case "-p": case "--pid": {
        const pid = parsePid(next());
        if (typeof pid === "string") throw new Error(pid);
        a.pid = pid;
        break;
      }
      case "-c": a.cmd = next(); break;
      case "-f": {
        const f = next();
        if (f !== "text" && f !== "json") return `unknown output format '${f}' (text or json)`;
        a.format = f;
        break;
      }
      case "-o": a.out = next(); break;
      case "-q": a.quiet = true; break;
      case "--dry-run": a.dryRun = true; break;
      case "--info": a.info = true; break;
      case "--unsafe": a.unsafe = true; break;
      case "-h": case "--help": a.help = true; break;
      case "-": a.file = "/dev/stdin"; break;
      case "-d": case "-dd": case "-k": case "-kk": case "-B": i += x === "-B" ? 1 : 0; break;
      default:
        if (x.startsWith("-") && x !== "-") return `unknown option ${x}`;
        if (a.prog !== undefined || a.file !== undefined) a.positional.push(x);
        else a.file = x;
    }
  }
  const split = splitProgramArgs(a.positional);
  a.positional = split.positional;
  a.options = split.options;
  return a;
}

export async function runBpftraceCli(argv: string[]): Promise<number> {
  let args: Args;
  try {
    const r = parseArgs(argv);
    if (typeof r === "string") {
      process.stderr.write(`ERROR: ${r}\n${USAGE}\n`);
      return 1;
    }
    args = r;
  } catch (e) {
    process.stderr.write(`ERROR: ${(e as Error).message}\n`);
    return 1;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.pid !== undefined && args.cmd !== undefined) {
    process.stderr.write(`ERROR: USAGE: Cannot use both -c and -p.\n${USAGE}\n`);
    return 1;
  }
  const fromEnv = settingsFromEnv(process.env);
  if (fromEnv.errors.length) {
    process.stderr.write(fromEnv.errors.map((e) => `ERROR: ${e}\n`).join(""));
    return 1;
  }
  args.settings = fromEnv.settings;
  const outFd = args.out ? openSync(args.out, "w") : 1;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const write = (s: string) => {
    // Everything, even to a non-blocking pipe whose reader is slower than a printf flood:
    // a short write goes on from where it stopped, EAGAIN waits a millisecond and retries.
    const b = Buffer.from(s);
    let off = 0;
    while (off < b.length) {
      try {
        off += writeSync(outFd, b, off, b.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") {
          Atomics.wait(pause, 0, 0, 1);
          continue;
        }
        // the reader went away (`| head`): end as a C program does on SIGPIPE; the kernel
        // detaches every probe when the process's BPF fds close
        if (code === "EPIPE") process.exit(141);
        throw e;
      }
    }
  };
  const env = machineEnv();
  try {
    if (args.info) {
      const f = env.features();
      write(`Kernel: ${readFileSync("/proc/sys/kernel/osrelease", "utf8").trim()}\n`);
      write(`  kprobe: ${f.kprobes ? "yes" : "no"}\n  fentry/fexit: ${f.trampolines ? "yes" : "no"}\n  hardware events: ${f.hardwarePmu ? "yes" : "no"}\n`);
      write(`  tracepoints: ${env.listTracepoints().length > 0 ? "yes" : "no"}\n  raw tracepoints: yes\n  uprobes: yes\n  ring buffer: yes\n`);
      return 0;
    }
    if (args.list !== undefined && args.prog === undefined && args.file === undefined) {
      for (const line of listProbes(env, args.list, args.verbose)) write(`${line}\n`);
      return 0;
    }
    const source = args.prog ?? (args.file ? readFileSync(args.file, "utf8") : undefined);
    if (source === undefined) {
      process.stderr.write(`${USAGE}\n`);
      return 1;
    }
    const origin = args.prog !== undefined ? "stdin" : (args.file ?? "stdin");
    const sourcePath = args.prog === undefined && args.file !== "/dev/stdin" ? args.file : undefined;
    if (args.options.includes("help")) {
      process.stderr.write(`${programHelp(source)}\n`);
      return 1;
    }
    if (args.dryRun) {
      const r = compile(source, { env, origin, positional: args.positional, ...compileExtras(args), anyKernel: true, sourcePath });
      if (r.diagnostics.length) process.stderr.write(`${renderDiagnostics(r.diagnostics, source, origin)}\n`);
      return hasErrors(r.diagnostics) ? 1 : 0;
    }
    return await runProgram(source, origin, args, env, write, sourcePath);
  } catch (e) {
    process.stderr.write(`${describeError(e).text}\n`);
    return 1;
  } finally {
    if (outFd !== 1) closeSync(outFd);
  }
}

function compileExtras(args: Args): CompileExtras {
  return {
    unsafe: args.unsafe,
    programOptions: args.options,
    ...(args.pid !== undefined && { pid: args.pid }),
    ...(args.settings && { settings: args.settings }),
  };
}

async function runProgram(source: string, origin: string, args: Args, env: CompileEnv, write: (s: string) => void, sourcePath?: string): Promise<number> {
  // -c CMD: started now, held back until every probe is attached (bpf/runtime/child-command.ts);
  // split on spaces and found on $PATH, as bpftrace does
  const child = args.cmd ? startCommand(args.cmd.split(/\s+/).filter(Boolean)) : undefined;
  const session = new Session(env, makeSymbolizer);
  const ctl = new AbortController();
  const stop = () => ctl.abort();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const json = args.format === "json";
  // BEGIN's output waits until everything is attached: bpftrace reads the ring buffer
  // only after printing "Attached N probes"
  let pending: string[] | undefined = [];
  const emit = (s: string) => (pending ? pending.push(s) : write(s));
  const flush = () => {
    for (const s of pending ?? []) write(s);
    pending = undefined;
  };
  try {
    const res = await session.run(source, {
      origin,
      sourcePath,
      positional: args.positional,
      programOptions: args.options,
      signal: ctl.signal,
      ...compileExtras(args),
      output: (text, meta) => {
        if (!json) return emit(text);
        if (meta?.kind === "map") {
          const snap = session.snapshot(meta.map);
          return emit(snap ? formatMapJson(snap, { top: meta.top, div: BigInt(meta.div) }) : "");
        }
        emit(formatOutputJson(text, meta?.kind ?? "printf", meta?.kind === "value" ? meta.value : undefined));
      },
      errorOutput: (text) => process.stderr.write(text),
      warning: (text) => process.stderr.write(text),
      // As bpftrace: "Attached N probes" on stderr (JSON: a record on stdout), then the
      // harnesses' readiness line on stdout.
      started: (n) => {
        if (!args.quiet) {
          if (json) write(`{"type": "attached_probes", "count": ${n}, "data": {"probes": ${n}}}\n`);
          else process.stderr.write(`Attached ${n} probe${n === 1 ? "" : "s"}\n`);
        }
        if (process.env.__BPFTRACE_NOTIFY_PROBES_ATTACHED !== undefined) write("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n");
        flush();
        child?.release();
      },
      lost: (n) => {
        if (json) write(`{"type": "lost_events", "count": ${n}, "data": {"events": ${n}}}\n`);
        else process.stderr.write(`Lost ${n} events\n`);
      },
      ...(child && { cpid: child.pid, commandExited: child.exited }),
    });
    flush();
    // bpftrace ends its text output with two newlines, then prints the maps
    if (!json) write("\n\n");
    for (const m of res.maps) write(json ? formatMapJson(m) : formatMap(m));
    return res.exitCode;
  } catch (e) {
    if (e instanceof CompileFailure) {
      process.stderr.write(`${e.rendered}\n`);
      return 1;
    }
    throw e;
  } finally {
    flush();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    child?.kill();
    session.close();
  }
}

/** `tool.bt -- --help`: the options the program reads with getopt(), as bpftrace lists them. */
function programHelp(source: string): string {
  const parsed = parse(source);
  const options = parsed.program ? expand(parsed.program).options : [];
  if (options.length === 0) return "HINT: no custom program options defined.";
  return `HINT: expected program options:\n${options.map((o) => `--${o.name}${o.description ? `: ${o.description}` : ""}`).join("\n")}`;
}
