import { defineConfig } from "vitest/config";

// Two projects: unit tests need no privileges; system tests load real BPF programs,
// spawn the real kernel and real Jupyter clients. System tests run one file at a time:
// they share the machine's tracefs and count events from their own workloads. Both fail a
// file that leaves a BPF, perf or tracefs fd open (test/helpers/setup-fd-leak.ts).
export default defineConfig({
  test: {
    dangerouslyIgnoreUnhandledErrors: false,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          setupFiles: ["test/helpers/setup-fd-leak.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "system",
          include: ["test/system/**/*.test.ts"],
          setupFiles: ["test/helpers/setup-fd-leak.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
