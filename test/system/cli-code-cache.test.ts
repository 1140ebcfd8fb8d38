// The CLI runs from dist/cli.cjs with the V8 code cache the build made (bin/tracebook.js):
// this node accepts it, and a cache it rejects (another node, a damaged file) only costs
// the compile time. Needs the build, not BPF: the program is only compiled (--dry-run).
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, ensureBuilt } from "../helpers/jupyter-kernel-process.ts";

const PROGRAM = 'BEGIN { printf("%d\\n", 1 + 2); exit(); }';

function run(bin: string): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [bin, "--dry-run", "-e", PROGRAM], { env: { ...process.env, TRACEBOOK_CODE_CACHE_REPORT: "1" }, encoding: "utf8" });
  return { code: r.status, stderr: r.stderr };
}

describe("the CLI's code cache", () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("is made by the build and used by this node", () => {
    const r = run(join(ROOT, "bin/tracebook.js"));
    expect(r.stderr).toBe("tracebook: code cache used\n");
    expect(r.code).toBe(0);
  });

  it("a damaged cache is rejected and the CLI still runs, from a copy of the bundle", () => {
    const dir = mkdtempSync(join(tmpdir(), "tb-code-cache-"));
    mkdirSync(join(dir, "bin"));
    mkdirSync(join(dir, "dist"));
    copyFileSync(join(ROOT, "bin/tracebook.js"), join(dir, "bin/tracebook.js"));
    copyFileSync(join(ROOT, "dist/cli.cjs"), join(dir, "dist/cli.cjs"));
    copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, "dist/cli.cjs.cache"), Buffer.alloc(4096, 7));
    const r = run(join(dir, "bin/tracebook.js"));
    expect(r.stderr).toBe("tracebook: code cache rejected\n");
    expect(r.code).toBe(0);
    // and the version still comes from the package.json beside it
    expect(execFileSync(process.execPath, [join(dir, "bin/tracebook.js"), "-e", "x", "-V"], { encoding: "utf8" })).toMatch(/^tracebook v\d+\.\d+\.\d+\n$/);
  });
});
