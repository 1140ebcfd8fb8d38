// The AST of representative programs, printed by bpf/lang/printer.ts (span-free), pinned
// against test/unit/golden/lang/*.ast. UPDATE_GOLDEN=1 rewrites the golden files.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, printProgram } from "../../bpf/lang/index.ts";
import { golden } from "../helpers/golden.ts";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "../fixtures/bt");
const goldens = join(here, "golden/lang");

const representative = [
  "constructs.bt",
  ...readdirSync(fixtures).filter((f) => f.startsWith("field-guide-")).sort(),
  ...[
    "bashreadline.bt", "biolatency.bt", "biosnoop.bt", "execsnoop.bt", "opensnoop.bt",
    "runqlat.bt", "runqlen.bt", "syscount.bt", "tcpaccept.bt", "tcpconnect.bt", "tcplife.bt",
    "vfsstat.bt", "xfsdist.bt",
  ].map((f) => `tools/${f}`),
];

describe("golden ASTs", () => {
  it.each(representative)("%s", (file) => {
    const r = parse(readFileSync(join(fixtures, file), "utf8"));
    expect(r.diagnostics).toEqual([]);
    golden(join(goldens, `${file.replace("tools/", "tools-").replace(/\.bt$/, "")}.ast`), printProgram(r.program!));
  });
});

describe("every fixture parses without diagnostics", () => {
  const all = [
    ...readdirSync(fixtures).filter((f) => f.endsWith(".bt")),
    ...readdirSync(join(fixtures, "tools")).filter((f) => f.endsWith(".bt")).map((f) => `tools/${f}`),
  ].sort();

  it("has the field guide's programs and bpftrace's tools", () => {
    expect(all.filter((f) => f.startsWith("field-guide-")).length).toBe(12);
    expect(all.filter((f) => f.startsWith("tools/")).length).toBeGreaterThanOrEqual(40);
  });

  it.each(all)("%s", (file) => {
    const src = readFileSync(join(fixtures, file), "utf8");
    const r = parse(src);
    expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.severity}: ${d.message}`)).toEqual([]);
    expect(r.program?.probes.length).toBeGreaterThan(0);
  });
});
