// The bpftrace-like CLI alone, bundled by scripts/build.mjs into dist/cli.cjs (a script, not
// an ES module), which bin/tracebook.js runs through V8's code cache: Node 20 caches no
// compiled ES modules, and compiling the engine at every start took about a tenth of a
// CLI run. The kernel and install paths stay in dist/tracebook.js (magics/entry.ts).
import { runBpftraceCli } from "../bpf/cli.ts";
import { VERSION } from "../kernel/version.ts";

export function main(argv: readonly string[]): void {
  runBpftraceCli([...argv], VERSION).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`tracebook: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
