// Tracebook's version and package root, from package.json: the nearest one named
// "tracebook" above this module (the source tree, dist/tracebook.js and dist/chunks/*.js
// sit at different depths, so no fixed "../" is right from all of them).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

function findPackage(): { root: string; version: string } | undefined {
  for (let up = "../"; up.length <= 12; up += "../") {
    try {
      const url = new URL(`${up}package.json`, import.meta.url);
      const pkg = JSON.parse(readFileSync(url, "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "tracebook" && typeof pkg.version === "string") {
        return { root: fileURLToPath(new URL(".", url)), version: pkg.version };
      }
    } catch {
      /* not here: one folder up */
    }
  }
  return undefined;
}

const found = findPackage();

export const VERSION: string = found?.version ?? "0.0.0";

/** The folder of Tracebook's package.json (with a trailing slash), or undefined when not found. */
export const PACKAGE_ROOT: string | undefined = found?.root;
