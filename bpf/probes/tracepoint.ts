// tracepoint:CATEGORY:EVENT — classic tracepoints. perf_event_open(PERF_TYPE_TRACEPOINT,
// id from tracefs) + PERF_EVENT_IOC_SET_BPF. The program's context is the trace record;
// `args->field` reads at the offset the tracefs `format` file gives, and a `__data_loc`
// string through the u32 locator at that offset. There is no arg0: a tracepoint's
// arguments are its fields, and `-lv` lists them as the format file writes them.
import { asm, helpers, R0, R1, R2, R3, R6, R10 } from "../asm/index.ts";
import { ProgType } from "../types/abi.ts";
import { DEFAULT_STRLEN, type RecordField, type Type, int, type IntBits, sizeOf } from "../types/types.ts";
import { closest } from "../types/suggest.ts";
import { btfNamedType } from "../btf/btf-types.ts";
import type { ConcreteProbe, Provider } from "./provider.ts";
import { fail, globToRegExp, hasWildcard, noMatches } from "./provider.ts";
import type { TracepointField, TracepointFormat } from "./probe-env.ts";
import { type ArgCode, type ArgFields, copyContext } from "./args.ts";

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
    // `const char *const *argv` is a pointer to pointers: each level its own pointer type
    let type: Type = /char/.test(c) ? int(8, true) : int(64, false);
    for (let depth = (c.match(/\*/g) ?? []).length; depth > 0; depth--) type = { k: "ptr", to: type, user: userPointers };
    return { type, dataLoc: false };
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

/** r3 = the address of a `__data_loc` field's data: u32 (length << 16 | offset from the record's start). */
function dataLocAddress(f: RecordField, code: ArgCode): void {
  code.emit(asm.ldx(4, R3, R6, f.offset), asm.andImm(R3, 0xffff), asm.add(R3, R6));
}

/** Fields of the trace record, read from the context at their format-file offsets. */
export const recordFields: ArgFields = {
  scalar(f, t, code) {
    code.loadScalar(R0, R6, f.offset, t);
  },
  bytes(f, off, size, code) {
    code.zero(off, size);
    if (f.dataLoc) {
      dataLocAddress(f, code);
      code.stackAddr(R1, off);
      code.emit(asm.movImm(R2, size), asm.call(helpers.probe_read_kernel_str!));
      return;
    }
    code.copy(R10, off, R6, f.offset, Math.min(size, sizeOf(f.type)));
  },
  record(p, off, t, code) {
    copyContext(p, off, t, code);
    // each __data_loc string is then read into its trailing slot of the value
    const args = p.args;
    for (const loc of args?.k === "record" ? (args.fields ?? []) : []) {
      if (!loc.dataLoc) continue;
      const f = t.fields?.find((x) => x.name === loc.name);
      if (!f || f.type.k !== "string") continue;
      dataLocAddress(loc, code);
      code.stackAddr(R1, off + f.offset);
      code.emit(asm.movImm(R2, f.type.size), asm.call(helpers.probe_read_kernel_str!));
    }
  },
};

export const tracepoint: Provider = {
  name: "tracepoint",
  aliases: ["t"],
  space: "kernel",
  args: { fields: recordFields },
  listing: {
    walk: "kernel",
    pattern: "target",
    candidates: (env) => env.listTracepoints(),
    params(env, match) {
      const i = match.indexOf(":");
      const f = env.tracepointFormat(match.slice(0, i), match.slice(i + 1));
      // The fields after the common ones, as written between "field:" and ";".
      return f ? f.fields.filter((x) => !x.common).map((x) => x.decl) : [];
    },
  },
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
      return noMatches("tracepoint", want, near ? [`did you mean tracepoint:${near}?`] : []);
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
