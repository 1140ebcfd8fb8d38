// What the figures were measured on: machine, kernel, both tools' versions, date, load.
import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { BPFTRACE } from "./tracers.ts";
import { ROOT } from "./processes.ts";

function quiet(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "?";
  }
}

export interface Machine {
  readonly lines: string[];
}

export const loadAverage = () => loadavg().map((x) => x.toFixed(2)).join(" ");

export function machine(): string[] {
  const version = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")).version as string;
  const commit = quiet("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = quiet("git", ["status", "--porcelain", "--untracked-files=no"]) ? "+changes" : "";
  return [
    `- machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; kernel ${readFileSync("/proc/sys/kernel/osrelease", "utf8").trim()}`,
    `- tracebook ${version} (${commit}${dirty}) on node ${process.version}; ${quiet(BPFTRACE, ["--version"])} (Debian)`,
    `- date ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
  ];
}
