// The entry point of the dist/tracebook.js bundle (scripts/build.mjs): run the CLI.
import { run } from "./cli.ts";

run();
