// A bpftrace-compatible command line over the engine, so scripts, tools and test harnesses
// written for bpftrace drive `tracebook` unchanged:
//   tracebook -e 'PROG' [args]   tracebook FILE.bt [args]   tracebook - < FILE
//   -l / -lv PATTERN, -p PID, -c CMD, -f text|json, -q, -o FILE, --dry-run, --info, --unsafe,
//   --include FILE, -I DIR, --no-warnings, -k (options as bpftrace's getopt reads them: cli-args.ts)
import { existsSync, readFileSync, writeSync, openSync, closeSync } from "node:fs";
import { Session, CompileFailure, NoProbesError, type CompileExtras } from "./session.ts";
import { settingsFromEnv, type Settings } from "./lang/settings.ts";
import { parsePid } from "./runtime/process-exit.ts";
import { parseArgs, parsePidArg, UsageError, type Args } from "./cli-args.ts";
import { infoText } from "./cli-info.ts";
import { errnoNumber, errnoText } from "../native/index.ts";
import { startCommand } from "./runtime/child-command.ts";
import { compile } from "./codegen/compile.ts";
import { renderDiagnostics, hasErrors } from "./types/diagnostic.ts";
import { formatHelperErrorJson, formatMap, formatMapJson, formatOutputJson } from "./output/index.ts";
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
    -l [pattern]   list probes (-lv with their arguments); with -e or a program file,
                   the probes the program names
    -p, --pid PID  trace process PID only (uprobes/USDT attach to it, other probes
                   filter on it); end when it exits
    -c, --cmd CMD  run CMD and trace it; end when it exits
    -f FORMAT      output format: text (default) or json
    -o, --output FILE  write output to FILE
    -q, --quiet    quiet: no "Attached N probes" line
    -I DIR         look for #include files in DIR first
    --include FILE include FILE before the program (its #defines and constants)
    --no-warnings  print no warnings (warnf() included)
    --dry-run      parse, check and compile only; print diagnostics (exit 1 on error).
                   Probe types this kernel refuses (kprobes, fentry) are compiled
                   anyway, with a warning that a real run here fails
    --info         print what this kernel supports
    --unsafe       allow unsafe functions (system, signal, override)
    --probe-filter REGEX
                   only attach the probes whose name REGEX matches (BEGIN and END stay)
    -h, --help     this text
    -V, --version  version

ENVIRONMENT:
    BPFTRACE_MAX_STRLEN [1024]        bytes of str()'s string (old name BPFTRACE_STRLEN)
    BPFTRACE_STR_TRUNC_TRAILER [..]   printed after a string cut at max_strlen
    BPFTRACE_MAX_CAT_BYTES [10240]    bytes of a file cat() prints at most
    BPFTRACE_MAX_MAP_KEYS [4096]      max entries of a map without a declaration (old: BPFTRACE_MAP_KEYS_MAX)
    BPFTRACE_STACK_MODE [bpftrace]    kstack/ustack output: bpftrace, perf or raw
    BPFTRACE_MISSING_PROBES [error]   a probe that does not exist here: error, warn or ignore
    BPFTRACE_LOG_SIZE                 verifier log size in bytes
    BPFTRACE_PERF_RB_PAGES            event ring buffer size in 4 KiB pages (a power of two)
    BPFTRACE_PRINT_MAPS_ON_EXIT [1]   print the maps when the program ends
    The same names, lower case without BPFTRACE_, in a config = { ... } block; the
    environment wins`;

/** `version`: what -V/--version prints after "tracebook v" (the package's, from the entry). */
export async function runBpftraceCli(argv: string[], version = "0.0.0"): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`ERROR: ${e.message}\n${USAGE}\n`);
    return 1;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`tracebook v${version}\n`);
    return 0;
  }
  if (args.pid !== undefined && args.cmd !== undefined) {
    process.stderr.write(`ERROR: USAGE: Cannot use both -c and -p.\n${USAGE}\n`);
    return 1;
  }
  if (args.format !== "text" && args.format !== "json") {
    process.stderr.write(`ERROR: Invalid output format "${args.format}"\nValid formats: 'text', 'json'\n`);
    return 1;
  }
  let pid: number | undefined;
  if (args.pid !== undefined) {
    const p = parsePidArg(args.pid);
    const live = typeof p === "number" ? parsePid(String(p)) : p;
    if (typeof live === "string") {
      process.stderr.write(`ERROR: ${live}\n`);
      return 1;
    }
    pid = live;
  }
  let probeFilter: RegExp | undefined;
  if (args.probeFilter !== undefined) {
    try {
      probeFilter = new RegExp(args.probeFilter);
    } catch (e) {
      process.stderr.write(`ERROR: Invalid --probe-filter regex '${args.probeFilter}': ${(e as Error).message}\n`);
      return 1;
    }
  }
  const fromEnv = settingsFromEnv(process.env);
  if (fromEnv.errors.length) {
    process.stderr.write(fromEnv.errors.map((e) => `ERROR: ${e}\n`).join(""));
    return 1;
  }
  args.settings = fromEnv.settings;
  const outFd = args.out ? openSync(args.out, "w") : 1;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const writeNow = (s: string) => {
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
  // Output is written once per batch of records (the rest of this turn of the event loop,
  // or 64 KiB): a write(2) per printf line made the reader of the ring buffer slower than
  // a tight loop of events, which then filled it and were lost.
  // A batch is also written once it is 20 ms old: a reader that never catches up with its
  // events (system() on every millisecond) stays in one drain, and nothing else runs.
  let batch: string[] = [];
  let batchBytes = 0;
  let batchSince = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const s = batch.join("");
    batch = [];
    batchBytes = 0;
    writeNow(s);
  };
  const write = (s: string) => {
    if (batch.length === 0) {
      queueMicrotask(flush);
      batchSince = Date.now();
    }
    batch.push(s);
    batchBytes += s.length;
    if (batchBytes >= 1 << 16 || Date.now() - batchSince >= 20) flush();
  };
  // stderr keeps its place among the output lines
  const writeErr = (s: string) => {
    flush();
    process.stderr.write(s);
  };
  const env = machineEnv();
  try {
    if (args.info) {
      write(infoText(env, version));
      return 0;
    }
    // -l lists what a pattern matches, or the probes of a program (-e, or a file that exists)
    const listFile = args.file !== undefined && (args.file === "/dev/stdin" || existsSync(args.file));
    if (args.list && args.prog === undefined && !listFile) {
      const search = args.file === undefined || args.file === "*" ? "*" : args.file;
      if (search.includes(".") && !/[:*]/.test(search)) {
        process.stderr.write(`WARNING: It appears that '${search}' is a filename but the file does not exist. Treating '${search}' as a search pattern.\n`);
      }
      for (const one of search.split(",")) for (const line of listProbes(env, one.trim().replace(/\s+/g, " ") || "*", args.verbose, { pid })) write(`${line}\n`);
      return 0;
    }
    let source = args.prog;
    if (source === undefined && args.file !== undefined) {
      try {
        source = readFileSync(args.file, "utf8");
      } catch (e) {
        // strerror(3)'s words, as bpftrace prints them
        const text = errnoText(errnoNumber((e as NodeJS.ErrnoException).code ?? "EIO") ?? 5);
        process.stderr.write(`ERROR: failed to open file '${args.file}': ${text[0]!.toUpperCase()}${text.slice(1)}\n`);
        return 1;
      }
    }
    if (source === undefined) {
      process.stderr.write(`ERROR: USAGE: filename or -e 'program' required.\n${USAGE}\n`);
      return 1;
    }
    if (args.list) {
      for (const ap of programAttachPoints(source)) {
        // a probe with a rate or count (interval:ms:100, hardware:cache-misses:10) is
        // listed without it, as `-l` lists its kind (interval:ms:)
        const lines = listProbes(env, ap, args.verbose, { pid });
        const generic = lines.length === 0 && ap.split(":").length > 2 ? listProbes(env, ap.replace(/:[^:]*$/, ":"), args.verbose, { pid }) : [];
        for (const line of [...lines, ...generic]) write(`${line}\n`);
      }
      return 0;
    }
    const origin = args.prog !== undefined ? "stdin" : (args.file ?? "stdin");
    const sourcePath = args.prog === undefined && args.file !== "/dev/stdin" ? args.file : undefined;
    if (args.options.includes("help")) {
      process.stderr.write(`${programHelp(source)}\n`);
      return 1;
    }
    if (args.dryRun) {
      const r = compile(source, { env, origin, positional: args.positional, ...compileExtras(args, pid), anyKernel: true, sourcePath });
      if (r.diagnostics.length) process.stderr.write(`${renderDiagnostics(r.diagnostics, source, origin, "bpftrace")}\n`);
      return hasErrors(r.diagnostics) ? 1 : 0;
    }
    return await runProgram(source, origin, args, pid, env, { write, writeErr, flush }, sourcePath, probeFilter);
  } catch (e) {
    writeErr(`${describeError(e).text}\n`);
    return 1;
  } finally {
    flush();
    if (outFd !== 1) closeSync(outFd);
  }
}

function compileExtras(args: Args, pid: number | undefined): CompileExtras {
  return {
    unsafe: args.unsafe,
    helperChecks: args.warnings === 2,
    programOptions: args.options,
    ...(args.includes.length > 0 && { includes: args.includes }),
    ...(args.includeDirs.length > 0 && { includeDirs: args.includeDirs }),
    ...(pid !== undefined && { pid }),
    ...(args.settings && { settings: args.settings }),
  };
}

interface CliOutput {
  /** stdout (or -o FILE), batched. */
  write(s: string): void;
  /** stderr, after what stdout has pending. */
  writeErr(s: string): void;
  flush(): void;
}

async function runProgram(source: string, origin: string, args: Args, pid: number | undefined, env: CompileEnv, out: CliOutput, sourcePath?: string, probeFilter?: RegExp): Promise<number> {
  const { write, writeErr } = out;
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
      diagnosticStyle: "bpftrace",
      ...(probeFilter && { probeFilter }),
      ...compileExtras(args, pid),
      output: (text, meta) => {
        if (!json) return emit(text);
        if (meta?.kind === "map") {
          const snap = session.snapshot(meta.map);
          return emit(snap ? formatMapJson(snap, { top: meta.top, div: BigInt(meta.div) }) : "");
        }
        emit(formatOutputJson(text, meta?.kind ?? "printf", meta?.kind === "value" ? meta.value : undefined));
      },
      errorOutput: (text) => writeErr(text),
      // --no-warnings: no warning lines, warnf() included
      // -f json: a helper error is a record on stdout, as bpftrace's JsonOutput::runtime_error
      warning: (text, helperError) => {
        if (args.warnings === 0) return;
        if (json && helperError) emit(formatHelperErrorJson(helperError));
        else writeErr(text);
      },
      // As bpftrace: "Attached N probes" on stderr (JSON: a record on stdout), then the
      // harnesses' readiness line on stdout.
      started: (n) => {
        if (!args.quiet) {
          if (json) write(`{"type": "attached_probes", "count": ${n}, "data": {"probes": ${n}}}\n`);
          else writeErr(`Attached ${n} probe${n === 1 ? "" : "s"}\n`);
        }
        if (process.env.__BPFTRACE_NOTIFY_PROBES_ATTACHED !== undefined) write("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n");
        flush();
        // harnesses wait for the readiness line before they start what is traced
        out.flush();
        child?.release();
      },
      lost: (n) => {
        if (json) write(`{"type": "lost_events", "count": ${n}, "data": {"events": ${n}}}\n`);
        else writeErr(`Lost ${n} events\n`);
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
      writeErr(`${e.rendered}\n`);
      return 1;
    }
    if (e instanceof NoProbesError) {
      // bpftrace says it on stdout, and not at all with -q
      if (!args.quiet) write(`${e.message}\n`);
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

/** The attach points a program names, as written (for `-l -e PROG` / `-l FILE`). */
function programAttachPoints(source: string): string[] {
  const parsed = parse(source);
  return (parsed.program?.probes ?? []).flatMap((p) => p.attachPoints.map((a) => a.raw));
}

/** `tool.bt -- --help`: the options the program reads with getopt(), as bpftrace lists them. */
function programHelp(source: string): string {
  const parsed = parse(source);
  const options = parsed.program ? expand(parsed.program).options : [];
  if (options.length === 0) return "HINT: no custom program options defined.";
  return `HINT: expected program options:\n${options.map((o) => `--${o.name}${o.description ? `: ${o.description}` : ""}`).join("\n")}`;
}
