// Privilege gating for system tests (STYLE.md §9). A test that needs CAP_BPF skips with
// the reason on a laptop; with TRACEBOOK_REQUIRE_BPF=1 (CI) the same condition fails.
// A feature this kernel refuses (kprobes, trampolines) is a skip even under
// TRACEBOOK_REQUIRE_BPF=1 — unless the kernel is new enough to have it, or the refusal's
// errno says our own encoding is wrong: `featureTest` decides that, never for privileges.
import { execFileSync } from "node:child_process";
import { release } from "node:os";
import type { Feature } from "../../bpf/runtime/features.ts";

let cached: string | null | undefined;

/** Why BPF cannot be used here, or null when it can. Checked once per process. */
export function bpfUnavailableReason(): string | null {
  if (cached !== undefined) return cached;
  try {
    // A tiny independent probe: a process that creates an array map through bpf(2).
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import koffi from "koffi";
         const lib = koffi.load("libc.so.6");
         const sys = lib.func("long syscall(long n, int cmd, void *attr, uint size)");
         const a = Buffer.alloc(72); a.writeUInt32LE(2, 0); a.writeUInt32LE(4, 4); a.writeUInt32LE(8, 8); a.writeUInt32LE(1, 12);
         const fd = sys(321, 0, a, 72);
         if (fd < 0) { console.error("bpf() returned " + (koffi.os.errno ? Object.entries(koffi.os.errno).find(([, v]) => v === koffi.errno())?.[0] : koffi.errno())); process.exit(3); }`,
      ],
      { stdio: ["ignore", "ignore", "pipe"], cwd: process.cwd() },
    );
    cached = null;
  } catch (e) {
    const err = e as { stderr?: Buffer };
    cached = `requires CAP_BPF (${err.stderr?.toString().trim() || "bpf() failed"})`;
  }
  return cached;
}

/**
 * For `describe.skipIf(...)`: true when BPF is unavailable and the run allows skipping.
 * Under TRACEBOOK_REQUIRE_BPF=1 it throws instead, failing the file with the reason.
 */
export function skipWithoutBpf(): boolean {
  const reason = bpfUnavailableReason();
  if (reason === null) return false;
  if (process.env.TRACEBOOK_REQUIRE_BPF === "1") {
    throw new Error(`TRACEBOOK_REQUIRE_BPF=1 but ${reason}`);
  }
  console.warn(`skipping: ${reason}`);
  return true;
}

/** Errnos that mean "the kernel refuses" rather than "our attributes are malformed". */
const REFUSALS = new Set(["EOPNOTSUPP", "ENOTSUPP", "ENOENT", "ENODEV", "EACCES", "EPERM"]);

/** Whether kernel release `rel` (os.release() form, "6.18.0-foo") is at least `min` ("5.8"). */
export function kernelAtLeast(rel: string, min: string): boolean {
  const have = (rel.match(/^(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
  const want = min.split(".").map(Number);
  for (let i = 0; i < 2; i++) {
    const h = have[i] ?? 0;
    const w = want[i] ?? 0;
    if (h !== w) return h > w;
  }
  return true;
}

/**
 * The skip reason for a feature probe's answer, or null when the feature is there.
 * Under TRACEBOOK_REQUIRE_BPF=1 a refusal throws when it cannot be the kernel's: the
 * release is at least `minKernel` (omit it when no version guarantees the feature), or
 * the errno is not a refusal (EINVAL from our own encoding). Pure in its inputs.
 */
export function featureReason(name: string, feature: Feature, minKernel: string | undefined, kernel: string, require: boolean): string | null {
  if (feature.ok) return null;
  const reason = `this kernel refuses ${name} (${feature.errno}: ${feature.message})`;
  if (!require) return reason;
  if (minKernel !== undefined && kernelAtLeast(kernel, minKernel)) {
    throw new Error(`TRACEBOOK_REQUIRE_BPF=1 and kernel ${kernel} >= ${minKernel} has ${name}, but ${reason}`);
  }
  if (!REFUSALS.has(feature.errno)) {
    throw new Error(`TRACEBOOK_REQUIRE_BPF=1 and ${feature.errno} is no refusal (our encoding?): ${reason}`);
  }
  return reason;
}

/**
 * For `describe.skipIf(...)`: true (with the reason logged) when `probe` says this kernel
 * refuses `name`. See `featureReason` for when it fails instead under TRACEBOOK_REQUIRE_BPF=1.
 */
export function featureTest(name: string, probe: () => Feature, minKernel?: string): boolean {
  const reason = featureReason(name, probe(), minKernel, release(), process.env.TRACEBOOK_REQUIRE_BPF === "1");
  if (reason === null) return false;
  console.warn(`skipping: ${reason}`);
  return true;
}
