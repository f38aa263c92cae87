/**
 * What was HEARD, from an audio tap's capture (bench/audio-tap.ts): onsets on
 * the machine's clock, matched to the strikes that caused them. Used by the
 * audible benchmark (bench/audible-bench.ts, e2e-bench/audible.spec.ts) and by
 * e2e/audible.spec.ts. Pure functions of plain data; no browser.
 */
import { median, quantile } from "../core/stats";
import type { TapCapture, TapContextCapture } from "./audio-tap";

// ---------- the audio clock ----------

interface ClockPair {
  contextTime: number;
  performanceTime: number;
}

interface Line {
  /** context time (s) of the first and last pair the line went through */
  fromS: number;
  toS: number;
  mc: number;
  mp: number;
  slope: number;
}

export interface AudioClockFit {
  /** one line per stretch without a glitch, in time order */
  segments: Line[];
  /** distinct pairs the lines went through */
  n: number;
  /** distinct pairs left out (far off their line, or alone between two glitches) */
  dropped: number;
  /** jumps of performanceTime − contextTime between segments (ms): the audio clock lost or gained time (a render glitch) */
  jumpsMs: number[];
  /** |pair − its line| (ms) */
  residualP99Ms: number;
  residualMaxMs: number;
  /** performance ms per context ms of the longest segment (1 when both clocks tick alike) */
  slope: number;
}

/**
 * The audio clock on the machine's clock: least-squares lines contextTime →
 * performanceTime through the getOutputTimestamp() pairs (measuring-sound.md:
 * residuals ±0.07 ms, slope 1.0000 over ~10 s, where single pairs scatter by
 * up to a render quantum). With a long output buffer (latencyHint 0.1 s)
 * Chromium refreshes the pair once per ~100 ms callback and single pairs
 * scatter by several ms: the line averages that out. When the machine is busy
 * the render thread can fall behind (a glitch): performanceTime − contextTime
 * then jumps (29 ms seen here) and one line would be wrong on both sides, so
 * the pairs are cut into segments at such jumps, each with its own line.
 * Centred on the means so 1e12-sized epochs never enter the sums.
 */
export function fitAudioClock(pairs: readonly ClockPair[]): AudioClockFit {
  // one sample per distinct pair: the page samples faster than a long buffer refreshes it
  const distinct = pairs.filter((p, i) => i === 0 || p.contextTime !== pairs[i - 1]!.contextTime);
  const offsets = distinct.map((p) => p.performanceTime - p.contextTime * 1000);
  const steps = offsets.slice(1).map((o, i) => Math.abs(o - offsets[i]!));
  // a jump stands far above the pairs' own scatter (×8 its median step; ≥ 2 ms)
  const jumpMs = Math.max(2, 8 * median(steps));
  const runs: ClockPair[][] = [[]];
  distinct.forEach((p, i) => {
    if (i > 0 && steps[i - 1]! > jumpMs) {
      // a lone pair between two jumps (e.g. the context's first callback) is its own run and is dropped below
      runs.push([]);
    }
    runs[runs.length - 1]!.push(p);
  });
  const kept = runs.filter((r) => r.length >= 3);
  if (kept.length === 0) throw new Error(`need at least 3 consecutive getOutputTimestamp() pairs without a glitch, got: ${distinct.length} pairs`);
  const segments: Line[] = [];
  const residuals: number[] = [];
  let used = 0;
  for (const run of kept) {
    const line = lineThrough(run);
    segments.push(line);
    used += run.length;
    for (const p of run) residuals.push(Math.abs(p.performanceTime - at(line, p.contextTime)));
  }
  residuals.sort((x, y) => x - y);
  const jumpsMs = segments.slice(1).map((l, i) => at(l, l.fromS) - at(segments[i]!, l.fromS));
  const longest = [...segments].sort((x, y) => y.toS - y.fromS - (x.toS - x.fromS))[0]!;
  return {
    segments,
    n: used,
    dropped: distinct.length - used,
    jumpsMs,
    residualP99Ms: quantile(residuals, 0.99),
    residualMaxMs: residuals[residuals.length - 1]!,
    slope: longest.slope,
  };
}

function lineThrough(pairs: readonly ClockPair[]): Line {
  const n = pairs.length;
  const mc = pairs.reduce((s, p) => s + p.contextTime, 0) / n;
  const mp = pairs.reduce((s, p) => s + p.performanceTime, 0) / n;
  let scc = 0;
  let scp = 0;
  for (const p of pairs) {
    const dc = (p.contextTime - mc) * 1000;
    scc += dc * dc;
    scp += dc * (p.performanceTime - mp);
  }
  if (!(scc > 0)) throw new Error("the audio clock did not advance between getOutputTimestamp() pairs");
  return { fromS: pairs[0]!.contextTime, toS: pairs[n - 1]!.contextTime, mc, mp, slope: scp / scc };
}

function at(line: Line, contextTimeS: number): number {
  return line.mp + line.slope * (contextTimeS - line.mc) * 1000;
}

/**
 * A context time (s) on the machine's clock: epoch ms, through the line of the
 * segment it falls in (between two segments: the earlier one, whose pairs it
 * follows until the glitch is seen).
 */
