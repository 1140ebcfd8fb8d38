// HTML for map tables: escaping, and a self-contained sortable <table> (rows arrive sorted
// largest first; where the front end runs scripts, clicking a header re-sorts).

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Table {
  readonly columns: readonly string[];
  /** Which columns hold numbers (right-aligned, sorted numerically). */
  readonly numeric: readonly boolean[];
  readonly rows: readonly (readonly string[])[];
  readonly caption?: string;
}

let tableCounter = 0;

// Sorts the table's body by the clicked column; numbers compare as BigInt so 64-bit counts
// keep their order. Kept tiny and free of globals beyond the table's own id.
const SORT_SCRIPT = (id: string) =>
  `<script>(function(){var t=document.getElementById(${JSON.stringify(id)});if(!t)return;` +
  `t.querySelectorAll("th").forEach(function(th,i){th.style.cursor="pointer";th.onclick=function(){` +
  `var b=t.tBodies[0],r=Array.from(b.rows),n=th.dataset.num==="1",d=th.dataset.dir==="asc"?-1:1;` +
  `th.dataset.dir=d===1?"asc":"desc";r.sort(function(x,y){var a=x.cells[i].textContent,c=y.cells[i].textContent;` +
  `if(n){try{a=BigInt(a);c=BigInt(c);}catch(e){}}return a<c?-d:a>c?d:0;});r.forEach(function(e){b.appendChild(e);});};});})();</script>`;

/** A <table> with a caption, header and body; every cell is escaped. */
export function htmlTable(t: Table): string {
  const id = `tracebook-table-${process.pid}-${++tableCounter}`;
  const align = (i: number) => (t.numeric[i] ? ' style="text-align:right"' : ' style="text-align:left"');
  const head = t.columns.map((c, i) => `<th data-num="${t.numeric[i] ? 1 : 0}"${align(i)}>${escapeHtml(c)}</th>`).join("");
  const body = t.rows
    .map((r) => `<tr>${r.map((c, i) => `<td${align(i)}>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("");
  const caption = t.caption !== undefined ? `<caption style="text-align:left"><code>${escapeHtml(t.caption)}</code></caption>` : "";
  return `<table id="${id}" class="tracebook-map">${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${SORT_SCRIPT(id)}`;
}
