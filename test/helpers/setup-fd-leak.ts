// vitest setupFiles entry (vitest.config.ts, both projects): fails a test file that ends
// with more Tracebook fds open than it started with (test/helpers/fd-leak.ts says which).
// Runs per file: beforeAll/afterAll in a setup file wrap that file's tests.
import { afterAll, beforeAll, expect } from "vitest";
import { leakedFds, leakMessage, openFds, type OpenFd } from "./fd-leak.ts";

let before: OpenFd[] = [];
beforeAll(() => {
  before = openFds();
});
afterAll(() => {
  const leaked = leakedFds(before, openFds());
  expect(leaked, leakMessage(expect.getState().testPath ?? "this file", leaked)).toEqual([]);
});
