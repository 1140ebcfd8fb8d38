// The import fence over the real tree (DESIGN.md "Layout and the direction of
// dependencies"), and a self-test of the checker on small in-memory trees. The tree still
// breaks the fence in places; those violations are listed in fence-known.txt, which may
// only shrink: a new violation fails, and so does a known one that has gone.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  SOURCE_FOLDERS, checkFence, compareKnown, formatViolation, importSpecifiers, parseKnown,
} from "../helpers/fence.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const knownPath = join(root, "test", "unit", "fence-known.txt");

function readTree(): Map<string, string> {
  const files = new Map<string, string>();
  for (const folder of SOURCE_FOLDERS) {
    for (const entry of readdirSync(join(root, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
      const abs = join(entry.parentPath, entry.name);
      files.set(relative(root, abs).split(sep).join("/"), readFileSync(abs, "utf8"));
    }
  }
  return files;
}

function tree(files: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(files));
}

describe("the import fence over the real tree", () => {
  it("breaks it only as fence-known.txt lists", () => {
    const found = checkFence(readTree());
    const { added, gone } = compareKnown(found, parseKnown(readFileSync(knownPath, "utf8")));
    const report: string[] = [];
    if (added.length > 0) {
      report.push(
        `${added.length} new fence violation(s); fix them (fence-known.txt may only shrink):`,
        ...added.map((v) => `  ${formatViolation(v)}\n    [${v.key}]`),
      );
    }
    if (gone.length > 0) {
      report.push(
        `${gone.length} known violation(s) no longer happen; delete these lines from test/unit/fence-known.txt:`,
        ...gone.map((k) => `  ${k}`),
      );
    }
    if (report.length > 0) expect.fail(report.join("\n"));
  });

  it("keeps fence-known.txt sorted and without duplicates", () => {
    const known = parseKnown(readFileSync(knownPath, "utf8"));
    expect(known).toEqual([...new Set(known)].sort((a, b) => a.localeCompare(b)));
  });
});

describe("the fence checker", () => {
  it("reads every kind of import, and no import inside strings or comments", () => {
    const src = [
      `import a from "./a.ts";`,
      `import type { B } from "../b.ts";`,
      `import {`,
      `  c,`,
      `  d,`,
      `} from "./cd.ts";`,
      `import "./side.ts";`,
      `export { e } from "./e.ts";`,
      `export * as f from "./f.ts";`,
      `export type { G } from "./g.ts";`,
      `const h = await import("./h.ts");`,
      `type I = import("./i.ts").I;`,
      `// import x from "./comment.ts";`,
      `/* import("./block.ts") */`,
      `const s = 'import y from "./string.ts"';`,
      "const t = `import z from \"./template.ts\" ${await import(\"./in-template.ts\")}`;",
      `const r = /import\\("['"]/;`,
      `export const k = 1;`,
      `export default from;`,
      `console.log(import.meta.url);`,
    ].join("\n");
    expect(importSpecifiers(src)).toEqual([
      { specifier: "./a.ts", line: 1 },
      { specifier: "../b.ts", line: 2 },
      { specifier: "./cd.ts", line: 3 },
      { specifier: "./side.ts", line: 7 },
      { specifier: "./e.ts", line: 8 },
      { specifier: "./f.ts", line: 9 },
      { specifier: "./g.ts", line: 10 },
      { specifier: "./h.ts", line: 11 },
      { specifier: "./i.ts", line: 12 },
      { specifier: "./in-template.ts", line: 16 },
    ]);
  });

  it("finds nothing in a clean tree", () => {
    expect(checkFence(tree({
      "native/index.ts": `import koffi from "koffi";\nimport { readFileSync } from "node:fs";`,
      "bpf/session.ts": `import { bpf } from "../native/index.ts";\nimport { parse } from "./lang/parser.ts";`,
      "bpf/lang/parser.ts": `import { Span } from "../types/span.ts";`,
      "bpf/types/span.ts": `export interface Span { start: number }`,
      "magics/interpreter.ts": `import { Kernel } from "../kernel/index.ts";\nimport { session } from "../bpf/session.ts";`,
      "kernel/transport.ts": `import * as zmq from "zeromq";`,
      "kernel/index.ts": `export { Transport } from "./transport.ts";\nimport { version } from "../package.json";`,
      "test/unit/x.test.ts": `import { a } from "../../kernel/index.ts";\nimport b from "../../bpf/session.ts";`,
    }))).toEqual([]);
  });

  it("reports an arrow against the table: kernel/ importing bpf/", () => {
    const found = checkFence(tree({
      "kernel/cli.ts": `const x = 1;\nconst { run } = await import("../bpf/cli.ts");`,
      "bpf/cli.ts": `export function run(): void {}`,
    }));
    expect(found.map(formatViolation)).toEqual([
      "kernel/cli.ts:2: kernel/ imports bpf/ (bpf/cli.ts); kernel/ may import nothing of ours",
    ]);
    expect(found[0]!.key).toBe("arrow kernel/cli.ts -> bpf/cli.ts");
  });

  it("reports koffi imported in bpf/ and zeromq outside kernel/", () => {
    const found = checkFence(tree({
      "bpf/maps/map.ts": `\nimport koffi from "koffi";`,
      "magics/x.ts": `import type { Socket } from "zeromq";`,
    }));
    expect(found.map(formatViolation)).toEqual([
      "bpf/maps/map.ts:2: imports the package koffi, which only native/ may import",
      "magics/x.ts:1: imports the package zeromq, which only kernel/ may import",
    ]);
  });

  it("reports a circle between two bpf/ folders with the edges that make it", () => {
    const found = checkFence(tree({
      "bpf/maps/codec.ts": `import { x } from "../runtime/load.ts";\nimport { y } from "../runtime/drain.ts";`,
      "bpf/runtime/load.ts": `import type { T } from "../types/t.ts";`,
      "bpf/runtime/drain.ts": `\n\nimport { codec } from "../maps/codec.ts";`,
      "bpf/types/t.ts": `export type T = number;`,
    }));
    expect(found.map((v) => v.key)).toEqual(["circle bpf/maps -> bpf/runtime", "circle bpf/runtime -> bpf/maps"]);
    expect(found.map(formatViolation)).toEqual([
      [
        "bpf/maps/codec.ts:1: bpf/maps -> bpf/runtime closes a circle between bpf/maps, bpf/runtime, by:",
        "  bpf/maps/codec.ts:1 -> bpf/runtime/load.ts",
        "  bpf/maps/codec.ts:2 -> bpf/runtime/drain.ts",
      ].join("\n"),
      [
        "bpf/runtime/drain.ts:3: bpf/runtime -> bpf/maps closes a circle between bpf/maps, bpf/runtime, by:",
        "  bpf/runtime/drain.ts:3 -> bpf/maps/codec.ts",
      ].join("\n"),
    ]);
  });

  it("reports no circle for a chain, and each edge of a three-folder circle", () => {
    const chain = {
      "bpf/codegen/gen.ts": `import "../maps/m.ts";`,
      "bpf/maps/m.ts": `import "../runtime/r.ts";`,
      "bpf/runtime/r.ts": `export {};`,
    };
    expect(checkFence(tree(chain))).toEqual([]);
    const found = checkFence(tree({ ...chain, "bpf/runtime/r.ts": `import type { G } from "../codegen/gen.ts";` }));
    expect(found.map((v) => v.key)).toEqual([
      "circle bpf/codegen -> bpf/maps", "circle bpf/maps -> bpf/runtime", "circle bpf/runtime -> bpf/codegen",
    ]);
  });

  it("counts files directly in bpf/ as the folder bpf/", () => {
    const found = checkFence(tree({
      "bpf/session.ts": `import { load } from "./runtime/load.ts";`,
      "bpf/runtime/load.ts": `import { Session } from "../session.ts";`,
    }));
    expect(found.map((v) => v.key)).toEqual(["circle bpf/ -> bpf/runtime", "circle bpf/runtime -> bpf/"]);
  });

  it("reports a circle between top-level folders", () => {
    const found = checkFence(tree({
      "magics/interpreter.ts": `import { Kernel } from "../kernel/index.ts";`,
      "kernel/index.ts": `import { createInterpreter } from "../magics/interpreter.ts";`,
    }));
    expect(found.map((v) => v.key)).toEqual([
      "arrow kernel/index.ts -> magics/interpreter.ts",
      "circle kernel -> magics",
      "circle magics -> kernel",
    ]);
  });

  it("reports an 801-line file, not an 800-line one, nor a generated one", () => {
    const lines = (n: number): string => "const x = 1;\n".repeat(n);
    const found = checkFence(tree({
      "bpf/codegen/generator.ts": lines(801),
      "bpf/lang/parser.ts": lines(800),
      "native/bpf-constants.ts": `// Code generated by scripts/gen.mjs; DO NOT EDIT.\n${lines(900)}`,
    }));
    expect(found.map(formatViolation)).toEqual([
      `bpf/codegen/generator.ts:801: 801 lines, over 800: split it (STYLE.md §11), or mark it "DO NOT EDIT" if it is generated`,
    ]);
    expect(found[0]!.key).toBe("size bpf/codegen/generator.ts");
  });

  it("tells what is new and what has gone from the known list", () => {
    const found = checkFence(tree({ "native/x.ts": `import "../bpf/y.ts";` }));
    expect(compareKnown(found, ["arrow native/x.ts -> bpf/y.ts"])).toEqual({ added: [], gone: [] });
    const { added, gone } = compareKnown(found, ["size bpf/old.ts"]);
    expect(added.map((v) => v.key)).toEqual(["arrow native/x.ts -> bpf/y.ts"]);
    expect(gone).toEqual(["size bpf/old.ts"]);
  });
});
