// %%ts cells checked by TypeScript 7 and run on Node (magics/ts-cell.ts): type errors and
// runtime errors at the cell's line, declarations that persist (and can be redeclared),
// import of node: built-ins and of packages installed where the kernel runs, `tb` typed
// from the map registry, the last expression as the result, completion and inspection.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Session } from "../../bpf/session.ts";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { TsCells } from "../../magics/ts-cell.ts";
import type { CellContext, ExecuteOutcome } from "../../kernel/interpreter.ts";
import type { MapInfo } from "../../bpf/types/map-info.ts";

// a notebook folder with a package of its own (with types) in node_modules
const dir = mkdtempSync(join(tmpdir(), "tb-ts-"));
mkdirSync(join(dir, "node_modules/tb-fixture"), { recursive: true });
writeFileSync(join(dir, "node_modules/tb-fixture/package.json"), JSON.stringify({ name: "tb-fixture", type: "module", exports: { ".": { types: "./index.d.ts", import: "./index.js" } } }));
writeFileSync(join(dir, "node_modules/tb-fixture/index.js"), "export function twice(n) { return 2 * n; }\n");
writeFileSync(join(dir, "node_modules/tb-fixture/index.d.ts"), "export declare function twice(n: number): number;\n");

const session = new Session(recordedEnv(join(import.meta.dirname, "../fixtures/tracefs")));
const opens: MapInfo = { name: "@opens", valueKind: "count", keyTypes: [{ k: "string", size: 16 }], valueType: { k: "int", bits: 64, signed: true }, maxEntries: 4096, origin: "cell[1]" };
session.registry.set(opens);
const cells = new TsCells(session, { positional: [], options: [], durationMs: undefined, pid: undefined }, undefined, undefined, dir);
afterAll(async () => {
  await cells.close();
  session.close();
});

let count = 0;
async function run(source: string): Promise<{ r: ExecuteOutcome; out: string }> {
  let out = "";
  const ctx: CellContext = { executionCount: ++count, stream: (_, t) => void (out += t), display: () => undefined, signal: new AbortController().signal };
  return { r: await cells.run(source, ctx), out };
}
const result = (r: ExecuteOutcome) => (r.status === "ok" ? r.result?.["text/plain"] : `${r.ename}: ${r.traceback.join("\n")}`);

describe("%%ts cells", () => {
  it("reports a type error at the cell's line, and runs nothing", async () => {
    const { r, out } = await run('console.log("ran");\nconst n: number = "seven";\nn');
    expect(r.status).toBe("error");
    if (r.status !== "error") return;
    expect(r.ename).toBe("TypeScriptError");
    expect(r.traceback).toEqual([
      `cell[${count}]:2:7: error TS2322: Type 'string' is not assignable to type 'number'.`,
      'const n: number = "seven";',
      "      ~",
    ]);
    expect(out).toBe("");
  }, 60_000);

  it("runs with top-level await; the last expression is the result; declarations persist and can be declared again", async () => {
    expect(result((await run("const base: number = 40;\nlet seen = await Promise.resolve(1);\nfunction add(a: number) { return a + base; }\nclass Box { constructor(readonly v: number) {} }\ninterface Row { n: number }")).r)).toBeUndefined();
    expect(result((await run("const r: Row = { n: add(seen) };\nnew Box(r.n).v + 1")).r)).toBe("42");
    // run again, with another type: a notebook re-runs cells
    expect(result((await run("const base = 'forty';\nbase.length")).r)).toBe("5");
    expect(result((await run("base.toUpperCase()")).r)).toBe("FORTY");
  }, 60_000);

  it("imports node: built-ins (fs to read /proc, child_process to run a workload)", async () => {
    const { r } = await run([
      'import { readFileSync } from "node:fs";',
      'import { execFileSync } from "node:child_process";',
      'const stat = readFileSync("/proc/self/stat", "utf8").split(" ");',
      'const echoed = execFileSync("/bin/echo", ["hello from a workload"], { encoding: "utf8" }).trim();',
      "[stat[0] === String(process.pid), echoed]",
    ].join("\n"));
    expect(result(r)).toBe("[ true, 'hello from a workload' ]");
    // the imported names are there for the next cell, typed
    expect(result((await run("readFileSync('/proc/self/comm', 'utf8').length > 0")).r)).toBe("true");
  }, 60_000);

  it("imports a package installed where the kernel runs, with its types", async () => {
    expect(result((await run('import { twice } from "tb-fixture";\ntwice(21)')).r)).toBe("42");
    const bad = (await run('twice("21")')).r;
    expect(bad.status === "error" && bad.traceback[0]).toMatch(/^cell\[\d+\]:1:7: error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'\.$/);
  }, 60_000);

  it("types tb.map from the notebook's map registry", async () => {
    const { r } = await run('const rows = tb.map("@opens");\nconst k: number = rows[0].key;\nconst v: string = rows[0].value;');
    expect(r.status === "error" && r.traceback.filter((l) => /error TS/.test(l))).toEqual([
      `cell[${count}]:2:7: error TS2322: Type 'string' is not assignable to type 'number'.`,
      `cell[${count}]:3:7: error TS2322: Type 'number' is not assignable to type 'string'.`,
    ]);
    const typo = (await run("tb.asm.call(tb.asm.helpers.map_lookup_elm)")).r;
    expect(typo.status === "error" && typo.traceback[0]).toMatch(/Property 'map_lookup_elm' does not exist/);
  }, 60_000);

  it("points a runtime error at the cell's line", async () => {
    const { r } = await run("const a = 1;\n\nconst o: { f?: () => void } = {};\nif (a === 1) {\n  o.f!();\n}");
    expect(r.status).toBe("error");
    if (r.status !== "error") return;
    expect(r.ename).toBe("TypeError");
    expect(r.traceback.slice(0, 2)).toEqual([`cell[${count}]:5: TypeError: o.f is not a function`, "   5 |   o.f!();"]);
  }, 60_000);

  it("completes and inspects inside the cell", async () => {
    const c = await cells.complete("const x = tb.ma", 15);
    expect(c).toMatchObject({ matches: ["map", "maps"], cursorStart: 13, cursorEnd: 15 });
    const h = await cells.complete("tb.asm.helpers.map_lookup_e", 27);
    expect(h.matches).toEqual(["map_lookup_elem"]);
    const i = await cells.inspect('tb.map("@opens")', 4);
    expect(i.found).toBe(true);
    expect(String(i.data["text/plain"])).toMatch(/^map: .*\n\nA map's rows/);
  }, 60_000);
});
