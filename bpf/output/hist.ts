// hist() and lhist() buckets as bpftrace prints them (v0.23 src/output.cpp hist_to_str,
// lhist_to_str, hist_index_label, lhist_index_label and their JSON twins): only the buckets
// from the first non-zero one to the last non-zero one, each with its label and its bounds.
// The text, JSON and chart renderings all start from these rows.

import type { HistValue, LhistValue } from "../types/snapshot.ts";

export interface BucketRow {
  /** The label bpftrace prints: "(..., 0)", "[0]", "[4, 8)", "[1K, 2K)", "[100, ...)". */
  readonly label: string;
  /** The printed count (hist counts are divided by print()'s div; lhist counts never are). */
  readonly count: bigint;
  /** The count before division: bpftrace scales the bar by it. */
  readonly raw: bigint;
  /** Smallest value in the bucket; absent for the "below" bucket. */
  readonly low?: bigint;
  /** Largest value in the bucket (inclusive); absent for lhist's "at or above max" bucket. */
  readonly high?: bigint;
}

/** Bar width in '@'s and the bar column's width (the 16/8/52 layout). */
const BAR_WIDTH = 52;
const SUFFIX = ["", "K", "M", "G", "T", "P", "E"];

/** First and last index holding a non-zero count, or undefined when all are zero. */
function nonZeroRange(buckets: readonly bigint[], limit = buckets.length): [number, number] | undefined {
  let first = -1;
  let last = -1;
  for (let i = 0; i < Math.min(limit, buckets.length); i++) {
    if ((buckets[i] ?? 0n) > 0n) {
      if (first === -1) first = i;
      last = i;
    }
  }
  return first === -1 ? undefined : [first, last];
}

/** The smallest value of bucket `index` for hist(x, k), index ≥ 2^k (hist_index_label). */
function histIndexValue(index: number, k: number): bigint {
  const n = 1 << k;
  const interval = BigInt(index & (n - 1));
  const power = (index >> k) - 1;
  return (1n << BigInt(power)) * (BigInt(n) + interval);
}

/** hist_index_label(): the value above with a K/M/G/... suffix per 2^10. */
function histIndexLabel(index: number, k: number): string {
  const n = 1 << k;
  const interval = index & (n - 1);
  let power = (index >> k) - 1;
  const decade = Math.floor(power / 10);
  power -= 10 * decade;
  return `${(1n << BigInt(power)) * BigInt(n + interval)}${SUFFIX[decade] ?? ""}`;
}

/** The bucket index bpftrace's hist(value, k) increments (the kernel side of the layout). */
export function histBucketOf(value: bigint, k = 0): number {
  if (value < 0n) return 0;
  const single = 2n << BigInt(k); // values 0 .. 2^(k+1)-1 have one bucket each
  if (value < single) return Number(value) + 1;
  const log2 = value.toString(2).length - 1;
  const power = log2 - k;
  const interval = Number((value - (1n << BigInt(log2))) >> BigInt(power));
  return ((power + 1) << k) + interval + 1;
}

/** The printed rows of a log2 histogram; `div` divides the printed counts. */
export function histRows(h: HistValue, div = 1n): BucketRow[] {
  const k = h.bits ?? 0;
  const range = nonZeroRange(h.buckets);
  if (!range) return [];
  const rows: BucketRow[] = [];
  for (let i = range[0]; i <= range[1]; i++) {
    const raw = h.buckets[i] ?? 0n;
    const count = div > 1n ? raw / div : raw;
    if (i === 0) {
      rows.push({ label: "(..., 0)", count, raw, high: -1n });
    } else if (i <= 2 << k) {
      rows.push({ label: `[${i - 1}]`, count, raw, low: BigInt(i - 1), high: BigInt(i - 1) });
    } else {
      rows.push({
        label: `[${histIndexLabel(i - 1, k)}, ${histIndexLabel(i, k)})`,
        count,
        raw,
        low: histIndexValue(i - 1, k),
        high: histIndexValue(i, k) - 1n,
      });
    }
  }
  return rows;
}

/** lhist_index_label(): K/M suffixes only when the step is a multiple of 1024. */
function lhistIndexLabel(n: bigint, step: bigint): string {
  if (step % 1024n !== 0n || n === 0n) return String(n);
  if (n % 1048576n === 0n) return `${n / 1048576n}M`;
  if (n % 1024n === 0n) return `${n / 1024n}K`;
  return String(n);
}

/** The printed rows of a linear histogram. */
export function lhistRows(h: LhistValue): BucketRow[] {
  const { min, max, step } = h;
  const inner = step > 0n ? Number((max - min) / step) : 0; // buckets between min and max
  const range = nonZeroRange(h.buckets, inner + 2);
  if (!range) return [];
  const rows: BucketRow[] = [];
  for (let i = range[0]; i <= range[1]; i++) {
    const count = h.buckets[i] ?? 0n;
    const lo = BigInt(i - 1) * step + min;
    const hi = BigInt(i) * step + min;
    if (i === 0) {
      rows.push({ label: `(..., ${lhistIndexLabel(min, step)})`, count, raw: count, high: min - 1n });
    } else if (i === inner + 1) {
      rows.push({ label: `[${lhistIndexLabel(max, step)}, ...)`, count, raw: count, low: max });
    } else {
      rows.push({
        label: `[${lhistIndexLabel(lo, step)}, ${lhistIndexLabel(hi, step)})`,
        count,
        raw: count,
        low: lo,
        high: hi - 1n,
      });
    }
  }
  return rows;
}

/** The rows of either kind of histogram. */
export function bucketRows(v: HistValue | LhistValue, div = 1n): BucketRow[] {
  return v.kind === "hist" ? histRows(v, div) : lhistRows(v);
}

/**
 * The bar of one bucket: `count / (float)max * 52` in single precision, truncated, as
 * bpftrace computes it (the count before div, the max over all buckets).
 */
export function barWidth(raw: bigint, max: bigint): number {
  if (max <= 0n) return 0;
  const ratio = Math.fround(Math.fround(Number(raw)) / Math.fround(Number(max)));
  return Math.max(0, Math.min(BAR_WIDTH, Math.trunc(Math.fround(ratio * BAR_WIDTH))));
}

/** The bucket lines, each "label(16, left)count(8, right) |bar(52)|\n". */
export function histLines(rows: readonly BucketRow[]): string {
  let max = 0n;
  for (const r of rows) if (r.raw > max) max = r.raw;
  let out = "";
  for (const r of rows) {
    const bar = "@".repeat(barWidth(r.raw, max));
    out += `${r.label.padEnd(16)}${String(r.count).padStart(8)} |${bar.padEnd(BAR_WIDTH)}|\n`;
  }
  return out;
}
