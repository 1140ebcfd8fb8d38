// Medians with their spread: the machine is shared, so every figure is the median of
// several runs, shown with min..max (a wide spread says the machine was busy).

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function summary(xs: readonly number[]): Summary | undefined {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

/** "325 ms (300..350)"; `digits` for the numbers, `unit` after the median. */
export function show(s: Summary | undefined, unit: string, digits = 0): string {
  if (!s) return "n/a";
  const f = (x: number) => x.toFixed(digits);
  const u = unit ? ` ${unit}` : "";
  return s.n > 1 ? `${f(s.median)}${u} (${f(s.min)}..${f(s.max)})` : `${f(s.median)}${u}`;
}

/** ours / theirs of the medians, 2 digits. */
export function ratio(a: Summary | undefined, b: Summary | undefined): string {
  if (!a || !b || b.median === 0) return "—";
  return (a.median / b.median).toFixed(2);
}

/** Pair by pair a/b, summarised: keeps the ratio meaningful while the machine's speed drifts. */
export function pairedRatio(a: readonly number[], b: readonly number[]): Summary | undefined {
  return summary(a.map((x, i) => (b[i] ? x / b[i]! : NaN)));
}
