// C declarations of BTF types, spelled as libbpf's btf_dump__emit_type_decl spells them
// (which is what `bpftrace -lv` prints): "struct file *", "const char *", "char **",
// "int (*)(void *, int)", "char[16]". Type tags (`__user` as btf_type_tag) are left out.
import type { Btf } from "./btf.ts";

const MAX_DEPTH = 32;

/** The declaration of `name` (may be "") with type `id`. */
export function declaration(btf: Btf, id: number, name: string): string {
  return decl(btf, id, name, 0);
}

function join(base: string, inner: string): string {
  if (inner === "") return base;
  // Array and function suffixes attach to the type without a space: "char[16]".
  if (inner.startsWith("[") || (inner.startsWith("(") && !inner.startsWith("(*"))) return base + inner;
  return `${base} ${inner}`;
}

function decl(btf: Btf, id: number, inner: string, depth: number): string {
  if (depth > MAX_DEPTH) return join("...", inner);
  const t = btf.typeById(id);
  switch (t.kind) {
    case "void":
      return join("void", inner);
    case "int": case "float": case "typedef":
      return join(t.name, inner);
    case "struct": case "union":
      return join(`${t.kind} ${t.name || "{...}"}`, inner);
    case "enum": case "enum64":
      return join(`enum ${t.name || "{...}"}`, inner);
    case "fwd":
      return join(`${t.union ? "union" : "struct"} ${t.name}`, inner);
    case "ptr": {
      const target = btf.typeById(skipTags(btf, t.target));
      // Pointers to arrays and functions need parentheses: "int (*)(int)", "char (*)[16]".
      if (target.kind === "array" || target.kind === "func_proto") return decl(btf, t.target, `(*${inner})`, depth + 1);
      // A qualified pointer reads "char * const p".
      const sep = /^(const|volatile|restrict)\b/.test(inner) ? " " : "";
      return decl(btf, t.target, `*${sep}${inner}`, depth + 1);
    }
    case "const": case "volatile": case "restrict": {
      const target = btf.typeById(skipTags(btf, t.target));
      if (target.kind === "ptr") return decl(btf, t.target, inner === "" ? t.kind : `${t.kind} ${inner}`, depth + 1);
      return `${t.kind} ${decl(btf, t.target, inner, depth + 1)}`;
    }
    case "type_tag":
      return decl(btf, t.target, inner, depth + 1);
    case "array":
      return decl(btf, t.elem, `${inner}[${t.nelems}]`, depth + 1);
    case "func_proto": {
      const params = t.params.map((p) => decl(btf, p.typeId, "", depth + 1));
      if (t.variadic) params.push("...");
      return decl(btf, t.ret, `${inner}(${params.length ? params.join(", ") : "void"})`, depth + 1);
    }
    case "func":
      return decl(btf, t.proto, inner || t.name, depth + 1);
    case "var":
      return decl(btf, t.typeId, inner || t.name, depth + 1);
    case "datasec":
      return join(`SEC("${t.name}")`, inner);
    case "decl_tag":
      return decl(btf, t.target, inner, depth + 1);
  }
}

function skipTags(btf: Btf, id: number): number {
  for (let i = 0; i < MAX_DEPTH && btf.kindOf(id) === "type_tag"; i++) {
    id = (btf.typeById(id) as { target: number }).target;
  }
  return id;
}
