// A %%ts cell as code that runs in the notebook's persistent context (one vm context for
// all cells), from the outline TypeScript's parser gave (magics/ts-project.ts):
// - the cell runs inside `(async () => { ... })()`, so top-level await works;
// - its top-level declarations become the context's globals, so the next cell sees them
//   and running a cell again redeclares nothing: `const x: T = e` becomes `(x = e)`,
//   functions and enums are copied out, `class C` becomes `C = class C`;
// - `import` becomes `await __tbImport("m")` (resolved from the kernel's working directory);
// - the last expression statement is the cell's result.
// Every edit keeps the text's line breaks, so a line of the rewritten code is the same line
// of the cell (a runtime error's line, once esbuild's source map is applied).

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface ImportOutline {
  readonly span: Span;
  readonly module: string;
  readonly typeOnly: boolean;
  readonly defaultName?: string;
  readonly namespace?: string;
  readonly named: readonly { readonly name: string; readonly property?: string; readonly typeOnly: boolean }[];
}

export interface VarOutline {
  readonly span: Span;
  /** Where the first declaration starts (after `export const `). */
  readonly declStart: number;
  readonly decls: readonly {
    readonly name: Span;
    /** End of the type annotation (`: T`), if any. */
    readonly typeEnd?: number | undefined;
    readonly init?: Span;
    readonly names: readonly string[];
  }[];
}

export interface CellOutline {
  readonly imports: readonly ImportOutline[];
  readonly vars: readonly VarOutline[];
  /** Functions and enums: copied to the globals once declared. */
  readonly hoist: readonly { readonly name: string; readonly end: number }[];
  readonly classes: readonly { readonly name: string; readonly keywordStart: number }[];
  /** `export` / `default` keywords and `export { }` statements: blanked. */
  readonly exports: readonly Span[];
  /** Names the cell declares as values and as types (for the next cells' checks). */
  readonly values: readonly string[];
  readonly types: readonly { readonly name: string; readonly params: readonly string[] }[];
  /** The last statement's expression, when the last statement is one. */
  readonly last: Span | undefined;
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The line breaks of `s`: what a removed piece leaves so lines stay where they were. */
const breaks = (s: string) => s.replace(/[^\n]/g, "");

export const RESULT = "__tbResult";
export const IMPORT = "__tbImport";

/** The cell as TypeScript that esbuild can transpile and the vm can run. */
export function rewrite(source: string, o: CellOutline): string {
  // `export` keywords become spaces: positions stay as the outline has them
  let text = source;
  for (const s of o.exports) text = text.slice(0, s.start) + " ".repeat(s.end - s.start) + text.slice(s.end);
  const edits: Edit[] = [];
  const replace = (start: number, end: number, by: string) => edits.push({ start, end, text: by + breaks(text.slice(start, end)) });
  const insert = (at: number, by: string) => edits.push({ start: at, end: at, text: by });

  o.imports.forEach((imp, i) => {
    if (imp.typeOnly) return replace(imp.span.start, imp.span.end, "");
    const m = `__tbM${i}`;
    const parts = [`;var ${m} = await ${IMPORT}(${JSON.stringify(imp.module)});`];
    if (imp.defaultName) parts.push(`${imp.defaultName} = ${m}.default;`);
    if (imp.namespace) parts.push(`${imp.namespace} = ${m};`);
    for (const n of imp.named) if (!n.typeOnly) parts.push(`${n.name} = ${m}[${JSON.stringify(n.property ?? n.name)}];`);
    replace(imp.span.start, imp.span.end, parts.join(" "));
  });
  for (const v of o.vars) {
    replace(v.span.start, v.declStart, ";");
    for (const d of v.decls) {
      const after = d.typeEnd ?? d.name.end;
      insert(d.name.start, "(");
      if (after > d.name.end) replace(d.name.end, after, "");
      if (d.init) insert(d.init.end, ")");
      else insert(after, " = undefined)");
    }
  }
  for (const h of o.hoist) insert(h.end, `;globalThis.${h.name} = ${h.name};`);
  for (const c of o.classes) insert(c.keywordStart, `;${c.name} = `);
  if (o.last) {
    insert(o.last.start, `;${RESULT} = (`);
    insert(o.last.end, ")");
  }
  edits.sort((a, b) => a.start - b.start || a.end - b.end);
  let out = "";
  let at = 0;
  for (const e of edits) {
    out += text.slice(at, e.start) + e.text;
    at = Math.max(at, e.end);
  }
  out += text.slice(at);
  // one line: the cell's line 1 stays line 1
  return `(async () => { let ${RESULT}; ${out}\n;return ${RESULT}; })()`;
}

/** A source map's answer for a generated position (node:module's SourceMap). */
export interface LineMap {
  findEntry(line: number, column: number): { originalLine?: number } | Record<string, never>;
}

/**
 * The cell line (1-based) a runtime error happened at: the first stack frame in the cell's
 * script (`file`), mapped back through esbuild's source map.
 */
export function errorLine(stack: string, file: string, map: LineMap): number | undefined {
  const esc = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`${esc}:(\\d+):(\\d+)`).exec(stack);
  if (!m) return undefined;
  const entry = map.findEntry(Number(m[1]) - 1, Number(m[2]) - 1) as { originalLine?: number };
  return entry.originalLine === undefined ? undefined : entry.originalLine + 1;
}
