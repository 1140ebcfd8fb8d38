// npm run bench: bundles bench/main.ts (esbuild, as the CLI is bundled) and runs it.
// bench/main.ts says what it measures; the table goes to stdout and bench/results/latest.md.
import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// two folders down, as bench/cells.ts's test helper finds the checkout from its own place
const out = resolve(root, "dist/bench/main.mjs");
await esbuild.build({
  absWorkingDir: root,
  entryPoints: ["bench/main.ts"],
  outfile: out,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["koffi", "zeromq"],
  logLevel: "warning",
  banner: { js: 'import { createRequire as __tbCreateRequire } from "node:module"; const require = __tbCreateRequire(import.meta.url);' },
});
await esbuild.stop();
const r = spawnSync(process.execPath, [out], { stdio: "inherit" });
process.exit(r.status ?? 1);
