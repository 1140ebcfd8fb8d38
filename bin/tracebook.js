#!/usr/bin/env node
// The `tracebook` command: runs the bundle built by `npm run build`.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/tracebook.js", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write("tracebook: dist/tracebook.js is missing: run `npm run build` first\n");
  process.exit(1);
}
await import(bundle.href);
