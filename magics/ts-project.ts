// The TypeScript side of %%ts cells: TypeScript 7's own checker (the `typescript` package's
// API, which runs its native compiler in a child process and answers over a pipe; about
// 0.3-1.5 s to start, then a few ms per cell) over a project that exists only in memory,
// in a folder `.tracebook-ts` of the kernel's working directory (never written to disk),
// so `import` resolves packages as a script there would:
//   tb.d.ts       the `tb` API (magics/tb-api.ts) and the notebook's maps (TbMaps)
//   cellN.ts      each cell that declared something, exporting what it declared
//   globals.d.ts  those names as globals (the latest cell to declare a name wins)
//   cell.ts       the cell being checked, completed or inspected: a module, so its own
//                 declarations shadow the globals instead of clashing with them
// It checks a cell, outlines its top-level statements for the runner (magics/ts-rewrite.ts),
// and answers completion and inspection.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../kernel/version.ts";
import type { CellOutline, ImportOutline, Span, VarOutline } from "./ts-rewrite.ts";
import { helpers } from "../bpf/asm/index.ts";

/** A diagnostic of the cell, at its place in the cell's text. */
export interface TsDiagnostic {
  readonly start: number;
  readonly end: number;
  readonly code: number;
  readonly message: string;
}

/** Diagnostics of no use in a notebook: a JS package without types is `any`. */
const IGNORED = new Set([7016]);

interface Node {
  readonly kind: number;
  readonly pos: number;
  readonly end: number;
  getStart(): number;
  readonly [field: string]: unknown;
}

type Api = import("typescript/unstable/async").API;
type Snapshot = import("typescript/unstable/async").Snapshot;
type Project = import("typescript/unstable/async").Project;
type Kinds = typeof import("typescript/unstable/ast").SyntaxKind;

/**
 * The tb API's declarations: magics/tb-api.ts without its `export`s, its TbHelpers named
 * after the helpers bpf/asm knows (so a misspelt helper is a type error, and completes).
 */
function tbApiDeclarations(): string {
  const file = join(PACKAGE_ROOT ?? "", "magics", "tb-api.ts");
  const names = Object.keys(helpers).sort().map((n) => `  readonly ${n}: number;`);
  return readFileSync(file, "utf8")
    .replace(/^export /gm, "")
    .replace(/^interface TbHelpers \{[^}]*\}/m, `interface TbHelpers {\n${names.join("\n")}\n}`);
}

const COMPILER_OPTIONS = {
  target: "es2022",
  module: "esnext",
  moduleResolution: "bundler",
  lib: ["es2023"],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowJs: false,
  types: ["node"],
};

