// The one golden-file comparison of the test suites (STYLE.md §10). UPDATE_GOLDEN=1
// rewrites the golden files; otherwise a mismatch fails with vitest's diff, and a missing
// golden fails (it is never created silently).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { expect } from "vitest";

/** True when this run rewrites the golden files (UPDATE_GOLDEN=1). */
export const updatingGoldens = process.env.UPDATE_GOLDEN === "1";

function expected(path: string): string {
  if (!existsSync(path)) throw new Error(`missing golden ${path}: run with UPDATE_GOLDEN=1`);
  return readFileSync(path, "utf8");
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Compares `actual` with the golden file at `path` (or rewrites it under UPDATE_GOLDEN=1). */
export function golden(path: string, actual: string): void {
  if (updatingGoldens) return write(path, actual);
  expect(actual).toBe(expected(path));
}

/** The sections seen so far of each multi-case golden file, for rewriting it whole. */
const sections = new Map<string, Map<string, string>>();

/**
 * One case of a golden file holding several (`=== title` sections). Under UPDATE_GOLDEN=1
 * the file is rewritten whole with the sections seen so far in this run.
 */
export function goldenSection(path: string, title: string, text: string): void {
  const file = sections.get(path) ?? new Map<string, string>();
  sections.set(path, file.set(title, text));
  if (updatingGoldens) return write(path, [...file].map(([t, x]) => `=== ${t}\n${x}\n`).join("\n"));
  const want = expected(path).split(/^=== /m).find((s) => s.startsWith(`${title}\n`));
  expect(want, `no golden entry '${title}' in ${path}: run with UPDATE_GOLDEN=1`).toBeDefined();
  expect(`${title}\n${text}\n`).toBe(want!.replace(/\n+$/, "\n"));
}