export function contextToEpochMs(fit: AudioClockFit, timeOrigin: number, contextTimeS: number): number {
  let line = fit.segments[0]!;
  for (const s of fit.segments) if (s.fromS <= contextTimeS) line = s;
  return timeOrigin + at(line, contextTimeS);
}

export interface HeardOnset {
  /** when the onset was at the speaker, epoch ms (the machine's clock) */
  atMs: number;
  /** which of the capture's contexts played it */
  context: number;
  frame: number;
  level: number;
}

/**
 * The context the app's engine plays through: the one with a WaveShaperNode
 * (the engine's soft clipper, app/lib/audio/engine.ts) connected to its
 * destination; failing that, the one with the most onsets.
 */
export function engineContext(cap: TapCapture): TapContextCapture {
  const c = cap.contexts.find((x) => x.tapped.includes("WaveShaperNode")) ?? [...cap.contexts].sort((a, b) => b.onsets.length - a.onsets.length)[0];
  if (!c) throw new Error("the tap listened to no context");
  return c;
}

/**
 * Every onset the speaker played, from every context the tap listened to
 * (a person hears them all), each through its own context's clock line,
 * in time order.
 */
export function heardOnsets(cap: TapCapture): HeardOnset[] {
  const all: HeardOnset[] = [];
  cap.contexts.forEach((c, i) => {
    if (c.onsets.length === 0) return;
    const fit = fitAudioClock(c.clock);
    for (const o of c.onsets) all.push({ atMs: contextToEpochMs(fit, cap.timeOrigin, o.frame / c.sampleRate), context: i, frame: o.frame, level: o.level });
  });
  return all.sort((a, b) => a.atMs - b.atMs);
}

/** A context's output path as the tap saw it: median of currentTime − getOutputTimestamp().contextTime (ms). */
export function outputPathMs(c: TapContextCapture): number {
  return median(c.clock.map((x) => (x.currentTime - x.contextTime) * 1000));
}

/** One render quantum at the context's sample rate (ms). */
export function quantumMs(c: TapContextCapture): number {
  return (128 / c.sampleRate) * 1000;
}

// ---------- matching onsets to hits ----------

export interface Matching {
  /** for each expected hit (by index): the matched onset's index, or null (missing) */
  onsetOf: (number | null)[];
  /** onsets matched to no hit */
  extra: number[];
}

/**
 * One-to-one: every (hit, onset) pair within `windowMs` of the hit's expected
 * time, closest pairs first. With hits ≥ 75 ms apart and a window under half
 * that, no onset can be claimed by the wrong hit unless something is badly
 * off — which then shows as missing and extra onsets, not as a hidden error.
 */
export function matchOnsets(expectedMs: readonly number[], onsetsMs: readonly number[], windowMs: number): Matching {
  const pairs: [number, number, number][] = [];
  // both sorted: a sliding start keeps this linear in practice
  const order = onsetsMs.map((t, j) => [t, j] as const).sort((a, b) => a[0] - b[0]);
  let lo = 0;
  const byTime = expectedMs.map((t, i) => [t, i] as const).sort((a, b) => a[0] - b[0]);
  for (const [t, i] of byTime) {
    while (lo < order.length && order[lo]![0] < t - windowMs) lo++;
    for (let k = lo; k < order.length && order[k]![0] <= t + windowMs; k++) pairs.push([Math.abs(order[k]![0] - t), i, order[k]![1]]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const onsetOf: (number | null)[] = expectedMs.map(() => null);
  const taken = new Set<number>();
  for (const [, i, j] of pairs) {
    if (onsetOf[i] !== null || taken.has(j)) continue;
    onsetOf[i] = j;
    taken.add(j);
  }
  return { onsetOf, extra: onsetsMs.map((_, j) => j).filter((j) => !taken.has(j)) };
}

// ---------- statistics ----------

// Medians and percentiles: core/stats.ts (the one definition, linear interpolation).

export interface Spread {
  n: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Percentiles of |x|. */
export function spread(xs: readonly number[]): Spread {
  const a = xs.map(Math.abs).sort((x, y) => x - y);
  return { n: a.length, p50Ms: quantile(a, 0.5), p95Ms: quantile(a, 0.95), p99Ms: quantile(a, 0.99), maxMs: a.length ? a[a.length - 1]! : NaN };
}

/**
 * p-th percentile of a + b for independent a ∈ A, b ∈ B (e.g. the partner's
 * up-leg and the listener's down-leg through two proxies), from all pairs.
 */
export function sumPercentile(a: readonly number[], b: readonly number[], p: number): number {
  if (a.length === 0 || b.length === 0) return NaN;
  // thin very long traces: the percentile of the sum needs the shapes, not every chunk
  const thin = (xs: readonly number[]) => (xs.length <= 1500 ? [...xs] : [...xs].sort((x, y) => x - y).filter((_, i, s) => i % Math.ceil(s.length / 1500) === 0));
  const aa = thin(a);
  const bb = thin(b);
  const sums: number[] = [];
  for (const x of aa) for (const y of bb) sums.push(x + y);
  sums.sort((x, y) => x - y);
  return quantile(sums, p / 100);
}
