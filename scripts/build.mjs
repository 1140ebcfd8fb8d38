// Bundles the `tracebook` CLI and kernel into dist/tracebook.js (ESM, Node 20).
// Dependencies stay external (koffi and zeromq are native addons; vega loads its own data).
//   node scripts/build.mjs
import { existsSync, readdirSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import * as esbuild from "esbuild";

// What the run that makes the CLI's code cache compiles: the common paths of parse, check
// and codegen (a tracepoint with a string key, printf, a histogram, BEGIN/END, exit).
const CACHE_PROGRAM =
  'BEGIN { printf("hello %s\\n", "x"); } tracepoint:syscalls:sys_enter_openat /pid != 0/ { @[str(args->filename)] = count(); @h = hist(args->flags); $x = 1; if ($x > 0) { exit(); } } END { print(@h); }';

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// The entry imports each path lazily (`await import("../bpf/cli.ts")`).
// While a module written in parallel does not exist yet, bundle a stub that fails when
// (and only when) that path runs, instead of failing the whole build.
const lazyModules = ["magics/main.ts", "bpf/cli.ts"];
const missingLazyModules = {
  name: "missing-lazy-modules",
  setup(build) {
    build.onResolve({ filter: /(magics\/main|bpf\/cli)\.ts$/ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      const rel = path.slice(root.length + 1);
      if (!lazyModules.includes(rel) || existsSync(path)) return undefined;
      console.warn(`build: ${rel} does not exist yet; bundling a stub that throws when used`);
      return { path: rel, namespace: "missing" };
    });
    build.onLoad({ filter: /.*/, namespace: "missing" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not part of this build yet`)});`,
      loader: "js",
    }));
  },
};

const result = await esbuild.build({
  absWorkingDir: root,
  metafile: true,
  // Code splitting: the CLI path (`tracebook -e`) must not load zeromq or vega, and the
  // kernel and install paths load only what they need; dynamic imports become chunks.
  entryPoints: { tracebook: "magics/entry.ts" },
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Native addons and large lazily-loaded packages stay external. chevrotain is bundled:
  // as an external ES module it loads hundreds of lodash-es files (~0.7 s at start-up).
  // typescript finds its native compiler next to its own package, so it stays where npm put it.
  external: ["koffi", "zeromq", "esbuild", "vega", "vega-lite", "@resvg/resvg-js", "@jupyterlab/services", "typescript"],
  sourcemap: true,
  logLevel: "warning",
  plugins: [missingLazyModules],
  // Bundled CommonJS dependencies, if any, need require() in an ES module.
  banner: { js: 'import { createRequire as __tbCreateRequire } from "node:module"; const require = __tbCreateRequire(import.meta.url);' },
});
// The CLI alone as one script (magics/cli-entry.ts), which bin/tracebook.js runs with a V8
// code cache; the cache is made here by a run that compiles a program without loading it.
await esbuild.build({
  absWorkingDir: root,
  entryPoints: ["magics/cli-entry.ts"],
  outfile: "dist/cli.cjs",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: ["koffi", "zeromq", "esbuild", "vega", "vega-lite", "@resvg/resvg-js", "@jupyterlab/services"],
  logLevel: "warning",
  plugins: [missingLazyModules],
  // kernel/version.ts finds package.json from its own URL
  define: { "import.meta.url": "__tbImportMetaUrl" },
  banner: { js: 'var __tbImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
});
rmSync(resolve(root, "dist/cli.cjs.cache"), { force: true });
const warm = spawnSync(process.execPath, [resolve(root, "bin/tracebook.js"), "--dry-run", "-e", CACHE_PROGRAM], {
  env: { ...process.env, TRACEBOOK_WRITE_CODE_CACHE: "1" },
  stdio: ["ignore", "ignore", "pipe"],
});
if (!existsSync(resolve(root, "dist/cli.cjs.cache"))) console.warn(`build: no code cache for dist/cli.cjs (${warm.stderr.toString().trim().split("\n").at(-1)})`);
// Chunk names carry a content hash: remove the chunks earlier builds left behind.
const outputs = new Set(Object.keys(result.metafile.outputs).map((p) => resolve(root, p)));
const chunks = resolve(root, "dist/chunks");
for (const f of readdirSync(chunks)) if (!outputs.has(resolve(chunks, f))) rmSync(resolve(chunks, f));
console.log("build: dist/tracebook.js");