export class TsProject {
  readonly dir: string;
  readonly #files = new Map<string, string>();
  #api: Promise<{ api: Api; kinds: Kinds }> | undefined;
  #snapshot: Snapshot | undefined;
  #project: Project | undefined;
  #changed = new Set<string>();
  #created = new Set<string>();
  /** Name -> the cell file that declared it last, as a value and as a type. */
  readonly #values = new Map<string, string>();
  readonly #types = new Map<string, { file: string; params: readonly string[] }>();
  #cells = 0;
  /** One request at a time: the project has one cell.ts. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly cwd: string) {
    this.dir = join(cwd, ".tracebook-ts");
    const typeRoots = PACKAGE_ROOT ? [join(PACKAGE_ROOT, "node_modules", "@types")] : [];
    this.#put("tsconfig.json", JSON.stringify({ compilerOptions: { ...COMPILER_OPTIONS, typeRoots }, include: ["*.ts"] }));
    this.#put("tb.d.ts", `${tbApiDeclarations()}\ndeclare const tb: Tb;\n/** Shows a value under the cell: a MIME bundle ({"text/html": ...}) as it is, anything else as text. */\ndeclare function display(value: unknown): void;\n`);
    this.#put("globals.d.ts", "export {};\n");
    this.#put("cell.ts", "export {};\n");
  }

  #put(name: string, text: string): void {
    const path = join(this.dir, name);
    if (this.#files.get(path) === text) return;
    if (!this.#files.has(path)) this.#created.add(path);
    else this.#changed.add(path);
    this.#files.set(path, text);
  }

  /** Starts TypeScript's compiler process, once. */
  #start(): Promise<{ api: Api; kinds: Kinds }> {
    this.#api ??= (async () => {
      const [{ API }, { SyntaxKind }] = await Promise.all([import("typescript/unstable/async"), import("typescript/unstable/ast")]);
      const inDir = (p: string) => p === this.dir || p.startsWith(`${this.dir}/`);
      const api = new API({
        cwd: this.cwd,
        fs: {
          readFile: (f) => this.#files.get(f) ?? (inDir(f) ? null : undefined),
          fileExists: (f) => (this.#files.has(f) ? true : inDir(f) ? false : undefined),
          directoryExists: (d) => (d === this.dir ? true : undefined),
          getAccessibleEntries: (d) => (d === this.dir ? { files: [...this.#files.keys()].map((f) => f.slice(this.dir.length + 1)), directories: [] } : undefined),
        },
      });
      return { api, kinds: SyntaxKind };
    })();
    return this.#api;
  }

  /** The project as the files are now. */
  async #current(): Promise<{ project: Project; kinds: Kinds }> {
    const { api, kinds } = await this.#start();
    if (!this.#snapshot || this.#changed.size || this.#created.size) {
      const fileChanges = { changed: [...this.#changed], created: [...this.#created] };
      this.#changed.clear();
      this.#created.clear();
      const first = !this.#snapshot;
      this.#snapshot?.dispose();
      this.#snapshot = await api.updateSnapshot(first ? { openProjects: [join(this.dir, "tsconfig.json")] } : { fileChanges });
      this.#project = this.#snapshot.getProject(join(this.dir, "tsconfig.json"));
      if (!this.#project) throw new Error("typescript: the cells' project did not open");
    }
    return { project: this.#project!, kinds };
  }

  #serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(f, f);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** The notebook's maps, as `interface TbMaps { ... }` (ts-map-types.ts). */
  setMaps(declaration: string): void {
    this.#put("maps.d.ts", declaration);
  }

  /** Type errors of `source` and the outline of its top-level statements. */
  analyze(source: string): Promise<{ diagnostics: TsDiagnostic[]; outline: CellOutline }> {
    return this.#serial(async () => {
      this.#put("cell.ts", `${source}\nexport {};\n`);
      const { project, kinds } = await this.#current();
      const file = join(this.dir, "cell.ts");
      const found = [...(await project.program.getSyntacticDiagnostics(file)), ...(await project.program.getSemanticDiagnostics(file))];
      const diagnostics = found
        .filter((d) => d.category === 1 && !IGNORED.has(d.code) && d.pos < source.length) // DiagnosticCategory.Error
        .map((d) => ({ start: d.pos, end: Math.min(d.end, source.length), code: d.code, message: flatten(d) }));
      // the client keeps syntax trees by what the server reports changed, which misses
      // files it reads through our callbacks: ask for this one afresh
      (await this.#start()).api.clearSourceFileCache();
      const sf = await project.program.getSourceFile(file);
      if (!sf) throw new Error("typescript: the cell has no source file");
      return { diagnostics, outline: outline(sf.statements as unknown as readonly Node[], kinds, source.length) };
    });
  }

  /**
   * A cell ran: what it declared becomes global for the next cells (its text is kept as
   * cellN.ts, exporting those names).
   */
  commit(source: string, o: CellOutline): void {
    if (o.values.length === 0 && o.types.length === 0) return;
    const name = `cell${++this.#cells}`;
    const names = [...new Set([...o.values, ...o.types.map((t) => t.name)])];
    let text = source;
    for (const s of [...o.exports].sort((a, b) => b.start - a.start)) text = text.slice(0, s.start) + " ".repeat(s.end - s.start) + text.slice(s.end);
    this.#put(`${name}.ts`, `${text}\nexport { ${names.join(", ")} };\n`);
    for (const v of o.values) this.#values.set(v, name);
    for (const t of o.types) this.#types.set(t.name, { file: name, params: t.params });
    const files = [...new Set([...this.#values.values(), ...[...this.#types.values()].map((t) => t.file)])].sort();
    const lines = [
      ...files.map((f) => `import type * as ${f} from "./${f}";`),
      "declare global {",
      ...[...this.#values].map(([n, f]) => `  var ${n}: typeof ${f}.${n};`),
      ...[...this.#types].map(([n, t]) => {
        const ps = t.params.length ? `<${t.params.join(", ")}>` : "";
        return `  type ${n}${ps} = ${t.file}.${n}${ps};`;
      }),
      "}",
      "export {};",
    ];
    this.#put("globals.d.ts", `${lines.join("\n")}\n`);
  }

  /** Completions at `pos` of `source`: names that fit there. */
  complete(source: string, pos: number): Promise<string[]> {
    return this.#serial(async () => {
      this.#put("cell.ts", `${source}\nexport {};\n`);
      const { project } = await this.#current();
      const info = await project.checker.getCompletionsAtPosition(join(this.dir, "cell.ts"), pos);
      return (info?.entries ?? []).map((e) => e.name);
    });
  }

  /** What stands at `pos`: its name, type and documentation, or undefined. */
  inspect(source: string, pos: number): Promise<string | undefined> {
    return this.#serial(async () => {
      this.#put("cell.ts", `${source}\nexport {};\n`);
      const { project } = await this.#current();
      const file = join(this.dir, "cell.ts");
      const symbol = await project.checker.getSymbolAtPosition(file, pos);
      if (!symbol) return undefined;
      const type = await project.checker.getTypeAtPosition(file, pos);
      const typeText = type ? await project.checker.typeToString(type, undefined, 1) : "unknown"; // NoTruncation
      const doc = await project.checker.getDocumentationCommentOfSymbol(symbol);
      return `${symbol.name}: ${typeText}${doc ? `\n\n${doc}` : ""}`;
    });
  }

  async close(): Promise<void> {
    const started = this.#api;
    this.#api = undefined;
    if (!started) return;
    try {
      // no snapshot.dispose(): its release request would outlive the connection
      await (await started).api.close();
    } catch {
      /* already gone */
    }
  }
}

