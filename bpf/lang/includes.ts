// The program's #includes, read for their constants (c-headers.ts). bpftrace fails on an
// #include clang cannot find ("fatal error: 'x.h' file not found"); so do we, as an error
// at the #include line. Includes in inactive branches (`#ifndef BPFTRACE_HAVE_BTF`) were
// dropped by the preprocessor and are not read. The program's own #defines that come
// before an #include are seen by the headers (`#define _GNU_SOURCE` steers glibc's).
//
// Headers are read on the first name the program's own #defines do not give, and reading
// the same includes again (the next cell, the next compile) costs nothing: scans are
// cached per `cacheKey` (the env) for the life of the process.
import type * as A from "./ast.ts";
import { diagnostic, type Diagnostic } from "../types/diagnostic.ts";
import { scanHeaders, type HeaderLookup, type HeaderScan, type PreambleStep } from "./c-headers.ts";

export interface IncludedConstants {
  /** A header's integer constant by name, or undefined. */
  readonly constant: (name: string) => bigint | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

const NONE: IncludedConstants = { constant: () => undefined, diagnostics: [] };

const scans = new WeakMap<object, Map<string, HeaderScan>>();

/**
 * `path`: where the program's file is, for `#include "file"` (undefined: the working
 * directory). `forced`: headers included before the program, as clang's `-include FILE`
 * (bpftrace's --include): looked up as `#include "FILE"` is, errors reported at 1:1.
 */
export function readIncludes(program: A.Program, lookup: HeaderLookup, cacheKey: object, path?: string, forced: readonly string[] = []): IncludedConstants {
  const at0: A.Span = { line: 1, col: 1, endLine: 1, endCol: 1, offset: 0, endOffset: 0 };
  const includes = [...forced.map((name) => ({ name, quoted: true, span: at0 })), ...(program.includeDirectives ?? [])];
  if (includes.length === 0) return NONE;
  const steps: PreambleStep[] = [];
  const stepSpans: A.Span[] = [];
  const events = [
    ...includes.map((i) => ({ at: i.span.offset, step: { kind: "include", name: i.name, quoted: i.quoted } as PreambleStep, span: i.span })),
    ...(program.defines ?? [])
      .filter((d) => d.span.offset < includes[includes.length - 1]!.span.offset)
      .map((d) => ({ at: d.span.offset, step: { kind: "define", name: d.name, params: d.params, value: d.value } as PreambleStep, span: d.span })),
  ].sort((a, b) => a.at - b.at);
  for (const e of events) {
    steps.push(e.step);
    stepSpans.push(e.span);
  }
  // Only a missing top-level include is an error (as for clang); the headers themselves are
  // read when the program first uses a name no #define of its own gives.
  const diagnostics: Diagnostic[] = [];
  steps.forEach((s, i) => {
    if (s.kind !== "include" || lookup(s.name, s.quoted, path) !== undefined) return;
    diagnostics.push(diagnostic("ParseError", stepSpans[i]!, `'${s.name}' file not found`, [
      s.quoted
        ? `#include "${s.name}" is looked up next to the program, then in /usr/include`
        : `#include <${s.name}> is looked up in /usr/include/<arch>-linux-gnu and /usr/include (is the package with the header installed?)`,
    ]));
  });
  const key = JSON.stringify([path ?? null, steps]);
  let byKey = scans.get(cacheKey);
  if (byKey === undefined) scans.set(cacheKey, (byKey = new Map()));
  const cache = byKey;
  const constant = (name: string): bigint | undefined => {
    let scan = cache.get(key);
    if (scan === undefined) cache.set(key, (scan = scanHeaders(steps, lookup, path)));
    return scan.constant(name);
  };
  return { constant, diagnostics };
}
