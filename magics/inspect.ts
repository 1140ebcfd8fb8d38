// inspect_request: documents the builtin, function, probe (with its arguments) or map
// under the cursor.
import type { InspectResult } from "../kernel/interpreter.ts";
import type { Session } from "../bpf/session.ts";
import { tokenAt } from "../bpf/lang/index.ts";
import { builtins } from "../bpf/check/builtins.ts";
import { functions } from "../bpf/functions/index.ts";
import { describeMap } from "../bpf/types/map-info.ts";
import { listProbes } from "../bpf/probes/listing.ts";
import type { MagicInfo } from "./line-magics.ts";

export function inspect(session: Session, code: string, pos: number, magics: readonly MagicInfo[]): InspectResult {
  const tok = tokenAt(code, Math.max(0, Math.min(pos, code.length) - (pos > 0 && !/\w/.test(code[pos] ?? "") ? 1 : 0)));
  const text = tok?.text ?? /[\w%@$:]*$/.exec(code.slice(0, pos))?.[0] ?? "";
  const doc = (s: string): InspectResult => ({ found: true, data: { "text/plain": s, "text/markdown": s } });
  const magic = magics.find((m) => m.name === text);
  if (magic) return doc(`${magic.usage}\n\n${magic.doc}`);
  const b = builtins.get(text);
  if (b) return doc(`${b.name} (builtin)\n\n${b.doc}`);
  const f = functions.get(text);
  if (f) return doc(`${f.signature}\n\n${f.doc}`);
  if (text.startsWith("@")) {
    const info = session.registry.get(text);
    return info ? doc(`${describeMap(info)}\n\ndefined in ${info.origin}`) : { found: false, data: {} };
  }
  if (text.includes(":")) {
    const lines = listProbes(session.env, text, true);
    if (lines.length) return doc(lines.slice(0, 60).join("\n"));
  }
  return { found: false, data: {} };
}