function flatten(d: { text: string; messageChain?: readonly { text: string; messageChain?: readonly unknown[] }[] | undefined }): string {
  const chain = (d.messageChain ?? []).map((c) => c.text);
  return [d.text, ...chain].join(" ");
}

/** Top-level statements as the runner needs them: imports, declarations, exports, the last expression. */
function outline(statements: readonly Node[], K: Kinds, length: number): CellOutline {
  const o = {
    imports: [] as ImportOutline[], vars: [] as VarOutline[], hoist: [] as { name: string; end: number }[],
    classes: [] as { name: string; keywordStart: number }[], exports: [] as Span[], values: [] as string[],
    types: [] as { name: string; params: readonly string[] }[], last: undefined as Span | undefined,
  };
  const span = (n: Node): Span => ({ start: n.getStart(), end: n.end });
  const text = (n: unknown) => (n as { text?: string } | undefined)?.text;
  const mods = (n: Node) => ((n.modifiers as Node[] | undefined) ?? []);
  const has = (n: Node, kind: number) => mods(n).some((m) => m.kind === kind);
  const names = (n: Node): string[] => {
    if (n.kind === K.Identifier) return [text(n)!];
    const out: string[] = [];
    for (const e of (n.elements as Node[] | undefined) ?? []) if (e.kind === K.BindingElement) out.push(...names(e.name as Node));
    return out;
  };
  for (const st of statements) {
    if (st.end > length + 1) continue; // the `export {}` we add
    for (const m of mods(st)) if (m.kind === K.ExportKeyword || m.kind === K.DefaultKeyword) o.exports.push(span(m));
    if (has(st, K.DeclareKeyword)) continue;
    switch (st.kind) {
      case K.ImportDeclaration: {
        const clause = st.importClause as Node | undefined;
        const imp: ImportOutline = {
          span: span(st),
          module: text(st.moduleSpecifier) ?? "",
          typeOnly: clause?.isTypeOnly === true,
          ...(clause?.name ? { defaultName: text(clause.name)! } : {}),
          named: [],
        };
        const b = clause?.namedBindings as Node | undefined;
        if (b?.kind === K.NamespaceImport) (imp as { namespace?: string }).namespace = text(b.name);
        for (const e of (b?.elements as Node[] | undefined) ?? []) {
          (imp.named as { name: string; property?: string; typeOnly: boolean }[]).push({ name: text(e.name)!, ...(e.propertyName ? { property: text(e.propertyName)! } : {}), typeOnly: e.isTypeOnly === true });
        }
        o.imports.push(imp);
        const all = [...(imp.defaultName ? [imp.defaultName] : []), ...(imp.namespace ? [imp.namespace] : []), ...imp.named.map((n) => n.name)];
        // type-only imports are types; value imports are both (a class is also a type)
        if (imp.typeOnly) o.types.push(...all.map((name) => ({ name, params: [] })));
        else {
          for (const n of imp.named) if (n.typeOnly) o.types.push({ name: n.name, params: [] });
          o.values.push(...all.filter((n) => !imp.named.some((x) => x.name === n && x.typeOnly)));
        }
        break;
      }
      case K.VariableStatement: {
        const list = st.declarationList as Node;
        const decls = (list.declarations as Node[]).map((d) => {
          const name = d.name as Node;
          const type = d.type as Node | undefined;
          const init = d.initializer as Node | undefined;
          return { name: span(name), typeEnd: type?.end, ...(init ? { init: span(init) } : {}), names: names(name) };
        });
        o.vars.push({ span: span(st), declStart: (list.declarations as Node[])[0]!.getStart(), decls });
        o.values.push(...decls.flatMap((d) => d.names));
        break;
      }
      case K.FunctionDeclaration:
        if (st.body && st.name) {
          o.hoist.push({ name: text(st.name)!, end: st.end });
          o.values.push(text(st.name)!);
        }
        break;
      case K.ClassDeclaration:
        if (st.name) {
          const keyword = mods(st).filter((m) => m.kind !== K.Decorator).reduce((at, m) => Math.max(at, m.end), st.getStart());
          o.classes.push({ name: text(st.name)!, keywordStart: keyword });
          o.values.push(text(st.name)!);
          o.types.push({ name: text(st.name)!, params: typeParams(st, text) });
        }
        break;
      case K.EnumDeclaration:
        if (!has(st, K.ConstKeyword)) {
          o.hoist.push({ name: text(st.name)!, end: st.end });
          o.values.push(text(st.name)!);
          o.types.push({ name: text(st.name)!, params: [] });
        }
        break;
      case K.InterfaceDeclaration:
      case K.TypeAliasDeclaration:
        o.types.push({ name: text(st.name)!, params: typeParams(st, text) });
        break;
      case K.ExportDeclaration:
        o.exports.push(span(st));
        break;
      case K.ExportAssignment: // `export default expr`: the expression stays
        o.exports.push({ start: st.getStart(), end: (st.expression as Node).getStart() });
        break;
    }
  }
  const last = statements.filter((s) => s.end <= length + 1).at(-1);
  if (last?.kind === K.ExpressionStatement) o.last = span(last.expression as Node);
  else if (last?.kind === K.ExportAssignment) o.last = span(last.expression as Node);
  return o;
}

function typeParams(st: Node, text: (n: unknown) => string | undefined): string[] {
  return ((st.typeParameters as Node[] | undefined) ?? []).map((p) => text(p.name)!);
}
