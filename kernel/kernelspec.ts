// `tracebook install`: writes the kernelspec (kernel.json and a logo) where Jupyter
// looks for kernels. https://jupyter-client.readthedocs.io/en/stable/kernels.html#kernel-specs
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { PACKAGE_ROOT } from "./version.ts";

export const KERNEL_NAME = "tracebook";

export type InstallTarget =
  | { readonly kind: "user" }
  | { readonly kind: "prefix"; readonly prefix: string }
  | { readonly kind: "sys-prefix" }
  | { readonly kind: "default" };

export interface KernelSpec {
  readonly argv: readonly string[];
  readonly display_name: string;
  readonly language: string;
  readonly interrupt_mode: "message" | "signal";
  readonly env?: Record<string, string>;
  readonly metadata: Record<string, unknown>;
}

/**
 * The bundle the kernelspec starts: dist/tracebook.js under the package root. Found from
 * package.json, not from this module's URL: bundled, this module may sit in dist/ or in
 * dist/chunks/, and a "../dist" that is right from one is wrong from the other.
 */
export function bundlePath(): string {
  if (PACKAGE_ROOT === undefined) throw new Error("install: cannot find tracebook's package.json above " + import.meta.url);
  return join(PACKAGE_ROOT, "dist", "tracebook.js");
}

export function kernelSpec(node = process.execPath, script = bundlePath()): KernelSpec {
  return {
    argv: [node, script, "kernel", "-f", "{connection_file}"],
    display_name: "Tracebook (bpftrace)",
    language: "bpftrace",
    // The dispatch answers interrupt_request on control while a cell runs.
    interrupt_mode: "message",
    metadata: {},
  };
}

/** The `kernels` folder of a target, as jupyter_client's KernelSpecManager names them. */
export function kernelsDir(target: InstallTarget, env: NodeJS.ProcessEnv = process.env): string {
  switch (target.kind) {
    case "prefix":
      return join(resolve(target.prefix), "share", "jupyter", "kernels");
    case "sys-prefix":
      return join(pythonSysPrefix(env), "share", "jupyter", "kernels");
    case "user":
      return join(userDataDir(env), "kernels");
    case "default":
      // `jupyter kernelspec install` installs system-wide; as a user that needs --user.
      return process.getuid?.() === 0 ? "/usr/local/share/jupyter/kernels" : join(userDataDir(env), "kernels");
  }
}

/** jupyter_core's jupyter_data_dir() on Linux. */
function userDataDir(env: NodeJS.ProcessEnv): string {
  if (env.JUPYTER_DATA_DIR) return resolve(env.JUPYTER_DATA_DIR);
  const xdg = env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(xdg, "jupyter");
}

/**
 * sys.prefix of the Python that runs `jupyter` (its shebang), or of TRACEBOOK_PYTHON,
 * or of python3 on PATH — what `jupyter kernelspec install --sys-prefix` would use.
 */
function pythonSysPrefix(env: NodeJS.ProcessEnv): string {
  let python = env.TRACEBOOK_PYTHON || "python3";
  if (!env.TRACEBOOK_PYTHON) {
    try {
      const jupyter = execFileSync("sh", ["-c", "command -v jupyter"], { encoding: "utf8", env }).trim();
      const shebang = /^#!\s*(\S+)/.exec(readFileSync(jupyter, "utf8").split("\n", 1)[0] ?? "");
      if (shebang?.[1] && !shebang[1].endsWith("/env")) python = shebang[1];
    } catch {
      // no jupyter on PATH: fall back to python3
    }
  }
  try {
    return execFileSync(python, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8", env }).trim();
  } catch (e) {
    throw new Error(`--sys-prefix: cannot ask ${python} for sys.prefix: ${(e as Error).message}`);
  }
}

/** Writes kernels/tracebook/{kernel.json,logo-svg.svg}; returns the folder. */
export function installKernelSpec(target: InstallTarget, spec: KernelSpec = kernelSpec()): string {
  const dir = join(kernelsDir(target), KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  writeFileSync(join(dir, "logo-svg.svg"), LOGO_SVG);
  return dir;
}

/** Parses `install [--user | --prefix P | --sys-prefix]`. */
export function parseInstallArgs(args: readonly string[]): InstallTarget {
  let target: InstallTarget = { kind: "default" };
  const set = (t: InstallTarget): void => {
    if (target.kind !== "default") throw new Error("install: give at most one of --user, --prefix, --sys-prefix");
    target = t;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--user") set({ kind: "user" });
    else if (a === "--sys-prefix") set({ kind: "sys-prefix" });
    else if (a === "--prefix") {
      const p = args[++i];
      if (p === undefined || p === "") throw new Error("install: --prefix needs a folder");
      set({ kind: "prefix", prefix: p });
    } else if (a.startsWith("--prefix=")) set({ kind: "prefix", prefix: a.slice("--prefix=".length) });
    else throw new Error(`install: unknown option ${JSON.stringify(a)} (use --user, --prefix P or --sys-prefix)`);
  }
  return target;
}

// JupyterLab shows `logo-svg.svg` of a kernelspec in the launcher.
const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <rect width="64" height="64" rx="12" fill="#1f3a5f"/>
  <polyline points="6,40 18,40 24,16 32,52 38,28 44,40 58,40" fill="none" stroke="#f5a623"
    stroke-width="5" stroke-linejoin="round" stroke-linecap="round"/>
</svg>
`;
