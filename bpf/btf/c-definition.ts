// C definitions of BTF structs, unions and enums, laid out as libbpf's btf_dump writes them
// (what `bpftrace -lv 'struct task_struct'` prints): one member a line, indented with tabs,
// anonymous structs, unions and enums written inline where they are used, bitfields as
// `type name: bits`. Explicit padding (`long: 64;`) and packing attributes, which btf_dump
// adds where the layout needs them, are left out: the members and their types are the point.
import type { Btf } from "./btf.ts";
import { declaration } from "./type-name.ts";

const MAX_DEPTH = 16;

/** "struct task_struct", "union bpf_attr", "enum pid_type"; undefined for other kinds and anonymous types. */
export function fullTypeName(btf: Btf, id: number): string | undefined {
  const kind = btf.kindOf(id);
  const name = btf.nameOf(id);
  if (name === "") return undefined;
  if (kind === "struct" || kind === "union") return `${kind} ${name}`;
  if (kind === "enum" || kind === "enum64") return `enum ${name}`;
  return undefined;
}

/** The definition of a struct, union or enum: "struct x {\n\tint a;\n};". */
export function cDefinition(btf: Btf, id: number): string {
  return `${body(btf, id, 0)};`;
}

function indent(depth: number): string {
  return "\t".repeat(depth);
}

/** `struct x {` ... `}` (no semicolon), its members one level deeper than `depth`. */
function body(btf: Btf, id: number, depth: number): string {
  const t = btf.typeById(id);
  if (t.kind === "enum" || t.kind === "enum64") {
    const head = `enum${t.name ? ` ${t.name}` : ""} {`;
    const values = t.values.map((v) => `${indent(depth + 1)}${v.name} = ${v.value},`);
    return [head, ...values, `${indent(depth)}}`].join("\n");
  }
  if (t.kind !== "struct" && t.kind !== "union") return declaration(btf, id, "");
  const head = `${t.kind}${t.name ? ` ${t.name}` : ""} {`;
  const lines = t.members.map((m) => {
    const bits = m.bitSize > 0 ? `: ${m.bitSize}` : "";
    return `${indent(depth + 1)}${member(btf, m.typeId, m.name, depth + 1)}${bits};`;
  });
  return [head, ...lines, `${indent(depth)}}`].join("\n");
}

/** One member's declaration: an anonymous struct, union or enum written out in place. */
function member(btf: Btf, typeId: number, name: string, depth: number): string {
  const kind = btf.kindOf(typeId);
  const inline = (kind === "struct" || kind === "union" || kind === "enum" || kind === "enum64") && btf.nameOf(typeId) === "";
  if (!inline || depth > MAX_DEPTH) return declaration(btf, typeId, name);
  const text = body(btf, typeId, depth);
  return name === "" ? text : `${text} ${name}`;
}
