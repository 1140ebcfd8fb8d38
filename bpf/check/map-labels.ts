// What a map's keys and values are called in a chart: the key expressions as written
// (`@[ppid, comm]` → "ppid", "comm") and the unit of the value where the program makes it
// known (`nsecs - @start[tid]` is ns; `/ 1000` after it is µs; a size or length is bytes).
import type * as A from "../lang/ast.ts";
import { printExpr } from "../lang/printer.ts";
import { builtinRows, functions } from "../functions/index.ts";

/** A key expression as a column heading: names and fields as written, the rest printed. */
export function keyLabel(e: A.Expr): string {
  switch (e.kind) {
    case "IdentExpr":
    case "VarExpr":
      return e.name;
    case "PositionalExpr":
      return e.count ? "$#" : `$${e.index}`;
    case "FieldExpr":
      return `${keyLabel(e.object)}${e.arrow ? "->" : "."}${e.field}`;
    case "CallExpr":
      return `${e.callee}(${e.args.map(keyLabel).join(", ")})`;
    default: {
      const s = printExpr(e);
      return s.startsWith("(") && s.endsWith(")") ? s.slice(1, -1) : s;
    }
  }
}

const TIME_UNITS = ["ns", "µs", "ms", "s"] as const;
type Unit = (typeof TIME_UNITS)[number] | "bytes";

const SIZE_FIELD = /^(?:bytes|size|len|length|count|nbytes|ret_size)$|_(?:bytes|size|len)$/;

/** The unit of a value expression, or undefined where it is not plain from the program. */
export function valueUnit(e: A.Expr | undefined): Unit | undefined {
  if (!e) return undefined;
  switch (e.kind) {
    case "IdentExpr":
      return builtinRows.get(e.name)?.unit;
    case "CallExpr":
      return e.args.length === 0 ? functions.get(e.callee)?.unit : undefined;
    case "FieldExpr":
      return SIZE_FIELD.test(e.field) ? "bytes" : undefined;
    case "CastExpr":
      return valueUnit(e.expr);
    case "BinaryExpr": {
      const l = valueUnit(e.left);
      if (e.op === "-" || e.op === "+") return l !== undefined && (l === valueUnit(e.right) || isMapRead(e.right)) ? l : undefined;
      if (e.op === "/" && e.right.kind === "IntLit") {
        const i = TIME_UNITS.indexOf(l as (typeof TIME_UNITS)[number]);
        const steps = { "1000": 1, "1000000": 2, "1000000000": 3 }[e.right.value.toString()];
        if (i >= 0 && steps !== undefined && i + steps < TIME_UNITS.length) return TIME_UNITS[i + steps];
        if (l === "bytes" && e.right.value === 1024n) return undefined; // KiB: not worth guessing
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** `nsecs - @start[tid]`, `nsecs - $t`: the start time was stored from the same unit. */
function isMapRead(e: A.Expr): boolean {
  return e.kind === "MapExpr" || e.kind === "VarExpr";
}
