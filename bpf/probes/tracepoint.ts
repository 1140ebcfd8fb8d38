// tracepoint:CATEGORY:EVENT — classic tracepoints. perf_event_open(PERF_TYPE_TRACEPOINT,
// id from tracefs) + PERF_EVENT_IOC_SET_BPF. The program's context is the trace record;
// `args->field` reads at the offset the tracefs `format` file gives.
import { ProgType } from "../types/abi.ts";
import { DEFAULT_STRLEN, type RecordField, type Type, int, type IntBits } from "../types/types.ts";
import { closest } from "../check/suggest.ts";
import { btfNamedType } from "../check/btf-types.ts";
import type { ConcreteProbe, Provider } from "./provider.ts";
import { fail, globToRegExp, hasWildcard } from "./provider.ts";
import type { TracepointField, TracepointFormat } from "./probe-env.ts";

/** Looks up a kernel struct by name ("struct __kernel_timespec") for pointer fields. */
export type StructLookup = (name: string, user: boolean) => Type | undefined;

/** The C type of a format-file field, as one of our types. */
export function fieldType(f: TracepointField, userPointers: boolean, structs?: StructLookup): { type: Type; dataLoc: boolean } {
  const c = f.cType.replace(/\b(const|volatile|struct|enum|__user)\b/g, " ").replace(/\s+/g, " ").trim();
  if (f.isDataLoc) return { type: { k: "string", size: DEFAULT_STRLEN }, dataLoc: true };
  const base = c.replace(/\[.*\]$/, "").trim();
  if (f.isArray || /\[\d*\]$/.test(c)) {
    const len = f.arrayLen ?? 0;
    if (/^(unsigned )?char$/.test(base) || base === "u8" || base === "s8") {
      return { type: { k: "string", size: Math.max(1, len) }, dataLoc: false };
    }
    const elemSize = len > 0 ? f.size / len : 8;
    const bits = (elemSize * 8) as IntBits;
    const element = [8, 16, 32, 64].includes(bits) ? int(bits, f.signed) : int(8, false);
    return { type: { k: "array", element, length: len }, dataLoc: false };
  }
  if (c.includes("*")) {
    const named = /^\s*(?:const\s+)?(struct|union)\s+(\w+)\s*\*$/.exec(f.cType);
    const record = named && structs ? structs(`${named[1]} ${named[2]}`, userPointers) : undefined;
    if (record) return { type: { k: "ptr", to: record, user: userPointers }, dataLoc: false };
    const pointee = /char/.test(c) ? int(8, true) : int(64, false);
    return { type: { k: "ptr", to: pointee, user: userPointers }, dataLoc: false };
  }
  const bits = (f.size * 8) as IntBits;
  if (![8, 16, 32, 64].includes(bits)) return { type: int(64, false), dataLoc: false };
  return { type: int(bits, f.signed), dataLoc: false };
}

export function argsRecord(category: string, event: string, format: TracepointFormat, structs?: StructLookup): Type {
  const userPointers = category === "syscalls";
  const fields: RecordField[] = format.fields
    .filter((f) => !f.name.startsWith("common_"))
    .map((f) => {
      const { type, dataLoc } = fieldType(f, userPointers, structs);
      return { name: f.name, type, offset: f.offset, dataLoc };
    });
  const size = Math.max(0, ...format.fields.map((f) => f.offset + f.size));
  return { k: "record", name: `struct ${category}_${event}_args`, size, fields };
}

export const tracepoint: Provider = {
  name: "tracepoint",
  aliases: ["t"],
  expand(ap, env) {
    const [category, event] = ap.parts;
    if (ap.parts.length !== 2 || !category || !event) {
      return fail("tracepoint probes look like tracepoint:CATEGORY:EVENT");
    }
    const all = env.listTracepoints();
    const want = `${category}:${event}`;
    const names = hasWildcard(want) ? all.filter((n) => globToRegExp(want).test(n)) : all.includes(want) ? [want] : [];
    if (names.length === 0) {
      const problem = all.length === 0 ? env.tracefsProblem?.() : undefined;
      if (problem) return fail(`tracepoint:${want}: ${problem.message}`, problem.hints);
      const near = closest(want, all);
      return fail(`tracepoint not found: ${category}:${event}`, near ? [`did you mean tracepoint:${near}?`] : []);
    }
    const probes: ConcreteProbe[] = [];
    for (const n of names) {
      const [cat, ev] = n.split(":") as [string, string];
      const format = env.tracepointFormat(cat, ev);
      if (!format) continue;
      probes.push({
        provider: "tracepoint",
        name: `tracepoint:${cat}:${ev}`,
        progType: ProgType.TRACEPOINT,
        context: "tracepoint",
        args: argsRecord(cat, ev, format, (name, user) => {
          const btf = env.btf?.();
          return btf ? btfNamedType(btf, name, user) : undefined;
        }),
        attach: { kind: "tracepoint", category: cat, event: ev, id: format.id },
      });
    }
    if (probes.length === 0) {
      // tracefs was there when the session began and is gone now (unmounted mid-session)
      const problem = env.tracefsProblem?.();
      if (problem) return fail(`tracepoint:${want}: ${problem.message}`, problem.hints);
      return fail(`tracepoint ${want}: cannot read its format from tracefs`);
    }
    return { ok: true, probes };
  },
};
