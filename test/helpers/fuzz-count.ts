// How many seeded inputs a fuzz test tries: a fixed count (the same inputs on every
// machine for a seed), times TRACEBOOK_FUZZ_COUNT (a multiplier, default 1; e.g. 12 for a
// minute-long run by hand), never zero.
export function fuzzCount(base: number): number {
  const k = Number(process.env.TRACEBOOK_FUZZ_COUNT ?? 1);
  if (!Number.isFinite(k) || k <= 0) throw new Error(`TRACEBOOK_FUZZ_COUNT must be a positive number, not ${process.env.TRACEBOOK_FUZZ_COUNT}`);
  return Math.max(1, Math.round(base * k));
}
