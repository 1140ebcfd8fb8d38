// %doctor on this machine (PLATFORM.md): BTF yes, kprobes no with its hint, tracepoints,
// ring buffer, JIT and, as root, the capabilities yes.
import { describe, expect, it } from "vitest";
import type { CellContext, MimeBundle } from "../../kernel/interpreter.ts";
import { createInterpreter } from "../../magics/interpreter.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";

describe.skipIf(skipWithoutBpf())("%doctor", () => {
  it("reports this machine's facts", async () => {
    const interp = createInterpreter();
    const shown: MimeBundle[] = [];
    const ctx: CellContext = { executionCount: 1, stream: () => undefined, display: (d) => void shown.push(d), signal: new AbortController().signal };
    try {
      expect(await interp.execute("%doctor", ctx)).toEqual({ status: "ok" });
      const text = String(shown[0]?.["text/plain"]);
      const row = (name: string) => text.split("\n").find((l) => l.startsWith(`${name} `)) ?? "";
      expect(row("BTF")).toMatch(/^BTF +yes /);
      expect(row("kprobes")).toMatch(/^kprobes +no +no kprobe PMU +a kernel with CONFIG_KPROBES=y/);
      expect(row("tracepoints")).toMatch(/^tracepoints +yes /);
      expect(row("ring buffer")).toMatch(/^ring buffer +yes /);
      expect(row("BPF JIT")).toMatch(/^BPF JIT +yes +bpf_jit_enable=[12]/);
      if (process.getuid?.() === 0) for (const c of ["CAP_BPF", "CAP_PERFMON", "CAP_SYS_ADMIN"]) expect(row(c)).toMatch(new RegExp(`^${c} +yes`));
      expect(String(shown[0]?.["text/html"])).toContain("<td>kprobes</td><td>no</td>");
    } finally {
      await interp.shutdown();
    }
  });
});
