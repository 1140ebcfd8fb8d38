// Runs the shared Jupyter conformance suite (../shared/conformance/run-conformance.sh,
// jupyter_kernel_test with Tracebook's samples) against this checkout's kernel: the
// kernelspec is installed into a temporary prefix that JUPYTER_PATH points at, so the
// machine's installed kernelspecs are not touched. By hand, the same is:
//   npm run build && P=$(mktemp -d) && node bin/tracebook.js install --prefix $P &&
//   JUPYTER_PATH=$P/share/jupyter ../shared/conformance/run-conformance.sh --samples bpftrace
// The kernel runs the real interpreter: the samples load BPF programs (needs CAP_BPF).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureBuilt, ROOT } from "./jupyter-kernel-process.ts";

export const CONFORMANCE_SCRIPT = resolve(ROOT, "../shared/conformance/run-conformance.sh");

export interface ConformanceRun {
  readonly exitCode: number | null;
  /** The closing `conformance: N passed, N failed, N skipped` line. */
  readonly summary: string;
  readonly output: string;
}

/** Why the suite cannot run here, or null when it can. */
export function conformanceUnavailableReason(): string | null {
  if (!existsSync(CONFORMANCE_SCRIPT)) return `requires ${CONFORMANCE_SCRIPT}`;
  try {
    execFileSync("/usr/bin/python3", ["-c", "import jupyter_kernel_test"], { stdio: "ignore" });
  } catch {
    return "requires python3-jupyter-kernel-test (Debian package) for /usr/bin/python3";
  }
  return null;
}

export async function runConformance(
  samples: "bpftrace-skeleton" | "bpftrace",
  opts: { env?: Record<string, string>; unittestArgs?: readonly string[] } = {},
): Promise<ConformanceRun> {
  ensureBuilt();
  const prefix = mkdtempSync(join(tmpdir(), "tb-conformance-"));
  execFileSync(process.execPath, [join(ROOT, "bin/tracebook.js"), "install", "--prefix", prefix], { stdio: "ignore" });
  const args = ["--samples", samples, "tracebook", ...(opts.unittestArgs ? ["--", ...opts.unittestArgs] : [])];
  const proc = spawn(CONFORMANCE_SCRIPT, args, {
    env: {
      ...process.env,
      ...opts.env,
      JUPYTER_PATH: join(prefix, "share/jupyter"),
      CONFORMANCE_OUT: join(prefix, "out"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exitCode = await new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const summary = output.match(/^conformance: \d+ passed, \d+ failed, \d+ skipped$/gm)?.at(-1) ?? "";
  return { exitCode, summary, output };
}
