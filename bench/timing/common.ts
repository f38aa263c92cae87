/** Run settings and small statistics shared by the parts of `npm run bench:timing`. */

/**
 * The report's seeds. Tune on OTHER seeds (`npm run bench:timing -- --seeds=101-110`,
 * which prints a compact summary and does not write the report), then confirm here,
 * so the report does not measure parameters fitted to its own noise.
 */
export const REPORT_SEEDS: readonly number[] = [1, 2, 3, 4, 5];

/** "101-110" or "7,9,12" (ranges and lists may be mixed). */
export function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`--seeds: expected e.g. 101-110 or 1,2,3, got: ${text}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let s = lo; s <= hi; s++) out.push(s);
  }
  return out;
}

/** virtual time simulated per (profile, seed) */
export const DURATION_MS = 120_000;
/** clock-sync errors are counted from here on, and so is "IOI error added by delay changes" (the "after 2 s") */
export const WARMUP_MS = 2_000;

// Medians and quantiles: core/stats.ts (the one definition, linear interpolation).

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** A number for a table: ∞, — for NaN, else fixed digits. */
export function ms(v: number, digits = 2): string {
  if (v === Infinity) return "∞";
  if (Number.isNaN(v)) return "—";
  return v.toFixed(digits);
}

/** A seed of its own for each (seed, role), far from the report's and the tuning seeds. */
export function derivedSeed(seed: number, role: number): number {
  return (Math.imul(seed, 7919) + 104_729 * role) >>> 0;
}
