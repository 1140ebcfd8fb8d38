#!/usr/bin/env node
// The `tracebook` command: runs the bundles built by `npm run build`. The CLI (every
// command but `kernel` and `install`) runs from dist/cli.cjs with the V8 code cache the
// build made for it (dist/cli.cjs.cache): a cache this node rejects is only slower.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";

const bundle = new URL("../dist/tracebook.js", import.meta.url);
const cli = fileURLToPath(new URL("../dist/cli.cjs", import.meta.url));
const argv = process.argv.slice(2);
if (!["kernel", "install", "--version", "-V"].includes(argv[0] ?? "") && existsSync(cli)) runCli(argv);
else {
  if (!existsSync(bundle)) {
    process.stderr.write("tracebook: dist/tracebook.js is missing: run `npm run build` first\n");
    process.exit(1);
  }
  await import(bundle.href);
}

function runCli(args) {
  // V8 doubles its young generation while most objects survive a scavenge, as the entries of
  // a map read at exit all do: up to 3 x 16 MiB more peak RSS (100k keys: 130 -> 110 MB, with
  // no slower exit or printf). Set before the script is compiled: the code cache records the
  // flags it was made under, and the build makes it through here too.
  v8.setFlagsFromString("--semi-space-growth-factor=1");
  const cacheFile = `${cli}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    /* no cache: compile */
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(cli, "utf8")}\n})`;
  const script = new vm.Script(wrapped, { filename: cli, cachedData });
  if (process.env.TRACEBOOK_CODE_CACHE_REPORT === "1") {
    process.stderr.write(`tracebook: code cache ${cachedData === undefined ? "none" : script.cachedDataRejected ? "rejected" : "used"}\n`);
  }
  // the build writes the cache after a run, so that it holds the functions a run compiles
  if (process.env.TRACEBOOK_WRITE_CODE_CACHE === "1") {
    process.once("exit", () => {
      writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
      renameSync(`${cacheFile}.tmp`, cacheFile);
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(cli), module, cli, dirname(cli));
  module.exports.main(args);
}
