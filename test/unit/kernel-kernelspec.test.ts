import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { describe, expect, it } from "vitest";
import { installKernelSpec, kernelsDir, kernelSpec, parseInstallArgs } from "../../kernel/kernelspec.ts";

describe("kernelspec", () => {
  it("starts the bundle with this node, by absolute paths", () => {
    const spec = kernelSpec();
    expect(spec.argv.slice(2)).toEqual(["kernel", "-f", "{connection_file}"]);
    expect(spec.argv[0]).toBe(process.execPath);
    expect(isAbsolute(spec.argv[1] ?? "")).toBe(true);
    expect(spec.argv[1]).toMatch(/\/dist\/tracebook\.js$/);
    expect(spec).toMatchObject({ display_name: "Tracebook (bpftrace)", language: "bpftrace", interrupt_mode: "message", metadata: {} });
  });

  it("parses the install targets", () => {
    expect(parseInstallArgs([])).toEqual({ kind: "default" });
    expect(parseInstallArgs(["--user"])).toEqual({ kind: "user" });
    expect(parseInstallArgs(["--sys-prefix"])).toEqual({ kind: "sys-prefix" });
    expect(parseInstallArgs(["--prefix", "/p"])).toEqual({ kind: "prefix", prefix: "/p" });
    expect(parseInstallArgs(["--prefix=/p"])).toEqual({ kind: "prefix", prefix: "/p" });
    expect(() => parseInstallArgs(["--user", "--prefix", "/p"])).toThrow(/at most one/);
    expect(() => parseInstallArgs(["--prefix"])).toThrow(/needs a folder/);
    expect(() => parseInstallArgs(["--nope"])).toThrow(/unknown option/);
  });

  it("finds the kernels folder as jupyter_client does", () => {
    expect(kernelsDir({ kind: "prefix", prefix: "/opt/x" })).toBe("/opt/x/share/jupyter/kernels");
    expect(kernelsDir({ kind: "user" }, { HOME: "/h", XDG_DATA_HOME: "/x" })).toBe("/x/jupyter/kernels");
    expect(kernelsDir({ kind: "user" }, { JUPYTER_DATA_DIR: "/j" })).toBe("/j/kernels");
  });

  it("writes kernel.json and a logo under PREFIX/share/jupyter/kernels/tracebook", () => {
    const prefix = mkdtempSync(join(tmpdir(), "tb-spec-"));
    const dir = installKernelSpec({ kind: "prefix", prefix });
    expect(dir).toBe(join(prefix, "share/jupyter/kernels/tracebook"));
    expect(JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"))).toEqual(JSON.parse(JSON.stringify(kernelSpec())));
    expect(existsSync(join(dir, "logo-svg.svg"))).toBe(true);
  });
});
