/**
 * The one quantile: every median, percentile and spread in Backbeat (replay
 * statistics, battle scores, calibration, tap tempo, clock sync, playout, the
 * benches) is this definition, so a "median" or a "p99" means the same thing
 * in a test, a bench report and the latency panel.
 *
 * Linear interpolation between the closest ranks (Hyndman & Fan type 7: R's
 * and numpy's default, Excel's PERCENTILE.INC): q = 0 is the minimum, q = 1
 * the maximum, the median of an even count the mean of the middle two. Chosen
 * over nearest-rank (which some benches used) because the medians every caller
 * already computed are this one, and it moves smoothly with the data.
 */

/** Ascending copy (a plain `sort()` would compare numbers as strings). */
export function sortedAscending(values: ArrayLike<number>): number[] {
  return Array.from(values).sort((a, b) => a - b);
}

/** Quantile q ∈ [0, 1] of ascending values (see the header); NaN when there are none. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`q must be within [0, 1], got: ${q}`);
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = sorted[lo]!;
  const b = sorted[Math.min(n - 1, lo + 1)]!;
  if (frac === 0 || a === b) return a;
  // An infinite end (a bench's "never reached" is Infinity) must give ±Infinity, not NaN from ∞ − ∞.
  return Number.isFinite(a) && Number.isFinite(b) ? a + (b - a) * frac : a * (1 - frac) + b * frac;
}

/** Median of values in any order; NaN when there are none. */
export function median(values: ArrayLike<number>): number {
  return quantile(sortedAscending(values), 0.5);
}

/** Median absolute deviation from the median: a spread one outlier cannot move much. NaN when empty. */
export function medianAbsoluteDeviation(values: ArrayLike<number>): number {
  const m = median(values);
  return median(Array.from(values, (x) => Math.abs(x - m)));
}
