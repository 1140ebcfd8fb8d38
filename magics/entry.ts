// The `tracebook` process entry, bundled into dist/tracebook.js (scripts/build.mjs):
//   tracebook kernel -f CONNECTION_FILE    the Jupyter kernel (magics/main.ts)
//   tracebook install [--user | --prefix P | --sys-prefix]   the kernelspec (kernel/)
//   tracebook --version
//   tracebook ...anything else...          the bpftrace-like CLI (bpf/cli.ts)
// Each path is imported on demand: `tracebook -e` loads neither zeromq nor the
// interpreter, and a broken engine fails only the paths that need it.
import { VERSION } from "../kernel/version.ts";

const log = (line: string): void => void process.stderr.write(`tracebook: ${line}\n`);

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "kernel": {
      const { runKernel } = await import("./main.ts");
      return runKernel(rest);
    }
    case "install": {
      const { installKernelSpec, parseInstallArgs } = await import("../kernel/kernelspec.ts");
      const dir = installKernelSpec(parseInstallArgs(rest));
      process.stdout.write(`installed kernelspec tracebook in ${dir}\n`);
      return 0;
    }
    case "--version":
    case "-V":
      process.stdout.write(`tracebook ${VERSION}\n`);
      return 0;
    default: {
      const { runBpftraceCli } = await import("../bpf/cli.ts");
      return runBpftraceCli([...argv], VERSION);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
