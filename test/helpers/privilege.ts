// Privilege gating for system tests (STYLE.md §9). A test that needs CAP_BPF skips with
// the reason on a laptop; with TRACEBOOK_REQUIRE_BPF=1 (CI) the same condition fails.
// A feature this kernel refuses (kprobes, trampolines) is a skip even under
// TRACEBOOK_REQUIRE_BPF=1: use `featureSkip` for those, never for privileges.
import { execFileSync } from "node:child_process";

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

/**
 * For `describe.skipIf(...)`: true (with the reason logged) when this kernel refuses a
 * feature the tests need. A refused feature is a skip even under TRACEBOOK_REQUIRE_BPF=1.
 */
export function featureSkip(refusedBecause: string | null): boolean {
  if (refusedBecause === null) return false;
  console.warn(`skipping: ${refusedBecause}`);
  return true;
}
