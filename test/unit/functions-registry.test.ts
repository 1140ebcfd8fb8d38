// The function registry (bpf/functions/index.ts) as the one place a function lives: every
// name once; every value type a function makes decoded by one row, every ring-buffer action handled by one row, every aggregation kind a row; and no
// pass outside bpf/functions/ asks a call or a builtin for its name.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { aggregations, builtinRows, decoderOf, eventHook, functions, rows } from "../../bpf/functions/index.ts";
import type { Action } from "../../bpf/functions/actions.ts";
import type { MapValueKind } from "../../bpf/types/map-info.ts";
import type { Type } from "../../bpf/types/types.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => {
      const abs = join(e.parentPath, e.name);
      return { path: relative(root, abs), text: readFileSync(abs, "utf8") };
    });
}

describe("the registry", () => {
  it("has each name once", () => {
    const names = rows.map((r) => r.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it("has a check for every function and a type for every builtin", () => {
    for (const f of functions.values()) expect(typeof f.check, f.name).toBe("function");
    for (const b of builtinRows.values()) expect(typeof b.builtin?.type, b.name).toBe("function");
    expect([...builtinRows.keys()]).toEqual(expect.arrayContaining(["pid", "comm", "nsecs", "kstack", "username", "ppid"]));
  });

  it("decodes each value type that functions make with exactly one row", () => {
    const made: Type[] = [
      { k: "timestamp", format: "%H" },
      { k: "inet" },
      { k: "macaddr" },
      { k: "stack", user: false },
      { k: "stack", user: true, mode: "perf", limit: 3 },
      { k: "sym", user: false },
      { k: "sym", user: true },
      { k: "sym", user: false, table: "cgroup" },
      { k: "sym", user: false, table: "username" },
    ];
    for (const t of made) {
      expect(decoderOf(t), JSON.stringify(t)).toBeDefined();
      expect(rows.filter((r) => r.decode?.accepts(t)).length, JSON.stringify(t)).toBe(1);
    }
    for (const t of [{ k: "int", bits: 64, signed: true }, { k: "string", size: 8 }, { k: "buffer", size: 4 }] as Type[]) {
      expect(decoderOf(t), JSON.stringify(t)).toBeUndefined();
    }
  });

  it("handles each ring-buffer action with exactly one row", () => {
    const kinds: Action["kind"][] = ["printf", "exit", "print", "print_value", "clear", "zero", "time", "join", "cat", "system", "errorf", "warnf"];
    for (const k of kinds) {
      expect(eventHook(k), k).toBeTypeOf("function");
      expect(rows.filter((r) => r.events?.[k]).length, k).toBe(1);
    }
  });

  it("has a row for every aggregation a map can hold", () => {
    const kinds: MapValueKind[] = ["count", "sum", "min", "max", "avg", "stats", "hist", "lhist", "tseries"];
    expect([...aggregations.keys()].sort()).toEqual([...kinds].sort());
    for (const k of kinds) expect(functions.get(k)?.aggregation?.kind).toBe(k);
  });
});

describe("no pass outside bpf/functions/ asks for a function's name", () => {
  const passes = ["bpf/check", "bpf/codegen", "bpf/maps", "bpf/runtime", "bpf/output"].flatMap(sources);
  const builtinNames = [...builtinRows.keys()].join("|");

  it.each([
    ["a call's callee compared with a name", /\bcallee\s*[!=]==?\s*["'`]/],
    ["a switch on a call's callee", /switch\s*\([^)]*\bcallee\)/],
    ["a set of names asked for a callee", /\.has\([\w.]*\bcallee\)/],
    ["a builtin compared by name", new RegExp(`\\bname\\s*[!=]==\\s*"(${builtinNames})"`)],
    ["a case on a builtin's name", new RegExp(`case\\s+"(${builtinNames})"\\s*:`)],
  ])("%s", (_what, pattern) => {
    const found = passes.flatMap((f) => f.text.split("\n").flatMap((line, i) => (pattern.test(line) ? [`${f.path}:${i + 1}: ${line.trim()}`] : [])));
    expect(found).toEqual([]);
  });
});
