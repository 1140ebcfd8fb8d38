// %doctor's table from fixed facts: aligned text columns, an HTML table, hints only on "no".
import { describe, expect, it } from "vitest";
import { renderDoctor } from "../../magics/doctor.ts";

describe("renderDoctor", () => {
  it("aligns columns and shows the hint of each no", () => {
    const b = renderDoctor([
      { facility: "BTF", ok: true, detail: "/sys/kernel/btf/vmlinux", hint: "unused" },
      { facility: "kprobes", ok: false, detail: "no kprobe PMU", hint: "CONFIG_KPROBES=y" },
    ]);
    expect(b["text/plain"]).toBe(
      "facility  ok   found                    what to do\n" +
      "BTF       yes  /sys/kernel/btf/vmlinux\n" +
      "kprobes   no   no kprobe PMU            CONFIG_KPROBES=y\n");
    expect(b["text/html"]).toBe(
      "<table><thead><tr><th>facility</th><th>ok</th><th>found</th><th>what to do</th></tr></thead><tbody>" +
      "<tr><td>BTF</td><td>yes</td><td>/sys/kernel/btf/vmlinux</td><td></td></tr>" +
      "<tr><td>kprobes</td><td>no</td><td>no kprobe PMU</td><td>CONFIG_KPROBES=y</td></tr></tbody></table>");
  });
});
