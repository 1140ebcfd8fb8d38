// The command line as bpftrace reads it: getopt_long over "d:bB:f:e:hlp:vqc:Vo:I:k" and its
// long options. Options may come anywhere (GNU getopt permutes: `-e PROG --cmd CMD`), a short
// option's value may be attached (`-ePROG`) and short flags clustered (`-lv`), a long option
// takes `--name=value` or `--name value` and may be abbreviated while unambiguous; after `--`
// everything is the program's (positional parameters and getopt() options).
import type { Settings } from "./lang/settings.ts";
import { splitProgramArgs } from "./lang/index.ts";

export interface Args {
  prog?: string;
  file?: string;
  positional: string[];
  /** Named program options after `--`, without the dashes: "depth=5", "errname". */
  options: string[];
  help: boolean;
  version: boolean;
  /** -l / --list: list probes (the pattern, a program file or -e's program says which). */
  list: boolean;
  verbose: boolean;
  /** -p / --pid, as written (bpftrace checks it after parsing every option). */
  pid?: string;
  cmd?: string;
  format: string;
  out?: string;
  quiet: boolean;
  dryRun: boolean;
  info: boolean;
  unsafe: boolean;
  /** --include FILE: headers read before the program, as clang's -include. */
  includes: string[];
  /** -I DIR: searched for #include before the system directories. */
  includeDirs: string[];
  /** --probe-filter REGEX: only the probes whose name it finds something in (BEGIN and END stay). */
  probeFilter?: string;
  /** 0: --no-warnings; 1: the default; 2: -k / --warnings. */
  warnings: 0 | 1 | 2;
  settings?: Partial<Settings>;
}

/** Short options and whether they take a value (bpftrace's "d:bB:f:e:hlp:vqc:Vo:I:k"). */
const SHORT: Record<string, boolean> = { d: true, b: false, B: true, f: true, e: true, h: false, l: false, p: true, v: false, q: false, c: true, V: false, o: true, I: true, k: false };

/** Long options: whether they take a value, and the short option they mean (if any). */
const LONG: Record<string, { value: boolean; short?: string }> = {
  btf: { value: false, short: "b" },
  cmd: { value: true, short: "c" },
  debug: { value: true, short: "d" },
  "dry-run": { value: false },
  help: { value: false, short: "h" },
  include: { value: true },
  info: { value: false },
  list: { value: false, short: "l" },
  "no-warnings": { value: false },
  output: { value: true, short: "o" },
  pid: { value: true, short: "p" },
  "probe-filter": { value: true },
  quiet: { value: false, short: "q" },
  unsafe: { value: false },
  "usdt-file-activation": { value: false },
  verbose: { value: false, short: "v" },
  version: { value: false, short: "V" },
  warnings: { value: false, short: "k" },
};

/** The long option `name` means (exact, else the one option it abbreviates), or a usage error. */
function longOption(name: string): string {
  if (LONG[name]) return name;
  const matches = Object.keys(LONG).filter((k) => k.startsWith(name));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new UsageError(`option '--${name}' is ambiguous; possibilities: ${matches.map((m) => `'--${m}'`).join(" ")}`);
  throw new UsageError(`unrecognized option '--${name}'`);
}

/** A command line bpftrace would refuse; the CLI prints it with the usage text. */
export class UsageError extends Error {}

/** Parses argv (without node and the script); throws UsageError. */
export function parseArgs(argv: readonly string[]): Args {
  const a: Args = { positional: [], options: [], help: false, version: false, list: false, verbose: false, format: "text", quiet: false, dryRun: false, info: false, unsafe: false, includes: [], includeDirs: [], warnings: 1 };
  const operands: string[] = [];
  const apply = (opt: string, value: string | undefined): void => {
    switch (opt) {
      case "e": a.prog = value; break;
      case "l": a.list = true; break;
      case "v": a.verbose = true; break;
      case "p": a.pid = value; break;
      case "c": a.cmd = value; break;
      case "f": a.format = value!; break;
      case "o": a.out = value; break;
      case "q": a.quiet = true; break;
      case "h": a.help = true; break;
      case "V": a.version = true; break;
      case "I": a.includeDirs.push(value!); break;
      case "include": a.includes.push(value!); break;
      case "dry-run": a.dryRun = true; break;
      case "probe-filter": a.probeFilter = value; break;
      case "info": a.info = true; break;
      case "unsafe": a.unsafe = true; break;
      case "no-warnings":
        if (a.warnings === 2) throw new UsageError("USAGE: -k, --warnings conflicts with --no-warnings");
        a.warnings = 0;
        break;
      case "k":
        if (a.warnings === 0) throw new UsageError("USAGE: -k, --warnings conflicts with --no-warnings");
        a.warnings = 2;
        break;
      // BTF is always used; -d's debug stages, -B's stdout buffering and file activation
      // of USDT semaphores (the kernel's uprobe reference counter activates them in every
      // process that maps the file, whatever the flag) change nothing here
      case "b": case "d": case "B": case "usdt-file-activation": break;
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === "--") {
      operands.push(...argv.slice(i));
      break;
    }
    if (x.startsWith("--")) {
      const eq = x.indexOf("=");
      const name = longOption(eq < 0 ? x.slice(2) : x.slice(2, eq));
      const spec = LONG[name]!;
      let value: string | undefined;
      if (spec.value) {
        value = eq >= 0 ? x.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`option '--${name}' requires an argument`);
      } else if (eq >= 0) throw new UsageError(`option '--${name}' doesn't allow an argument`);
      apply(spec.short ?? name, value);
      continue;
    }
    if (x.startsWith("-") && x !== "-") {
      for (let j = 1; j < x.length; j++) {
        const c = x[j]!;
        if (!(c in SHORT)) throw new UsageError(`invalid option -- '${c}'`);
        if (!SHORT[c]) {
          apply(c, undefined);
          continue;
        }
        const value = j + 1 < x.length ? x.slice(j + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`option requires an argument -- '${c}'`);
        apply(c, value);
        break;
      }
      continue;
    }
    operands.push(x);
  }
  // The first operand is the program's file (`-` for stdin) unless -e gave the program, or
  // a listing's search pattern; the rest are the program's arguments.
  if (a.prog === undefined && operands.length > 0 && operands[0] !== "--") {
    const first = operands.shift()!;
    a.file = first === "-" ? "/dev/stdin" : first;
  }
  const split = splitProgramArgs(operands);
  a.positional = split.positional;
  a.options = split.options;
  return a;
}

/**
 * bpftrace's -p: an unsigned integer as util::to_uint reads it (0x, 0b and 0 prefixes), at
 * most 0x400000; a message in bpftrace's words otherwise.
 */
export function parsePidArg(text: string): number | string {
  let base = 10;
  let digits = text;
  if (/^0[xX]/.test(text)) [base, digits] = [16, text.slice(2)];
  else if (/^0[bB]/.test(text)) [base, digits] = [2, text.slice(2)];
  else if (/^0[0-7]/.test(text)) [base, digits] = [8, text.slice(1)];
  const valid = { 2: /^[01]+/, 8: /^[0-7]+/, 10: /^\d+/, 16: /^[0-9a-fA-F]+/ }[base]!;
  const lead = valid.exec(digits.trimStart())?.[0];
  if (lead === undefined) return `Failed to parse pid: invalid integer: ${text}`;
  const rest = digits.trimStart().slice(lead.length);
  if (rest !== "") return `Failed to parse pid: invalid trailing bytes: ${text}`;
  const pid = parseInt(lead, base);
  if (pid > 0x400000) return `Pid out of range: ${pid}`;
  return pid;
}
