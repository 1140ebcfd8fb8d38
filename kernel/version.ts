// Tracebook's version, read from package.json: the nearest one named "tracebook" above this
// module (the source tree, dist/tracebook.js and dist/chunks/*.js sit at different depths).
import { readFileSync } from "node:fs";

function readVersion(): string {
  for (let up = "../"; up.length <= 12; up += "../") {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "tracebook" && typeof pkg.version === "string") return pkg.version;
    } catch {
      /* not here: one folder up */
    }
  }
  return "0.0.0";
}

export const VERSION: string = readVersion();
