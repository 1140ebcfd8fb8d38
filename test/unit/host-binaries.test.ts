// Which files a uprobe/usdt target names on a live machine (bpf/probes/host-binaries.ts),
// after bpftrace's resolve_binary_path: glob(3)'s matching and spelling, executables and
// shared objects kept (a library without its x bit too), a bare name found in $PATH and
// spelled as found, and the ELF files a running process maps. Files in a temp directory
// (copies of the recorded ELF fixture), no privileges.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { elfType, globPaths, isProbeableElf, processBinariesOnHost, resolveBinariesOnHost } from "../../bpf/probes/host-binaries.ts";
import { DEMO_FILE } from "../helpers/probe-kinds.ts";

/** A tree of files in a temp directory: name → "pie" (the fixture, ET_DYN), "exec" (ET_EXEC), or text; mode per name. */
function tree(files: Record<string, { kind: "pie" | "exec" | "text"; mode: number }>): string {
  const dir = mkdtempSync(join(tmpdir(), "tb-host-bin-"));
  for (const [name, f] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, ".."), { recursive: true });
    if (f.kind === "text") writeFileSync(path, "#!/bin/sh\n");
    else if (f.kind === "pie") copyFileSync(DEMO_FILE, path);
    else {
      const b = readFileSync(DEMO_FILE);
      b.writeUInt16LE(2, 16); // e_type = ET_EXEC
      writeFileSync(path, b);
    }
    chmodSync(path, f.mode);
  }
  return dir;
}

describe("uprobe and usdt targets on the host", () => {
  it("glob like glob(3): within one component, sorted, no hidden files unless asked, spelled as the pattern", () => {
    const dirs: Record<string, string[]> = { "/w": ["bin", "lib"], "/w/bin": ["app", "app2", ".app3", "tool"], "/w/lib": ["app.so"] };
    const readdir = (d: string) => dirs[d];
    expect(globPaths("./bin/app*", "/w", readdir)).toEqual(["./bin/app", "./bin/app2"]);
    expect(globPaths("*/app*", "/w", readdir)).toEqual(["bin/app", "bin/app2", "lib/app.so"]);
    expect(globPaths("/w/bin/.a*", "/", readdir)).toEqual(["/w/bin/.app3"]);
    expect(globPaths("/w/bin/app?", "/", readdir)).toEqual(["/w/bin/app2"]);
    expect(globPaths("./bin/none*", "/w", readdir)).toEqual([]);
    expect(globPaths("./bin/app", "/w", readdir)).toEqual(["./bin/app"]);
  });

  it("keep executables their owner may run and shared objects whatever their mode; a path written out may be any file", () => {
    const dir = tree({
      "bin/app": { kind: "pie", mode: 0o755 },
      "bin/noexec": { kind: "exec", mode: 0o644 },
      "bin/exec": { kind: "exec", mode: 0o700 },
      "bin/script": { kind: "text", mode: 0o755 },
      "lib/libx.so": { kind: "pie", mode: 0o644 },
    });
    expect([elfType(join(dir, "bin/app")), elfType(join(dir, "bin/exec")), elfType(join(dir, "bin/script"))]).toEqual([3, 2, undefined]);
    expect(["bin/app", "bin/noexec", "bin/exec", "bin/script", "lib/libx.so"].map((f) => isProbeableElf(join(dir, f)))).toEqual([true, false, true, false, true]);
    expect(resolveBinariesOnHost("./bin/*", "", dir)).toEqual([
      { name: "./bin/app", path: join(dir, "bin/app") },
      { name: "./bin/exec", path: join(dir, "bin/exec") },
    ]);
    expect(resolveBinariesOnHost("./lib/libx.so", "", dir)).toEqual([{ name: "./lib/libx.so", path: join(dir, "lib/libx.so") }]);
    expect(resolveBinariesOnHost("bin/script", "", dir)).toEqual([{ name: "bin/script", path: join(dir, "bin/script") }]);
    expect(resolveBinariesOnHost("./bin/missing", "", dir)).toEqual([]);
  });

  it("never opens what is no regular file: a FIFO a wildcard matches would wait for a writer", () => {
    const dir = tree({ "bin/app": { kind: "pie", mode: 0o755 } });
    execFileSync("mkfifo", [join(dir, "bin/app.fifo")]);
    expect(elfType(join(dir, "bin/app.fifo"))).toBeUndefined();
    expect(resolveBinariesOnHost("./bin/app*", "", dir).map((t) => t.name)).toEqual(["./bin/app"]);
  });

  it("find a bare name in the working directory (an ELF file there), then in $PATH, spelled as found", () => {
    const dir = tree({ "a/app": { kind: "pie", mode: 0o755 }, "b/app": { kind: "pie", mode: 0o755 }, "b/tool": { kind: "pie", mode: 0o755 }, "cwd/tool": { kind: "text", mode: 0o755 } });
    const path = `${join(dir, "a")}:${join(dir, "b")}`;
    expect(resolveBinariesOnHost("app", path, join(dir, "cwd")).map((t) => t.name)).toEqual([join(dir, "a/app"), join(dir, "b/app")]);
    expect(resolveBinariesOnHost("tool", path, join(dir, "cwd")).map((t) => t.name)).toEqual([join(dir, "b/tool")]); // ./tool is a script
    expect(resolveBinariesOnHost("app", path, join(dir, "a")).map((t) => t.name)).toEqual(["app", join(dir, "b/app")]);
    expect(resolveBinariesOnHost("ap*", path, join(dir, "cwd")).map((t) => t.name)).toEqual([join(dir, "a/app"), join(dir, "b/app")]);
    // a $PATH entry that cannot be searched (here a file: ENOTDIR; for nobody /root/...: EACCES) is passed over
    expect(resolveBinariesOnHost("app", `${join(dir, "cwd/tool")}:${path}`, join(dir, "cwd")).map((t) => t.name)).toEqual([join(dir, "a/app"), join(dir, "b/app")]);
  });

  it("list the ELF files a running process maps, its executable first", () => {
    const mine = processBinariesOnHost(process.pid);
    expect(mine?.[0]).toEqual({ name: process.execPath, path: process.execPath });
    expect(mine?.some((t) => /\/libc\.so\.6$/.test(t.name))).toBe(true);
    expect(processBinariesOnHost(0x7fffffff)).toBeUndefined();
  });
});
